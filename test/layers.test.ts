import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

test('the layer order of docs/architecture.md holds: no import cycle, no upward import, other packages only through their entries', { timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, [depcruise, 'packages', 'test', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `dependency-cruiser found violations (rules in .dependency-cruiser.cjs):\n${r.stdout}${r.stderr}`);
});

// dependency-cruiser checks one import at a time; this rule is about a file's imports together. The otp test runner
// (npm test runs the runtime's tests with it) bundles a test's relative imports as a copy of the modules, so a
// test that reaches the runtime both through `@otp-ts/runtime` and through `../src/…` (itself or through a helper
// it imports relatively) holds two copies of the runtime: two Pid classes, two nodes' worth of registries, and it
// fails under npm test although it passes under node --test.
test('no runtime test reaches the runtime both through @otp-ts/runtime and through ../src/', { timeout: 300_000 }, () => {
  const r = spawnSync(process.execPath, [depcruise, 'packages/runtime/test', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  const mixes = mixedRuntimeImports(JSON.parse(r.stdout) as Cruise);
  assert.deepEqual(mixes, [], `import the runtime one way in each of these tests (all from @otp-ts/runtime and @otp-ts/runtime/tools, or all from ../src/):\n${mixes.join('\n')}`);
});

interface Cruise {
  modules: { source: string; dependencies: { module: string; resolved: string }[] }[];
}

const testDir = 'packages/runtime/test/';
const srcDir = 'packages/runtime/src/';

/** For each test file of the runtime, a line naming an entry import and a src import its relative closure holds together. */
function mixedRuntimeImports(cruise: Cruise): string[] {
  const deps = new Map(cruise.modules.map((m) => [m.source, m.dependencies]));
  const found: string[] = [];
  for (const file of deps.keys()) {
    if (!file.startsWith(testDir) || !file.endsWith('.test.ts')) continue;
    let entry: string | undefined;
    let src: string | undefined;
    const seen = new Set([file]);
    const queue = [file];
    for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
      for (const d of deps.get(at) ?? []) {
        if (d.module.startsWith('@otp-ts/runtime')) entry ??= at === file ? d.module : `${d.module} (through ${at})`;
        else if (d.module.startsWith('.') && d.resolved.startsWith(srcDir)) src ??= at === file ? d.module : `${d.module} (through ${at})`;
        else if (d.module.startsWith('.') && d.resolved.startsWith(testDir) && !seen.has(d.resolved)) {
          seen.add(d.resolved);
          queue.push(d.resolved);
        }
      }
    }
    if (entry && src) found.push(`${file} imports ${entry} and ${src}`);
  }
  return found;
}
