// bin/<name> rpc of a function that never returns: it ends at --timeout (default 30 s) with one sentence naming the
// call and the flag, as otp rpc does, where it said only "timeout" and took no --timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

test('bin/<name> rpc of a call that never returns ends at --timeout naming the call and the flag (exit 1); a bad --timeout is bad usage (exit 2)', { timeout: 300_000 }, async () => {
  const { script, remove } = await daemonWithNextVersion('rpcwait');
  try {
    const never = JSON.stringify(['await new Promise(() => {})', { awaitTimeoutMs: 120_000 }]);
    const r = await script(['rpc', 'otp', 'eval', never, '--timeout', '500']);
    assert.equal(r.status, 1, r.out);
    assert.equal(r.stderr, "rpcwait: otp.eval on rpcwait@127.0.0.1 gave no answer within 500 ms; the process running it there was stopped (erpc.call abandons such a call instead)\nwait longer with --timeout MS");
    const bad = await script(['rpc', 'otp', 'processCount', '--timeout', '0']);
    assert.equal(bad.status, 2, bad.out);
    assert.match(bad.stderr, /--timeout needs a whole number of milliseconds above 0/);
    assert.match(await ok(script(['rpc', 'otp', 'processCount', '--timeout', '5000']), 'rpc'), /^\d+$/);
  } finally {
    await remove();
  }
});
