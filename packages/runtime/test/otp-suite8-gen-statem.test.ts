// Cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl and sys_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, sys, TIMEOUT, isDown, type GenStatem, type Report } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const { ok, keepStateAndData, eventTimeout, stateTimeout, genericTimeout } = genStatem;
const LONG = 600_000;
const WAIT = 20_000;

test('gen_statem_SUITE: get_status — sys.getStatus lists the running timeouts (event, state, generic), through formatStatus', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m: GenStatem<string, null, 'cancel', never, string, void> = {
        name: 'timed_statem',
        callbackMode: 'handleEvent',
        init: () => ok('a', null, [eventTimeout(LONG, 'ev'), stateTimeout(LONG, 'st'), genericTimeout('g1', LONG, 'secret'), genericTimeout('g2', LONG, 'two')]),
        handleEvent: (e) => (e.type === 'call' ? keepStateAndData([{ reply: [e.from, 'ok'] }, genericTimeout('g2', 'cancel')]) : keepStateAndData()),
        formatStatus: (s) => ({ ...s, timeouts: s.timeouts?.map((e) => ('content' in e && e.content === 'secret' ? { ...e, content: '<redacted>' } : e)) }),
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const status = await sys.getStatus(ctx, pid);
      assert.deepEqual(status.timeouts, [
        { type: 'timeout', content: 'ev' },
        { type: 'stateTimeout', content: 'st' },
        { type: 'genericTimeout', name: 'g1', content: '<redacted>' },
        { type: 'genericTimeout', name: 'g2', content: 'two' },
      ]);
      // A call cancels the event timeout; the transition cancels g2.
      assert.equal(await genStatem.call(ctx, pid, 'cancel'), 'ok');
      assert.deepEqual((await sys.getStatus(ctx, pid)).timeouts, [
        { type: 'stateTimeout', content: 'st' },
        { type: 'genericTimeout', name: 'g1', content: '<redacted>' },
      ]);
      await genStatem.stop(ctx, pid);
    });
  });
});

test('gen_statem_SUITE: error_format_status — a crash report lists the timeouts still running', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const m: GenStatem<string, null, never, 'boom', never, void> = {
        name: 'timed_crash_statem',
        callbackMode: 'handleEvent',
        init: () => ok('a', null, [stateTimeout(LONG, 'st')]),
        handleEvent: () => {
          throw new Error('boom');
        },
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const ref = ctx.monitor(pid);
      genStatem.cast(ctx, pid, 'boom');
      assert.notEqual(await ctx.receive((x) => isDown(x, ref), WAIT), TIMEOUT);
    });
    const report = logs.map((e) => e.message).find((r): r is Report => typeof r === 'object' && r.kind === 'crash' && r.module === 'timed_crash_statem');
    assert.ok(report, 'a crash report was logged');
    assert.deepEqual(report.timeouts, [{ type: 'stateTimeout', content: 'st' }]);
  });
});

test('gen_statem_SUITE: hibernate — a machine that hibernates shows erlang.hibernate while waiting, wakes for an event, hibernates again after sys requests; {hibernate: false} does not', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const m: GenStatem<string, number, 'hibernate' | 'awake' | 'count', never, number, void> = {
        name: 'sleepy_statem',
        callbackMode: 'handleEvent',
        init: () => ok('a', 0, ['hibernate']),
        handleEvent(e, _state, n) {
          if (e.type !== 'call') return keepStateAndData();
          if (e.content === 'count') return keepStateAndData([{ reply: [e.from, n] }]);
          return genStatem.keepState(n + 1, [{ reply: [e.from, n + 1] }, 'hibernate', { hibernate: e.content === 'hibernate' }]);
        },
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const current = (): string | undefined => ctx.processInfo(pid)?.currentFunction;
      const until = async (what: string): Promise<void> => {
        const deadline = Date.now() + WAIT;
        while (current() !== what && Date.now() < deadline) await ctx.sleep(1);
        assert.equal(current(), what);
      };
      await until('erlang.hibernate');
      await sys.getStatus(ctx, pid);
      await until('erlang.hibernate');
      assert.equal(await genStatem.call(ctx, pid, 'hibernate'), 1);
      await until('erlang.hibernate');
      assert.equal(await genStatem.call(ctx, pid, 'awake'), 2);
      await until('gen_statem.loop');
      assert.equal(await genStatem.call(ctx, pid, 'count'), 2);
      await genStatem.stop(ctx, pid);
    });
  });
});
