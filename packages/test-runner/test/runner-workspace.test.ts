import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCopy, runFixture, removeCopy } from './helpers.ts';

// An umbrella as npm installs it: node_modules holds the installed packages and a link to each workspace app.
const root = fixtureCopy('workspace');
const installed = join(root, 'node_modules');
const repoModules = join(installed, '..', 'repo_modules');
rmSync(installed);
symlinkSync(join(import.meta.dirname, '..', '..', '..', 'node_modules'), repoModules, 'dir');
mkdirSync(installed);
for (const name of readdirSync(repoModules)) symlinkSync(join(repoModules, name), join(installed, name));
symlinkSync(join('..', 'apps', 'umb'), join(installed, 'umb'), 'dir');
const run = await runFixture('workspace', { paths: ['apps/billing/test'] }, root);
after(() => removeCopy(root));

test("a test importing a sibling workspace app's TypeScript module by package path runs it (bundled, not loaded as an installed package)", () => {
  assert.equal(run.find('siblingTest').status, 'passed', run.text);
  assert.deepEqual(run.result.counts, { passed: 1, failed: 0, skipped: 0, total: 1 });
});
