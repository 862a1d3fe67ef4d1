import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ttyReporter } from '@otp-ts/test-runner';
import { runFixture, removeCopy } from './helpers.ts';

const run = await runFixture('stacks', { reporters: ['tty', 'json', 'junit'] });
after(() => removeCopy(run.root));

// A frame of the runner, of the installed runtime (built: dist/), of an installed package or of Node itself.
const othersFrame = /^\s+at .*(test-runner[\\/](dist|src)[\\/]|runtime[\\/]dist[\\/]|node_modules|[( ]node:)/m;
const failuresOf = (text: string): string => text.slice(text.indexOf('Failures:'), text.indexOf('Slowest:'));

test('failure stacks show the test\'s own frames only: none of the runner, the runtime or Node', () => {
  const plain = run.find('plainTest').failure!;
  assert.match(plain.text, /^Error: plain boom\n\s+at helper \(.*stacks\.test\.ts:5:9\)\n\s+at plainTest \(.*stacks\.test\.ts:10:3\)$/);
  const call = run.find('callTest').failure!;
  assert.match(call.text, /^RuntimeError: not a server reference: undefined\n\s+at callTest \(.*stacks\.test\.ts:15:19\)$/);
  assert.doesNotMatch(failuresOf(run.text), othersFrame);
});

test('the full stack stays in the JSON (failure.stack), the JUnit failure body and the tty report under verbose', () => {
  const json = JSON.parse(readFileSync(join(run.root, '_build', 'test', 'results.json'), 'utf8')) as { files: { cases: { name: string; failure: { stack?: string } }[] }[] };
  const call = json.files[0]!.cases.find((c) => c.name === 'callTest')!;
  assert.match(call.failure.stack!, /at whereisServer .*runtime[\\/]dist[\\/]/);
  assert.match(call.failure.stack!, /at callTest \(.*stacks\.test\.ts:15:19\)/);
  const xml = readFileSync(join(run.root, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /full stack:\nRuntimeError: not a server reference: undefined\n\s+at whereisServer /);
  let verbose = '';
  ttyReporter({ write: (s: string) => (verbose += s) }, { verbose: true }).onRunEnd!(run.result);
  assert.match(failuresOf(verbose), othersFrame);
  assert.match(verbose, /full stack:\n\s+RuntimeError: not a server reference: undefined\n\s+at whereisServer /);
});
