// A new version that drops exports makes the code server delete them from the module's export table, which V8 then
// keeps in dictionary mode: every later call from another module into it would be a slower lookup, for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./fixtures/dropped-export-fast-table.ts', import.meta.url));

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

test('after a load and an upgrade that drop exports, V8 keeps the export table in fast mode', async () => {
  const { code, out, err } = await run();
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { answer: 'e3', keys: ['a', 'e'], before: true, afterLoad: true, afterUpgrade: true });
});
