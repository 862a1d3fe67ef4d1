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
