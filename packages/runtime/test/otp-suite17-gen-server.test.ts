// Cases after OTP's lib/stdlib/test/gen_server_SUITE.erl (cast) and gen_statem_SUITE.erl that the other suites do not walk,
// each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, genServer, genStatem, noreply, ok, reply, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const counter: GenServer<number, 'get', 'bump', number> = { init: () => ok(0), handleCall: (_r, _f, n) => reply(n, n), handleCast: (_c, n) => noreply(n + 1) };
const machine: GenStatem<'s', number, 'get', 'bump', number> = {
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', 0),
  handleEvent: (e, _s, n) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, n)]) : genStatem.keepState(n + 1)),
};

test('gen_server_SUITE cast / gen_statem_SUITE: a cast never fails, even to { name, node } of a node this node cannot reach because it is not distributed; the cast is dropped', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const far = { name: 'counter', node: 'other@nowhere' };
      assert.doesNotThrow(() => genServer.cast(ctx, far, 'bump'));
      assert.doesNotThrow(() => genStatem.cast(ctx, far, 'bump'));
      // Local casts still arrive, by pid and by { name, node } of this node.
      const srv = await genServer.start(ctx, counter, undefined, { name: 'counter' });
      const stm = await genStatem.start(ctx, machine, undefined, { name: 'machine' });
      genServer.cast(ctx, { name: 'counter', node: ctx.node.name }, 'bump');
      genStatem.cast(ctx, { name: 'machine', node: ctx.node.name }, 'bump');
      assert.equal(await genServer.call(ctx, srv, 'get'), 1);
      assert.equal(await genStatem.call(ctx, stm, 'get'), 1);
    }),
  );
});

test('gen_server_SUITE call_remote_n1 / gen:do_for_proc: a call or stop of { name, node } from a node that is not distributed fails with nodedown in one sentence, as OTP exits {nodedown, Node}', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const far = { name: 'counter', node: 'other@nowhere' };
      const nodedown = (e: unknown): boolean => {
        assert.ok(e instanceof CallError, `a CallError, got ${String(e)}`);
        assert.equal(e.failure, 'nodedown');
        assert.match(e.message, /not distributed.*startDistribution/);
        assert.ok(!e.message.includes('\n'));
        return true;
      };
      await assert.rejects(genServer.call(ctx, far, 'get'), nodedown);
      await assert.rejects(genStatem.call(ctx, far, 'get'), nodedown);
      await assert.rejects(genServer.stop(ctx, far), nodedown);
      // Nothing was left behind: no monitor, no message.
      assert.deepEqual(ctx.processInfo(ctx.self())?.monitors, []);
      assert.equal(ctx.processInfo(ctx.self())?.messageQueueLen, 0);
    }),
  );
});
