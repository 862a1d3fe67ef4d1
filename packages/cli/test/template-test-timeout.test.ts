// What `otp test` gives a generated project's tests as their time limit: the defaults docs/testing.md states
// (5000 ms per EUnit-style test, a 30 s timetrap per Common-Test-style case), which its otp.config.ts keeps.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CT_TIMETRAP_MS, EUNIT_TIMEOUT_MS } from '@otp-ts/test-runner';
import { loadConfig, planProject, templateNames } from '@otp-ts/cli';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
mkdirSync(join(repo, '_build', 'test'), { recursive: true });
const work = mkdtempSync(join(repo, '_build', 'test', 'template-timeout-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('docs/testing.md states the default time limits the runner has', () => {
  const docs = readFileSync(join(repo, 'docs', 'testing.md'), 'utf8');
  assert.match(docs, new RegExp(`^- Default timeout: ${EUNIT_TIMEOUT_MS} ms per test`, 'm'));
  assert.equal(CT_TIMETRAP_MS, 30_000);
});

for (const template of templateNames) {
  test(`a project made from the ${template} template runs its tests with the documented default time limits`, async () => {
    const project = join(work, template);
    for (const f of planProject(template, `probe_${template}`)) {
      mkdirSync(dirname(join(project, f.path)), { recursive: true });
      writeFileSync(join(project, f.path), f.content);
    }
    const { config } = await loadConfig(project);
    // What `otp test` reads: the top level's test values, then the test profile's.
    const set = { ...config.test, ...config.profiles?.test?.test };
    assert.equal(set.timeout, undefined, `otp.config.ts of the ${template} template sets a test timeout of ${String(set.timeout)} ms where docs/testing.md says the default is ${EUNIT_TIMEOUT_MS} ms`);
  });
}
