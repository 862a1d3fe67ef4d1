// End to end through the built binary: a test file that never finishes loading, or whose worker is blocked or
// ended while no case runs, fails the run with its name and a reason; the run never hangs and never passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const files: Record<string, string> = {
  // Outcomes: okTest passes.
  'ok.test.ts': 'export function okTest(): void {}\n',
  // Outcomes: the file fails (its module code never yields, so it never loads).
  'loadloop.test.ts': 'for (;;) {}\nexport function neverLoadsTest(): void {}\n',
  // Outcomes: the file fails (its top-level await never settles; nothing else keeps the thread alive).
  'tla.test.ts': 'await new Promise(() => {});\nexport function neverLoadsTest(): void {}\n',
  // Outcomes: the file fails (its top-level await never settles, and an interval keeps the thread alive).
  'tlaalive.test.ts': 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport function neverLoadsTest(): void {}\n',
  // Outcomes: spinTest returns, then its timer blocks the worker after the last case: spinTest fails (its leftover code did it).
  // The timer waits 500 ms: at 50 ms a loaded machine let it start spinning before the runner had heard the case end.
  'spinlast.test.ts': 'export function spinTest(): void {\n  setTimeout(() => {\n    for (;;) {}\n  }, 500);\n}\n',
  // Outcomes: quickTest passes, then the module's own timer ends the worker with process.exit(0): the file fails, as its module code's doing.
  'modexit.test.ts': 'setTimeout(() => process.exit(0), 300);\nexport function quickTest(): void {}\n',
};
const dir = scratchProject('hangs', Object.fromEntries(Object.entries(files).map(([name, text]) => [`test/${name}`, text])));

test('a file that never loads, a worker blocked or ended after the last case: each fails its file (or the test whose timer blocked it), and the run ends', () => {
  // The load bound shortened to 45 s (120 s by default; past the 30 s a blocked worker gets), so the never-settling await is cut within this test's time.
  const env = { ...process.env, OTP_TEST_LOAD_TIMEOUT_MS: '45000' };
  const r = spawnSync(process.execPath, [bin, 'test', '--jobs', '6', '--reporter', 'junit,tty'], { cwd: dir, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.error, undefined, `otp test ended by itself (${String(r.error)}): ${r.stdout}`);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').at(-1), '2 passed, 5 failed', r.stdout);
  const failed = [...r.stdout.matchAll(/^✖ (\S+(?: › .+)?)\n {4}(.+)$/gm)].map((m) => `${m[1]}: ${m[2]}`).sort();
  assert.deepEqual(failed, [
    'test/loadloop.test.ts: test/loadloop.test.ts blocked its worker for 30000 ms while loading (its module code loops without yielding) and was terminated',
    'test/modexit.test.ts › its module code called process.exit: its module code called process.exit:',
    'test/spinlast.test.ts › spinlast > spinTest: after the test returned, a timer or promise it left was running when the worker was blocked for 30000 ms while no case ran (a timer or promise left by a test or the module code loops without yielding) and was terminated',
    'test/tla.test.ts: test/tla.test.ts never finished loading: a top-level await in it never settles',
    'test/tlaalive.test.ts: test/tlaalive.test.ts did not finish loading within 45000 ms (a top-level await that never settles?) and its worker was terminated',
  ]);
  assert.match(r.stdout, /› its module code called process\.exit\n {4}its module code called process\.exit:\n {4}test\/modexit\.test\.ts's module code \(not a test: its top level, or a timer or promise it started\) called process\.exit\(0\), which ended its worker/);
  assert.match(r.stdout, /^✖ test\/modexit\.test\.ts \(1 passed, 1 failed, \d+ ms\)$/m, 'the file is not marked as passing');
  const xml = readFileSync(join(dir, '_build', 'test', 'junit.xml'), 'utf8');
  assert.match(xml, /<testsuites name="otp test" tests="7" failures="5" errors="0" skipped="0"/);
});
