// A node that restarts under the same name is a new incarnation (OTP's creation): pids of its past run must
// not reach the processes of the new run that happen to have the same numbers. Nodes in one process, real TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, Down, Exit, type OtpNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

// b@127.0.0.1: its first process keeps what it receives (the same process number in every run).
async function startB(epmdPort: number): Promise<{ node: OtpNode; got: unknown[]; pid: Pid }> {
  const node = createNode();
  await node.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  const got: unknown[] = [];
  const pid = node.spawn(async (ctx) => {
    for (;;) got.push(await ctx.receive());
  });
  node.register('inbox', pid);
  return { node, got, pid };
}

// Node a, b's first run, and the pid of its inbox as a sees it; then b restarts under the same name.
async function restarted(epmdPort: number, a: OtpNode): Promise<{ old: Pid; b2: Awaited<ReturnType<typeof startB>> }> {
  const b1 = await startB(epmdPort);
  let old: Pid | undefined;
  a.spawn(async (ctx) => {
    old = (await ctx.receive()) as Pid;
  }, { name: 'catcher' });
  b1.node.send({ name: 'catcher', node: 'a@127.0.0.1' }, b1.pid);
  await waitFor('the pid of b\'s first run', () => old);
  b1.node.shutdown();
  await waitFor('a to see b go', () => a.nodes().length === 0);
  const b2 = await startB(epmdPort);
  assert.equal(String(b2.pid), String(b1.pid), 'the new run\'s process has the number the old one had');
  return { old: old!, b2 };
}

test('a node restarted under the same name: a message, link or monitor for a pid of its past run reaches nothing there (dropped, noproc), on a connection up or coming up', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode();
  await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  let b2: OtpNode | undefined;
  try {
    const r = await restarted(epmdPort, a);
    b2 = r.b2.node;
    await a.run(async (ctx) => {
      ctx.trapExit(true);
      // Sent while the connection to the new run is still being set up.
      ctx.send(r.old, 'queued for the past run');
      ctx.link(r.old);
      ctx.send({ name: 'inbox', node: 'b@127.0.0.1' }, 'by name');
      await waitFor('the message by name', () => r.b2.got.includes('by name'));
      const exit = (await ctx.receive((m) => m instanceof Exit, 5000)) as Exit;
      assert.equal(exit.reason, 'noproc');
      // And on the connection now up.
      ctx.send(r.old, 'sent to the past run');
      const ref = ctx.monitor(r.old);
      const down = (await ctx.receive((m) => m instanceof Down && m.ref.equals(ref), 5000)) as Down;
      assert.equal(down.reason, 'noproc');
      ctx.send({ name: 'inbox', node: 'b@127.0.0.1' }, 'by name again');
      await waitFor('the second message by name', () => r.b2.got.includes('by name again'));
    });
    assert.deepEqual(r.b2.got, ['by name', 'by name again'], 'nothing for the past run reached the new one');
    assert.deepEqual(r.b2.node.processInfo(r.b2.pid)?.links, [], "the new run's process was not linked");
  } finally {
    a.shutdown();
    b2?.shutdown();
    await epmd.close();
  }
});
