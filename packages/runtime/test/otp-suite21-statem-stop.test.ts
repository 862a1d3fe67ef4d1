// gen_statem_SUITE stop3 and stop5: a stop with a timeout that is no timeout sends nothing and leaves the machine
// running; a machine registered here is stopped through a { name, node } reference naming this node, then noproc.
// The reference is held in a variable, as code passing it around does: genStatem.stop then still types as the
// stop request (a Promise), not as the callback result stop(reason, data) it shares its name with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, RuntimeError, genStatem, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const machine: GenStatem<'s', null, 'ping', never, 'pong'> = {
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', null),
  handleEvent: (e) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, 'pong')]) : genStatem.keepStateAndData()),
};

test('gen_statem_SUITE stop3: a stop whose timeout is no timeout is refused with badarg and the machine runs on', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine, undefined);
      for (const bad of ['invalid_timeout', -1, Number.NaN, 1.5, null]) {
        await assert.rejects(genStatem.stop(ctx, pid, 'other_reason', bad as number), (e) => e instanceof RuntimeError && e.code === 'badarg', String(bad));
        assert.equal(await genStatem.call(ctx, pid, 'ping'), 'pong', `still running after a stop with ${String(bad)}`);
      }
      await genStatem.stop(ctx, pid);
      assert.equal(ctx.processInfo(pid), undefined);
    }),
  );
});

test('gen_statem_SUITE stop5: a machine registered on this node is stopped through { name, node } naming this node, then noproc', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine, undefined, { name: 'to_stop' });
      const here = { name: 'to_stop', node: ctx.node.name };
      assert.equal(await genStatem.call(ctx, here, 'ping'), 'pong');
      const stopped: Promise<void> = genStatem.stop(ctx, here);
      await stopped;
      assert.equal(ctx.processInfo(pid), undefined);
      await assert.rejects(genStatem.stop(ctx, here), (e) => e instanceof CallError && e.failure === 'noproc');
    }),
  );
});
