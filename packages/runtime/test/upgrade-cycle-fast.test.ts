// An upgrade of modules in an import cycle holds their export tables behind getters while it evaluates them; after
// it, V8 must keep each table in fast mode, or every later call from another module into them is a slower lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./fixtures/cycle-fast-table.ts', import.meta.url));

function run(): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--allow-natives-syntax', ...process.execArgv, main], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('after an upgrade of two modules importing each other, V8 keeps both export tables in fast mode', async () => {
  const { code, out, err } = await run();
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { answer: 'a2', fast: { 'app/a': true, 'app/b': true } });
});
