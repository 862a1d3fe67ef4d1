// Every command taking a node name checks it the same way, before connecting: a name that is not name@host is
// bad usage (exit 2), one line naming it escaped (a newline pasted into it shows as \u000a, rather than breaking
// the line) and the shape expected. Before, otp ping printed the raw newline, and ping and remote each had
// their own check, with their own words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './support/cli.ts';

test('ping, remote, rpc, info, procs and tree refuse a node name that is not name@host alike: exit 2, one line, escaped', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'otp-nodename-'));
  try {
    for (const command of [['ping'], ['remote'], ['rpc'], ['info'], ['procs'], ['tree']]) {
      for (const node of ['a\n@127.0.0.1', 'a b@127.0.0.1', 'shop']) {
        const extra = command[0] === 'rpc' ? ['otp', 'name'] : command[0] === 'info' ? ['shop_server'] : [];
        const r = spawnSync(process.execPath, [bin, ...command, node, ...extra], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', OTP_COOKIE: 'c' } });
        const what = `otp ${command[0]} ${JSON.stringify(node)}: ${r.stdout}${r.stderr}`;
        assert.equal(r.status, 2, what);
        assert.equal(r.stdout, '', what);
        const quoted = `'${node.replace('\n', '\\u000a')}'`;
        assert.equal(r.stderr.split('\n')[0]!.startsWith(`otp: ${quoted} is not a node name (`), true, what);
        assert.match(r.stderr, /\): use name@host, e\.g\. shop@127\.0\.0\.1/, what);
        assert.doesNotMatch(r.stderr, /a\n@/, what);
      }
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
