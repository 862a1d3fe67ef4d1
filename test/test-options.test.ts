// End to end through the built binary: otp test's --retry, --fail-on-flaky, --shard, --shuffle/--seed and --rerun-failed, and its HTML log tree.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = mkdtempSync(join(tmpdir(), 'otp-test-options-'));
cpSync(join(repo, 'packages', 'test-runner', 'test', 'fixtures', 'flaky'), dir, { recursive: true });
symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'flaky', version: '0.1.0', type: 'module', otp: {} }));

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, 'test', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
const last = (s: string): string => s.trimEnd().split('\n').at(-1)!;

test('otp test --shard, --shuffle --seed, --retry, --fail-on-flaky and --rerun-failed', () => {
  const shard = otp('--shard', '2/2', '--shuffle', '--seed', '7');
  assert.match(shard.stdout, /^running 1 test file\(s\), shard 2\/2 \(shuffle seed 7, in random order: replay with --shuffle --seed 7\)/);
  assert.equal(last(shard.stdout), '1 passed, 0 failed');
  const bad = otp('--shard', '3/2');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /i must be between 1 and n/);
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
