// Numeric flags of the inspection tools out of range: before, `otp heap N --top 0` ran silently as --top 1, and
// `otp trace N --limit 0` / `--limit 1.5` answered "limit must be…" without naming the flag. Now each is exit 2,
// naming the flag and its range, before any node is reached (none runs here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './support/cli.ts';

const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });

test('otp heap --top and otp trace --limit / --time out of range: exit 2 naming the flag and the accepted range', () => {
  for (const top of ['0', '1.5', '1001']) {
    const r = otp('heap', 'nobody@127.0.0.1', '--top', top);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^otp: --top must be a whole number from 1 to 1000, got '${top.replace('.', '\\.')}'`), r.stderr);
  }
  for (const [flag, value] of [['--limit', '0'], ['--limit', '1.5']] as const) {
    const r = otp('trace', 'nobody@127.0.0.1', 'shop/cart.add', flag, value);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^otp: ${flag} must be a whole number 1 or more, got '${value.replace('.', '\\.')}'`), r.stderr);
  }
  // A node runs a trace at most a day: a longer --time is refused here, naming the range, not at the node.
  for (const value of ['0', '86400001']) {
    const r = otp('trace', 'nobody@127.0.0.1', 'shop/cart.add', '--time', value);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^otp: --time must be a whole number from 1 to 86400000, got '${value}'`), r.stderr);
  }
  // What the node would refuse as too much to resolve (patterns, their characters, names) is refused here the same way.
  const many = otp('trace', 'nobody@127.0.0.1', ...Array.from({ length: 101 }, (_, i) => `shop/cart.f${i}`));
  assert.equal(many.status, 2, many.stderr);
  assert.match(many.stderr, /^otp: a trace takes at most 100 call patterns, got 101: /, many.stderr);
  const long = otp('trace', 'nobody@127.0.0.1', ...Array.from({ length: 3 }, () => `shop/cart.${'*'.repeat(4000)}`));
  assert.equal(long.status, 2, long.stderr);
  assert.match(long.stderr, /^otp: a trace's call patterns come to at most 8192 characters together, got 12030: /, long.stderr);
  const names = otp('trace', 'nobody@127.0.0.1', '--messages', ...Array.from({ length: 1001 }, (_, i) => ['--name', `n${i}`]).flat());
  assert.equal(names.status, 2, names.stderr);
  assert.match(names.stderr, /^otp: a trace takes at most 1000 registered names, got 1001: /, names.stderr);
});

test('otp procs -n and otp top -n past the rows a node lists (1000): exit 2 naming the flag and the range', () => {
  for (const cmd of ['procs', 'top']) {
    const r = otp(cmd, 'nobody@127.0.0.1', '-n', '100000');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^otp: --top must be a whole number from 1 to 1000, got '100000'/, r.stderr);
  }
});

test('otp heap --snapshot-max below the 1MB a node takes: exit 2 naming the flag and the smallest limit, no file written', () => {
  for (const max of ['512KB', '0', '1000']) {
    const r = otp('heap', 'nobody@127.0.0.1', '--snapshot', 'never.heapsnapshot', '--snapshot-max', max);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^otp: --snapshot-max ${max} is below the smallest limit a node takes, 1MB: give --snapshot-max 1MB or more \\(e\\.g\\. 512MB\\)`), r.stderr);
    assert.equal(existsSync(join(tmpdir(), 'never.heapsnapshot')), false);
  }
});
