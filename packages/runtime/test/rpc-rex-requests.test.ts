// rex, the rpc server every distributed node runs, is reachable by any node with the cookie: a call or cast
// of the wrong shape (null, a number, an apply whose args are no array, a cancel of nothing) must not end it,
// or every later rpc to that node (otp rpc, otp remote) would fail with noproc. Two nodes in one process,
// real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genServer, rpc, type ServerRef } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { quietLogs } from './helpers.ts';

test('rex takes a call or cast of the wrong shape from a peer as a warning (a call gets an error answer), and keeps serving rpc', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const events = quietLogs(b);
  try {
    await a.startDistribution({ name: 'rexcaller@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'rexhost@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const rex = { name: 'rex', node: 'rexhost@127.0.0.1' } as ServerRef<unknown, unknown, unknown>;
    await a.run(async (ctx) => {
      for (const bad of [null, 42, 'x', { cancel: null }, { module: 'otp', fn: 'name', args: 'abc' }, { module: 7, fn: 'name' }]) {
        genServer.cast(ctx, rex, bad);
        assert.deepEqual(await genServer.call(ctx, rex, bad, 10_000), { ok: false, error: 'rex (the rpc server) got a request that is not an rpc: use rpc.call(ctx, node, module, fn, args)' });
        assert.equal(await rpc.call(ctx, 'rexhost@127.0.0.1', 'otp', 'name', [], 10_000), 'rexhost@127.0.0.1', `rex still serves after ${JSON.stringify(bad)}`);
      }
    });
    const warnings = events.filter((e) => e.level === 'warning').map((e) => e.message);
    assert.equal(warnings.length, 12, warnings.join('\n'));
    assert.ok(warnings.includes('rex received an unexpected message: handleCast(null)') && warnings.includes('rex received an unexpected message: handleCall(42)'), warnings.join('\n'));
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
