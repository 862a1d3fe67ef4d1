import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const helpers = fileURLToPath(new URL('./helpers.ts', import.meta.url));

// The top level of a module with a cache swept by an interval, as applications write one.
const cache = (n: number) => `const entries = new Map<string, number>();\nsetInterval(() => entries.clear(), 60_000);\nexport const put = (k: string, v: number) => entries.set(k, v + ${n});\n`;

test("computing a relup whose changed module's top level starts an interval ends: the behaviour detection's throwaway node leaves no timer running", async () => {
  const base = tempDir();
  // The script lives in the repository (its _build/) so that it resolves the workspace's packages.
  mkdirSync(join(repo, '_build'), { recursive: true });
  const scriptDir = mkdtempSync(join(repo, '_build', 'relup-timers-'));
  const script = join(scriptDir, 'relup.ts');
  writeFileSync(script, [
    `import { join } from 'node:path';`,
    `import { computeRelup } from '@otp-ts/release';`,
    `import { fixtureProject, sources } from ${JSON.stringify(helpers)};`,
    `const version = (root: string, vsn: string) => ({ vsn, apps: [{ name: 'shop', vsn, dir: join(root, '_build', 'prod', 'lib', 'shop-' + vsn) }] });`,
    `const r1 = await fixtureProject(${JSON.stringify(join(base, 'v1'))}, '0.1.0', { shop: { vsn: '0.1.0', modules: { 'cart.ts': sources.server(1), 'cache.ts': ${JSON.stringify(cache(1))} } } });`,
    `const r2 = await fixtureProject(${JSON.stringify(join(base, 'v2'))}, '0.2.0', { shop: { vsn: '0.2.0', modules: { 'cart.ts': sources.server(2), 'cache.ts': ${JSON.stringify(cache(2))} } } });`,
    `const relup = await computeRelup(version(r1, '0.1.0'), version(r2, '0.2.0'));`,
    `console.log('relup', relup.vsn);`,
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // A generous deadline: the child should end by itself in a few seconds; one still running then never would.
  const code = await new Promise<number | null>((resolve) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 90_000);
    child.on('exit', (c) => {
      clearTimeout(deadline);
      resolve(c);
    });
  });
  rmSync(scriptDir, { recursive: true, force: true });
  assert.notEqual(code, null, `computing the relup never ended:\n${out}`);
  assert.equal(code, 0, out);
  assert.match(out, /relup 0\.2\.0/);
});
