// End to end through the built binary: otp test's --retry, --fail-on-flaky, --shard, --shuffle/--seed and --rerun-failed, and its HTML log tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '@otp-ts/cli';
import { runOptionsFrom, testOptionTable, type RunOptions, type TableRunOptions, type TestOptionSpec } from '@otp-ts/test-runner';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = tempProject('otp-test-options-', { 'package.json': JSON.stringify({ name: 'flaky', version: '0.1.0', type: 'module', otp: {} }) }, join(repo, 'packages', 'test-runner', 'test', 'fixtures', 'flaky'));

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;

test('otp test --shard, --shuffle --seed, --retry, --fail-on-flaky and --rerun-failed', () => {
  const shard = otp('--shard', '2/2', '--shuffle', '--seed', '7');
  assert.match(shard.stdout, /^running 1 test file\(s\), shard 2\/2 \(shuffle seed 7, in random order: replay with --shuffle --seed 7\)/);
  assert.equal(last(shard.stdout), '1 passed, 0 failed');
  const bad = otp('--shard', '3/2');
  assert.equal(bad.status, 2);
  // One line naming what is wrong and what to give, not the letters of the usage's i/n.
  assert.equal(bad.stderr, 'otp: --shard 3/2: there is no part 3 of 2: give a part from 1 to 2, e.g. 1/2\n');
  const none = otp('--shard', '1/0');
  assert.equal(none.status, 2);
  assert.equal(none.stderr, 'otp: --shard 1/0: the number of parts (after the /) must be at least 1, e.g. 1/4\n');
  const strict = otp('test/flaky.test.ts', '--retry', '1', '--fail-on-flaky');
  assert.equal(strict.status, 1);
  assert.match(strict.stdout, /Flaky \(passed only on a retry, failed by --fail-on-flaky\)/);
  assert.equal(last(strict.stdout), '1 passed, 2 failed');
  const missing = otp('tests/nope');
  assert.equal(missing.status, 2, "a path that names nothing is the user's mistake: a usage error, no crash report");
  assert.match(missing.stderr, /^otp: \S+tests\/nope does not exist: give test files or folders that exist\n$/);
  const rerun = otp('--rerun-failed');
  assert.equal(last(rerun.stdout), '1 passed, 1 failed', rerun.stdout);
});

test("otp test --reporter html adds a run to _build/test/logs/, keeping otp.config.ts's test.keepLogs newest runs", () => {
  const logs = join(dir, '_build', 'test', 'logs');
  rmSync(logs, { recursive: true, force: true });
  writeFileSync(join(dir, 'otp.config.ts'), 'export default { test: { keepLogs: 2 } };\n');
  try {
    for (let i = 0; i < 3; i++) assert.equal(otp('test/other.test.ts', '--reporter', 'html').status, 0);
    const runs = readdirSync(logs).filter((n) => n.startsWith('run.')).sort();
    assert.equal(runs.length, 2);
    const index = readFileSync(join(logs, 'index.html'), 'utf8');
    assert.deepEqual([...index.matchAll(/<a href="(run\.[^"/]+)\/index\.html">/g)].map((m) => m[1]), [...runs].reverse());
    assert.match(readFileSync(join(logs, 'last.html'), 'utf8'), new RegExp(`url=${runs[1]!.replace(/\./g, '\\.')}/index\\.html`));
    writeFileSync(join(dir, 'otp.config.ts'), 'export default { test: { keepLogs: -1 } };\n');
    const bad = otp('test/other.test.ts');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /otp\.config\.ts: 'test\.keepLogs' must be a whole number of runs above 0, got -1/);
  } finally {
    rmSync(join(dir, 'otp.config.ts'), { force: true });
  }
});

// Every option of a test run is one row of testOptionTable; the flags, the config keys and the runner's options
// come from it. A flag, a config key or a runner option added anywhere else fails one of the checks below.
const commandOwnFlags = ['watch', 'cover', 'cover-threshold'];
const globalFlags = ['help', 'version', 'quiet', 'verbose'];
const rows = testOptionTable as readonly TestOptionSpec[];
// A RunOptions key that is neither a row of the table nor one of these fails the type check.
type ApiOnly = 'root' | 'grep' | 'shard' | 'reporters' | 'paths' | 'config' | 'htmlLogs' | 'quiet' | 'verbose' | 'output' | 'workerExecArgv' | 'workerMemoryMb' | 'importGraph' | 'replayCommand' | 'signal' | 'carried';
type Undeclared = Exclude<keyof RunOptions, keyof TableRunOptions | ApiOnly>;
const everyRunOptionDeclared: [Undeclared] extends [never] ? true : Undeclared = true;
const sample = (o: TestOptionSpec): unknown =>
  o.type === 'array' ? [...(o.choices ?? ['x']).slice(-1)] : o.type === 'number' ? 7 : o.type === 'boolean' ? true : o.type === 'thresholds' ? { lines: 50 } : 'x';

test('otp test --help lists exactly the flags of the test option table and the command\'s own', () => {
  assert.ok(everyRunOptionDeclared);
  const help = spawnSync(process.execPath, [bin, 'test', '--help'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(help.status, 0, help.stderr);
  const listed = new Set([...help.stdout.matchAll(/(?:^|\s)--([a-z][a-z-]*)/g)].map((m) => m[1]!));
  const declared = new Set([...rows.flatMap((o) => (o.flag === undefined ? [] : [o.flag])), ...commandOwnFlags, ...globalFlags]);
  assert.deepEqual([...listed].filter((f) => !declared.has(f)), [], 'a flag of otp test that no row of testOptionTable declares');
  assert.deepEqual([...declared].filter((f) => !listed.has(f)), [], 'a flag of testOptionTable that otp test --help does not list');
});

test('every config key of the test option table is validated, documented and reaches the runner under its own name', () => {
  const doc = readFileSync(join(repo, 'docs', 'cli.md'), 'utf8');
  const testRow = doc.split('\n').find((l) => l.startsWith('| `test` |'));
  assert.ok(testRow, "docs/cli.md's config table has a `test` row");
  for (const o of rows.filter((r) => r.config !== undefined)) {
    assert.ok(testRow.includes(`\`${o.config}\``), `docs/cli.md's test row names \`${o.config}\``);
    assert.doesNotThrow(() => validateConfig({ test: { [o.config!]: sample(o) } }, 'otp.config.ts'), o.config);
    assert.throws(() => validateConfig({ test: { [o.config!]: Symbol.iterator } }, 'otp.config.ts'), new RegExp(`'test\\.${o.config}' must be`), o.config);
    if (o.name !== undefined) assert.deepEqual(runOptionsFrom({ [o.config!]: sample(o) }, {})[o.name], sample(o), `test.${o.config} → ${o.name}`);
  }
  assert.throws(() => validateConfig({ test: { numRuns: 5 } }, 'otp.config.ts'), /unknown key 'test\.numRuns'/, 'the runner\'s name is not a config key');
});

test('every flag of the test option table reaches the runner, over the config', () => {
  for (const o of rows.filter((r) => r.flag !== undefined && r.name !== undefined)) {
    const fromFlag = runOptionsFrom(o.config === undefined ? {} : { [o.config]: sample(o) }, { [o.flag!]: o.type === 'number' ? 9 : sample(o) });
    assert.deepEqual(fromFlag[o.name!], o.type === 'number' ? 9 : sample(o), `--${o.flag} → ${o.name}`);
  }
  assert.deepEqual(runOptionsFrom({}, { seed: 3 }), { seed: 3, shuffleSeed: 3 }, '--seed seeds properties and --shuffle');
  assert.deepEqual(runOptionsFrom({ paths: ['spec'] }, { paths: [] }), { paths: ['spec'] }, 'no path given: the config\'s paths');
});

test('otp test --reporter tty --reporter junit reports to both; test.reporters of otp.config.ts is the default', () => {
  const junit = join(dir, '_build', 'test', 'junit.xml');
  rmSync(junit, { force: true });
  const both = otp('test/other.test.ts', '--reporter', 'tty', '--reporter', 'junit');
  assert.equal(both.status, 0, both.stderr);
  assert.equal(last(both.stdout), '1 passed, 0 failed');
  assert.match(both.stdout, /JUnit report written to _build\/test\/junit\.xml/);
  assert.match(readFileSync(junit, 'utf8'), /<testsuites[^>]* tests="1"/);
  writeFileSync(join(dir, 'otp.config.ts'), "export default { test: { reporters: ['json'] } };\n");
  try {
    const fromConfig = otp('test/other.test.ts');
    assert.equal(fromConfig.status, 0, fromConfig.stderr);
    assert.match(fromConfig.stdout, /results\.json/);
    assert.doesNotMatch(fromConfig.stdout, /running 1 test file/, 'json alone: no tty report');
    assert.equal(last(fromConfig.stdout), '1 passed, 0 failed', 'json alone still closes with the counts');
  } finally {
    rmSync(join(dir, 'otp.config.ts'), { force: true });
  }
});
