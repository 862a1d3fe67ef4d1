// A monitor of a name on another node ({ name, node }, erlang:monitor(process, {Name, Node})): its DOWN names
// { name, node }, as OTP's {Name, Node}, whatever ended it. Nodes in one process, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, isDown, type Down } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

test("a DOWN of a monitor on { name, node } names { name, node } (OTP's {Name, Node}): on the process's exit, noproc, the node's loss, and a node never reached", { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  await a.startDistribution({ name: 'nm_a@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  await b.startDistribution({ name: 'nm_b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    const named = (name: string): void => {
      b.register(name, b.spawn(async (ctx) => ctx.exit(await ctx.receive())));
    };
    named('svc');
    named('svc2');
    await a.run(async (ctx) => {
      const downOf = async (ref: ReturnType<typeof ctx.monitor>): Promise<Down> => (await ctx.receive((m) => isDown(m, ref), 10_000)) as Down;
      const svc = { name: 'svc', node: 'nm_b@127.0.0.1' };
      const ref = ctx.monitor(svc);
      ctx.send(svc, 'bye');
      const d = await downOf(ref);
      assert.deepEqual([d.pid, d.reason], [svc, 'bye']);
      const nobody = { name: 'nobody', node: 'nm_b@127.0.0.1' };
      const d0 = await downOf(ctx.monitor(nobody));
      assert.deepEqual([d0.pid, d0.reason], [nobody, 'noproc']);
      const svc2 = { name: 'svc2', node: 'nm_b@127.0.0.1' };
      const ref2 = ctx.monitor(svc2);
      // A round trip, so the monitor is set on b before b goes.
      assert.deepEqual((await downOf(ctx.monitor(nobody))).pid, nobody);
      b.shutdown();
      const d2 = await downOf(ref2);
      assert.deepEqual([d2.pid, d2.reason], [svc2, 'noconnection']);
      const gone = { name: 'svc', node: 'nm_nowhere@127.0.0.1' };
      const d3 = await downOf(ctx.monitor(gone));
      assert.deepEqual([d3.pid, d3.reason], [gone, 'noconnection']);
    });
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
