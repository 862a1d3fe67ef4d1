// OTP's gen:call, gen:stop and gen:send_request of {Name, Node} where Node is no node name at all ('nohost', no
// `@host`): the monitor answers noconnection, so the call exits {nodedown, nohost} rather than crashing on the
// name. Here a distributed node (a real port mapper on loopback) makes each request; no peer is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, Down, TIMEOUT, createNode, genEvent, genServer, genStatem, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

async function withDistributedNode(prefix: string, body: (a: OtpNode) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: `${prefix}_a@127.0.0.1`, cookie: 'bad-node', epmdPort, log: () => {} });
    await body(a);
  } finally {
    a.shutdown();
    await epmd.close();
  }
}

// OTP's {'EXIT', {{nodedown, nohost}, _}}: failure 'nodedown', the node as a field, and a message that says what to write.
const nodedownOf = (node: string) => (e: unknown) => {
  assert.ok(e instanceof CallError, `a CallError, got ${String(e)}`);
  assert.equal(e.failure, 'nodedown');
  assert.equal(e.node, node);
  assert.match(e.message, new RegExp(`'${node}' is not a node name .*name@host`));
  return true;
};

test('gen_server call and stop of { name, node } whose node is no node name: CallError nodedown naming it, as OTP exits {nodedown, Node}', { timeout: 60_000 }, async () => {
  await withDistributedNode('gbn1', async (a) => {
    await a.run(async (ctx: ProcessContext) => {
      for (const node of ['nohost', 'a@b@c', 'x@']) {
        await assert.rejects(genServer.call(ctx, { name: 'srv', node }, 'hello'), nodedownOf(node));
        await assert.rejects(genServer.call(ctx, { name: 'srv', node }, 'hello', Infinity), nodedownOf(node));
        await assert.rejects(genServer.stop(ctx, { name: 'srv', node }), nodedownOf(node));
      }
      assert.equal(ctx.receiveNow(() => true), TIMEOUT, 'nothing left in the mailbox');
    });
  });
});

test('gen_statem and gen_event requests of { name, node } whose node is no node name: CallError nodedown naming it', { timeout: 60_000 }, async () => {
  await withDistributedNode('gbn2', async (a) => {
    await a.run(async (ctx: ProcessContext) => {
      await assert.rejects(genStatem.call(ctx, { name: 'fsm', node: 'nohost' }, 'go'), nodedownOf('nohost'));
      await assert.rejects(genStatem.stop(ctx, { name: 'fsm', node: 'nohost' }), nodedownOf('nohost'));
      await assert.rejects(genEvent.whichHandlers(ctx, { name: 'mgr', node: 'nohost' }), nodedownOf('nohost'));
      await assert.rejects(genEvent.syncNotify(ctx, { name: 'mgr', node: 'nohost' }, 'ev'), nodedownOf('nohost'));
      await assert.rejects(genEvent.stop(ctx, { name: 'mgr', node: 'nohost' }), nodedownOf('nohost'));
    });
  });
});

test('a monitor, a send and a send_request to { name, node } whose node is no node name: DOWN noconnection, the send dropped, the response nodedown', { timeout: 60_000 }, async () => {
  await withDistributedNode('gbn3', async (a) => {
    await a.run(async (ctx: ProcessContext) => {
      // erlang:monitor(process, {srv, nohost}) answers a DOWN noconnection; {srv, nohost} ! m is dropped.
      const ref = ctx.monitor({ name: 'srv', node: 'nohost' });
      const down = await ctx.receive((m): m is Down => m instanceof Down && m.ref === ref, 10_000);
      assert.ok(down instanceof Down);
      assert.equal(down.reason, 'noconnection');
      assert.deepEqual(down.pid, { name: 'srv', node: 'nohost' });
      ctx.send({ name: 'srv', node: 'nohost' }, 'dropped');
      const req = genServer.sendRequest(ctx, { name: 'srv', node: 'nohost' }, 'hello');
      const response = await genServer.receiveResponse(ctx, req, 10_000);
      assert.deepEqual(response, { type: 'error', reason: 'nodedown', server: { name: 'srv', node: 'nohost' } });
      // The local node is still fine.
      assert.equal(await a.ping(a.name), true);
    });
  });
});

test('a call by pid to a process that exits noconnection reads nodedown with its node as a field, as OTP gen:call exits {nodedown, node(Pid)}', { timeout: 60_000 }, async () => {
  await withDistributedNode('gbn4', async (a) => {
    await a.run(async (ctx: ProcessContext) => {
      const pid = ctx.spawn(async (c) => {
        await c.receive(() => true);
        c.exit('noconnection');
      });
      const answer = genServer.call(ctx, pid, 'hello');
      ctx.send(pid, 'go');
      await assert.rejects(answer, (e: unknown) => e instanceof CallError && e.failure === 'nodedown' && e.node === a.name);
    });
  });
});
