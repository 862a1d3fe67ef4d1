import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('hostile-generators', { reporters: ['tty', 'json', 'junit'] });
after(() => removeCopy(run.root));

test('a generator returning a hostile value (throwing getter or proxy, a cycle, a lying length, a revoked proxy) fails alone, naming itself; every other test runs', () => {
  const cases = run.result.files[0]!.cases;
  assert.deepEqual(cases.map((c) => [c.path.join(' > '), c.status]), [
    ['hostile > firstTest', 'passed'],
    ['hostile > getterTests', 'failed'],
    ['hostile > proxyTests', 'failed'],
    ['hostile > arrayProxyTests', 'failed'],
    ['hostile > cycleTests', 'failed'],
    ['hostile > hugeTests', 'failed'],
    ['hostile > revokedTests', 'failed'],
    ['hostile > goodTests > still runs', 'passed'],
    ['hostile > lastTest', 'passed'],
  ]);
  assert.match(run.find('getterTests').failure!.message, /^Error: the generator getterTests returned a bad test set: label getter$/);
  assert.match(run.find('proxyTests').failure!.message, /^Error: the generator proxyTests returned a bad test set: has trap$/);
  assert.match(run.find('arrayProxyTests').failure!.message, /^Error: the generator arrayProxyTests returned a bad test set: array get trap$/);
  assert.match(run.find('cycleTests').failure!.message, /^Error: the generator cycleTests returned a bad test set: the test set at hostile > cycleTests > #2 contains itself \(a cycle\)$/);
  assert.match(run.find('hugeTests').failure!.message, /claims a length of 4294967295/);
  assert.match(run.find('revokedTests').failure!.message, /^Error: the generator revokedTests returned a bad test set: .*revoked/);
});

test('the closing line, the JSON and the JUnit XML agree on 3 passed, 6 failed', () => {
  assert.deepEqual(run.result.counts, { passed: 3, failed: 6, skipped: 0, total: 9 });
  assert.equal(run.result.ok, false);
  assert.equal(run.text.trimEnd().split('\n').at(-1), '3 passed, 6 failed');
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { counts: unknown };
  assert.deepEqual(json.counts, run.result.counts);
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites [^>]*tests="9" failures="6"/);
  assert.equal(xml.match(/<testcase /g)?.length, 9);
});
