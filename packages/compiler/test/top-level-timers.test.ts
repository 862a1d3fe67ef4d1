import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const shop = join(repo, 'examples', 'shop');

// Runs compile({ root }) in a child Node.js and resolves to its exit code and output once it exits by itself
// (or to null after a generous deadline, killing it: a compile that never ends).
function compileInChild(root: string): Promise<{ code: number | null; out: string }> {
  const script = `import { compile } from '@otp-ts/compiler'; const [app] = await compile({ root: ${JSON.stringify(root)} }); console.log('compiled', app.compiled.length);`;
  const child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', '--input-type=module', '-e', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, out });
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, out });
    });
  });
}

test("a module whose top level starts an interval (a cache's sweep) compiles, and the compile ends: the behaviour check's throwaway node leaves no timer of the module's running", async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-compile-timers-'));
  try {
    cpSync(shop, root, { recursive: true });
    writeFileSync(join(root, 'src', 'cache.ts'), 'const entries = new Map<string, number>();\nsetInterval(() => entries.clear(), 60_000);\nsetTimeout(() => entries.clear(), 60_000);\nexport const put = (k: string, v: number) => entries.set(k, v);\n');
    const { code, out } = await compileInChild(root);
    assert.notEqual(code, null, `the compile never ended:\n${out}`);
    assert.equal(code, 0, out);
    assert.match(out, /compiled 7/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
