// Cases mirroring OTP's lib/stdlib/test/gen_event_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, sys, type GenEventHandler, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { isNodedownNotDistributed, quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

/** OTP's dummy_h, as its hibernate case uses it: 'hibernate' asks the manager to hibernate, 'wakeup' does not. */
const sleepy: GenEventHandler<string, string, string, string, boolean, void> = {
  name: 'dummy_h',
  init: (hibernate) => genEvent.ok('s', hibernate ? 'hibernate' : undefined),
  handleEvent: (event, s) => genEvent.ok(s, event === 'hibernate' ? 'hibernate' : undefined),
  handleCall: (req, s) => (req === 'hibernate' ? genEvent.reply('true', s, 'hibernate') : genEvent.reply('false', s)),
  handleInfo: (msg, s) => genEvent.ok(s, msg === 'sleep' ? 'hibernate' : undefined),
};

async function until(ctx: ProcessContext, pid: Pid, what: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (ctx.processInfo(pid)?.currentFunction !== what && Date.now() < deadline) await ctx.sleep(1);
  assert.equal(ctx.processInfo(pid)?.currentFunction, what);
}

test('gen_event_SUITE: hibernate — a handler result with hibernate (init, event, call, info) hibernates the manager until the next message; sys requests leave it hibernated', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, sleepy, false);
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'hibernate'), 'true');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'wake');
      await until(ctx, mgr, 'gen_event.loop');
      genEvent.notify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      genEvent.notify(ctx, mgr, 'wakeup');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.syncNotify(ctx, mgr, 'hibernate');
      await until(ctx, mgr, 'erlang.hibernate');
      ctx.send(mgr, 'sleep');
      await until(ctx, mgr, 'erlang.hibernate');
      await sys.suspend(ctx, mgr);
      await sys.resume(ctx, mgr);
      await until(ctx, mgr, 'erlang.hibernate');
      assert.equal(await genEvent.call(ctx, mgr, sleepy, 'x'), 'false');
      await until(ctx, mgr, 'gen_event.loop');
      await genEvent.stop(ctx, mgr);
      const second = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, second, sleepy, true);
      await until(ctx, second, 'erlang.hibernate');
      await genEvent.stop(ctx, second);
    });
  });
});

test('gen_event_SUITE: swap_handler — when the old handler\'s terminate throws, the new init is told what it threw (OTP passes {\'EXIT\', Reason}), by swapHandler and by a callback\'s swap', async () => {
  await withNode(async (node) => {
    const seen: unknown[] = [];
    type Swapped = { args: unknown; previous: unknown; found: boolean; exit?: unknown };
    const thrower: GenEventHandler<string, string, string, string, unknown, unknown> = {
      name: 'thrower_h',
      init: (args) => {
        if (typeof args === 'object' && args !== null && 'found' in args) {
          const a = args as Swapped;
          seen.push({ previous: a.previous, found: a.found, threw: 'exit' in a, exit: a.exit });
        }
        return genEvent.ok('s');
      },
      handleEvent: (event, s) => (event === 'swap' ? genEvent.swap('boom', s, { handler: thrower, id: 3 }, 'next') : genEvent.ok(s)),
      handleCall: (req, s) => genEvent.reply(req, s),
      terminate: (arg) => {
        if (arg === 'boom') throw new Error('terminate failed');
        return 'final';
      },
    };
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: thrower, id: 1 }, 'first');
      await genEvent.swapHandler(ctx, mgr, [{ handler: thrower, id: 1 }, 'boom'], [{ handler: thrower, id: 2 }, 'next']);
      await genEvent.syncNotify(ctx, mgr, 'swap');
      await genEvent.swapHandler(ctx, mgr, [{ handler: thrower, id: 3 }, 'fine'], [{ handler: thrower, id: 4 }, 'next']);
      assert.deepEqual((await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { id: number }).id), [4]);
    });
    assert.equal(seen.length, 3);
    for (const s of seen.slice(0, 2)) {
      const r = s as { previous: unknown; found: boolean; threw: boolean; exit: unknown };
      assert.equal(r.previous, undefined);
      assert.equal(r.found, true);
      assert.equal(r.threw, true);
      assert.ok(r.exit instanceof Error && r.exit.message === 'terminate failed', `the thrown error, got ${String(r.exit)}`);
    }
    assert.deepEqual(seen[2], { previous: 'final', found: true, threw: false, exit: undefined }, 'a terminate that returned gives no exit');
  });
});

test('gen_event_SUITE / gen:call: { name, node } from a node that is not distributed — notify drops the event (a send never fails), every request fails with nodedown before any handler check, send_request answers a nodedown error', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const far = { name: 'manager', node: 'other@nowhere' };
      const nodedown = isNodedownNotDistributed;
      assert.doesNotThrow(() => genEvent.notify(ctx, far, 'event'));
      await assert.rejects(genEvent.syncNotify(ctx, far, 'event'), nodedown);
      await assert.rejects(genEvent.call(ctx, far, sleepy, 'hibernate'), nodedown);
      await assert.rejects(genEvent.addHandler(ctx, far, sleepy, false), nodedown);
      await assert.rejects(genEvent.addSupHandler(ctx, far, sleepy, false), nodedown);
      await assert.rejects(genEvent.deleteHandler(ctx, far, sleepy), nodedown);
      await assert.rejects(genEvent.swapHandler(ctx, far, [sleepy, undefined], [sleepy, false]), nodedown);
      await assert.rejects(genEvent.whichHandlers(ctx, far), nodedown);
      await assert.rejects(genEvent.stop(ctx, far), nodedown);
      const answer = await genEvent.waitResponse(ctx, genEvent.sendRequest(ctx, far, sleepy, 'hibernate'), WAIT);
      assert.ok(answer !== 'timeout' && answer.type === 'error', `an error response, got ${JSON.stringify(answer)}`);
      assert.equal(answer.reason, 'nodedown');
      // Nothing was left behind: no monitor, no message.
      assert.deepEqual(ctx.processInfo(ctx.self())?.monitors, []);
      assert.equal(ctx.processInfo(ctx.self())?.messageQueueLen, 0);
      // A manager of this node named by { name, node } still gets its events.
      const pid = await genEvent.start<string>(ctx, { name: 'manager' });
      await genEvent.addHandler(ctx, pid, sleepy, false);
      genEvent.notify(ctx, { name: 'manager', node: ctx.node.name }, 'event');
      assert.deepEqual(await genEvent.whichHandlers(ctx, { name: 'manager', node: ctx.node.name }), [sleepy]);
      await genEvent.stop(ctx, pid);
    }),
  );
});

test('gen_event_SUITE / gen_event docs: a result a handler throws (class throw) is taken as its return — from init, handleEvent, handleCall and handleInfo; a thrown Error still removes the handler', async () => {
  await withNode((node) => {
    quietLogs(node);
    return node.run(async (ctx) => {
      const log: string[] = [];
      const early: GenEventHandler<number, string, string, string, void, void> = {
        name: 'early_h',
        init: () => {
          throw genEvent.ok(1);
        },
        handleEvent: (event, n) => {
          if (event === 'remove') throw genEvent.removeHandler();
          if (event === 'error') throw Object.assign(new Error('an Error with a type'), { type: 'ok', state: n });
          log.push(`event ${event} ${n}`);
          throw genEvent.ok(n + 1);
        },
        handleCall: (req, n) => {
          throw genEvent.reply(`${req} ${n}`, n);
        },
        handleInfo: (_msg, n) => {
          throw genEvent.ok(n * 10);
        },
        terminate: (arg) => {
          log.push(`terminate ${arg instanceof Object && 'error' in arg ? `error ${String((arg.error as Error).message)}` : String(arg)}`);
        },
      };
      const pid = await genEvent.start<string>(ctx);
      await genEvent.addHandler(ctx, pid, early, undefined);
      await genEvent.syncNotify(ctx, pid, 'a');
      ctx.send(pid, 'info');
      assert.equal(await genEvent.call(ctx, pid, early, 'get'), 'get 20');
      await genEvent.syncNotify(ctx, pid, 'remove');
      assert.deepEqual(await genEvent.whichHandlers(ctx, pid), []);
      await genEvent.addHandler(ctx, pid, early, undefined);
      await genEvent.syncNotify(ctx, pid, 'error');
      assert.deepEqual(await genEvent.whichHandlers(ctx, pid), []);
      assert.deepEqual(log, ['event a 1', 'terminate removeHandler', 'terminate error an Error with a type']);
      await genEvent.stop(ctx, pid);
    });
  });
});
