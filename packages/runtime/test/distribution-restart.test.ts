// A node that restarts under the same name is a new incarnation (OTP's creation): pids of its past run must
// not reach the processes of the new run that happen to have the same numbers. Nodes in one process, real TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, Down, Exit, NodeDown, TIMEOUT, type OtpNode, type Pid } from '@otp-ts/runtime';
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

const peerScript = fileURLToPath(new URL('./fixtures/peer-node.ts', import.meta.url));

// A run of the peer node `a@127.0.0.1` in an OS process of its own (its echo and puppet, test/fixtures/peer-node.ts).
function startPeer(epmdPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, 'a@127.0.0.1', 'sekrit', String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`peer a exited with ${code}: ${err}`)));
  });
}

test("a pid of a node's past run carried in a message BODY back to its new run (OS processes) names nothing there: a link to it gets noproc, a reply to it is dropped, whether sent while connecting or connected", { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const b = createNode();
  await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  let a1: ChildProcess | undefined;
  let a2: ChildProcess | undefined;
  try {
    a1 = await startPeer(epmdPort);
    await b.run(async (ctx) => {
      const echo = { name: 'echo', node: 'a@127.0.0.1' };
      const puppet = { name: 'puppet', node: 'a@127.0.0.1' };
      ctx.send(echo, { from: ctx.self(), msg: 'first run' });
      const old = ((await ctx.receive(null, 5000)) as { by: Pid }).by;
      ctx.monitorNode('a@127.0.0.1');
      a1!.kill('SIGKILL');
      await ctx.receive((m) => m instanceof NodeDown, 10_000);
      a2 = await startPeer(epmdPort);
      // Sent while the connection to the new run is still being set up: a reply to the old echo, then a link to it.
      ctx.send(echo, { from: old, msg: 'for the past run (queued)' });
      ctx.send(puppet, { cmd: 'link', from: ctx.self(), pid: old });
      assert.equal(await ctx.receive((m) => m === 'linked', 10_000), 'linked');
      const exit = (await ctx.receive((m) => (m as { observed?: unknown }).observed instanceof Exit, 5000)) as { observed: Exit };
      assert.equal(exit.observed.reason, 'noproc', "the puppet's link to the past run's echo got noproc");
      // And on the connection now up.
      ctx.send(echo, { from: old, msg: 'for the past run (connected)' });
      ctx.send(puppet, { cmd: 'link', from: ctx.self(), pid: old });
      await ctx.receive((m) => m === 'linked', 5000);
      const again = (await ctx.receive((m) => (m as { observed?: unknown }).observed instanceof Exit, 5000)) as { observed: Exit };
      assert.equal(again.observed.reason, 'noproc');
      // The new run's echo, which has the old one's numbers, got neither reply nor link: it still answers.
      ctx.send(echo, { from: ctx.self(), msg: 'new run' });
      const answer = (await ctx.receive((m) => (m as { echo?: unknown }).echo !== undefined, 5000)) as { echo: unknown; by: Pid };
      assert.equal(answer.echo, 'new run');
      assert.equal(String(answer.by).split('.').slice(1).join('.'), String(old).split('.').slice(1).join('.'), "the new run's echo has the numbers the old one had");
      assert.ok(!answer.by.equals(old), 'yet it is another pid');
      assert.equal(await ctx.receive((m) => (m as { echo?: unknown }).echo !== undefined, 0), TIMEOUT, 'no other answer: nothing sent for the past run was echoed here');
    });
  } finally {
    a1?.kill('SIGKILL');
    a2?.kill('SIGKILL');
    b.shutdown();
    await epmd.close();
  }
});
