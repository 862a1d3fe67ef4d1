// global_SUITE's cases on a node that is not distributed (OTP's global runs there too: the cluster is the node),
// and what such a node's names become once it is distributed and connects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, global, genServer, ok, reply, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const counter = { init: () => ok(0), handleCall: (_req: 'inc', _from: unknown, n: number) => reply(n + 1, n + 1) };
const idle = (ctx: ProcessContext): Promise<unknown> => ctx.receive();

test('global on a node that is not distributed: register, whereis, send, a { global } server, unregister (global_SUITE names)', async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await node.run(async (ctx) => {
      const a = ctx.spawn(idle);
      assert.equal(await global.register(ctx, 'a', a), true);
      assert.equal(global.whereis(ctx, 'a'), a);
      assert.equal(await global.register(ctx, 'a', ctx.spawn(idle)), false, 'a taken name is refused');
      const server = await genServer.start(ctx, counter, undefined, { name: { global: 'solo' } });
      assert.equal(global.whereis(ctx, 'solo'), server);
      assert.equal(await genServer.call(ctx, { global: 'solo' }, 'inc'), 1);
      assert.deepEqual(global.registeredNames(ctx), ['a', 'solo']);
      await global.unregister(ctx, 'a');
      assert.equal(global.whereis(ctx, 'a'), undefined);
      await genServer.stop(ctx, { global: 'solo' });
      await waitFor('a stopped server loses its global name', () => global.whereis(ctx, 'solo') === undefined);
      assert.deepEqual(global.registeredNames(ctx), []);
    });
  } finally {
    node.shutdown();
  }
});

test('names a node registered before it was distributed reach the nodes it connects to, once', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const early = createNode({ onCrash: () => {} });
  const other = createNode({ onCrash: () => {} });
  try {
    const pid = early.spawn(idle);
    assert.equal(await early.run((ctx) => global.register(ctx, 'early', pid)), true);
    const otherPid: Pid = other.spawn(idle);
    assert.equal(await other.run((ctx) => global.register(ctx, 'other', otherPid)), true);
    await early.startDistribution({ name: 'gl_early@127.0.0.1', cookie: 'g', epmdPort, log: () => {} });
    await other.startDistribution({ name: 'gl_other@127.0.0.1', cookie: 'g', epmdPort, log: () => {} });
    assert.equal(await early.ping(other.name), true);
    for (const n of [early, other]) {
      await waitFor(`${n.name} knows both names`, () => n.run((ctx) => global.registeredNames(ctx).join(',') === 'early,other'));
    }
    // The name is the same process everywhere, and taking it again from the other node is refused.
    assert.equal(await other.run((ctx) => other.dist!.nameOf(global.whereis(ctx, 'early')!.node)), early.name);
    assert.equal(await other.run((ctx) => global.register(ctx, 'early', ctx.spawn(idle))), false);
    assert.equal(await early.run((ctx) => global.register(ctx, 'later', ctx.spawn(idle))), true);
    await waitFor('the other node sees a name registered after the connection', () => other.run((ctx) => global.whereis(ctx, 'later') !== undefined));
  } finally {
    early.shutdown();
    other.shutdown();
    await epmd.close();
  }
});

test('global_SUITE name conflict: one name registered on two nodes before either was distributed is resolved once they connect', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    const [pa, pb] = [a.spawn(idle), b.spawn(idle)];
    assert.equal(await a.run((ctx) => global.register(ctx, 'same', pa)), true);
    assert.equal(await b.run((ctx) => global.register(ctx, 'same', pb)), true);
    await a.startDistribution({ name: 'gl_conf_a@127.0.0.1', cookie: 'g', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'gl_conf_b@127.0.0.1', cookie: 'g', epmdPort, log: () => {} });
    assert.equal(await a.ping(b.name), true);
    // randomExit, the default: exactly one of the two keeps the name on both nodes, and the other exits.
    await waitFor('one of the two holders exits', () => a.isAlive(pa) !== b.isAlive(pb));
    const winner = a.isAlive(pa) ? a : b;
    for (const n of [a, b]) {
      await waitFor(`${n.name} names the survivor`, () => n.run((ctx) => {
        const pid = global.whereis(ctx, 'same');
        return pid !== undefined && (pid.node === 0 ? n.name : n.dist!.nameOf(pid.node)) === winner.name;
      }));
    }
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
