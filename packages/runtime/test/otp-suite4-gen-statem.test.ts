// gen_statem_SUITE cases on the action forms OTP accepts: `{postpone, Bool}` and `{hibernate, Bool}` beside
// the bare `postpone` and `hibernate` (OTP's action() type; `false` is a valid action that does nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, genServer, genEvent, ok as serverOk, BadReturnValue, CallError, RuntimeError, TIMEOUT, isDown, type GenStatem, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, quietLogs, isNote, notes } from './helpers.ts';

const { ok, nextState, keepStateAndData, reply } = genStatem;
const WAIT = 20_000;

test('gen_statem_SUITE: postpone — {postpone: Bool} sets the postpone option (the last one wins), {hibernate: Bool} is accepted, in events, enter calls and init', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const m: GenStatem<string, Pid, string, string, string, Pid> = {
        callbackMode: () => ['handleEvent', 'stateEnter'],
        init: (test) => ok('a', test, [{ hibernate: true }, { postpone: false }]),
        handleEvent(event, state, test, c) {
          if (event.type === 'enter') return keepStateAndData([{ postpone: false }, { hibernate: false }]);
          if (event.type === 'call') return keepStateAndData([reply(event.from, state)]);
          const content = String('content' in event ? event.content : '');
          if (content === 'go_b') return nextState('b', test, [{ hibernate: true }]);
          if (state === 'a' && content === 'later') return keepStateAndData([{ postpone: false }, { postpone: true }, { hibernate: false }]);
          // An option: the last one given wins, so this event is handled, not postponed.
          if (state === 'a' && content === 'now') {
            c.send(test, { note: 'now handled' });
            return keepStateAndData(['postpone', { postpone: false }]);
          }
          c.send(test, { note: `${content} in ${state}` });
          return keepStateAndData([{ postpone: false }]);
        },
      };
      const pid = await genStatem.start(ctx, m, ctx.self());
      genStatem.cast(ctx, pid, 'later');
      genStatem.cast(ctx, pid, 'now');
      assert.deepEqual(await notes(ctx, 1), ['now handled'], 'the last postpone option, false, won');
      genStatem.cast(ctx, pid, 'go_b');
      assert.deepEqual(await notes(ctx, 1), ['later in b'], '{postpone: true} kept the event for the next state; "now" was not retried');
      assert.equal(await genStatem.call(ctx, pid, 'state'), 'b');
      assert.equal(await ctx.receive(isNote, 0), TIMEOUT, 'nothing else was retried');
      await genStatem.stop(ctx, pid);
    }),
  );
});

test('gen_statem_SUITE: postpone — {postpone: true} in an enter call and a non-boolean {postpone} are bad returns', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      for (const bad of [{ enter: true, action: { postpone: true } }, { enter: false, action: { postpone: 'yes' } }, { enter: false, action: { hibernate: 1 } }]) {
        const m: GenStatem<string, null, never, 'go', never, void> = {
          callbackMode: () => ['handleEvent', 'stateEnter'],
          init: () => ok('a', null),
          handleEvent(event, state) {
            if (event.type === 'enter') return keepStateAndData(bad.enter && state === 'b' ? [bad.action as never] : []);
            if (event.type === 'cast') return nextState('b', null, bad.enter ? [] : [bad.action as never]);
            return keepStateAndData();
          },
        };
        const pid = await genStatem.start(ctx, m, undefined);
        const ref = ctx.monitor(pid);
        genStatem.cast(ctx, pid, 'go');
        const down = await ctx.receive((x) => isDown(x, ref), WAIT);
        assert.ok((down as { reason: unknown }).reason instanceof BadReturnValue, JSON.stringify(bad));
      }
    });
  });
});

test('gen_statem_SUITE: init / enter_loop — a postpone among the first actions is accepted and forced to false, as OTP does', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const m: GenStatem<string, null, 'state', never, string, void> = {
        callbackMode: () => ['handleEvent', 'stateEnter'],
        init: () => ok('a', null, ['postpone', { timeout: 0, content: 'first' }]),
        handleEvent(event, state) {
          if (event.type === 'call') return keepStateAndData([reply(event.from, state)]);
          if (event.type === 'timeout') return nextState('b', null);
          return keepStateAndData();
        },
      };
      const pid = await genStatem.start(ctx, m, undefined);
      assert.equal(await genStatem.call(ctx, pid, 'state'), 'b', 'the machine started and handled its first event');
      await genStatem.stop(ctx, pid);
      const [entered, ref] = ctx.spawnMonitor((c) => genStatem.enterLoop(c, m, 'a', null, ['postpone']));
      assert.equal(await genStatem.call(ctx, entered, 'state'), 'a');
      await genStatem.stop(ctx, entered);
      assert.notEqual(await ctx.receive((x) => isDown(x, ref), WAIT), TIMEOUT);
    }),
  );
});

test('gen_statem_SUITE: stop/3 and start with a timeout that is no time (-5, NaN, a string) are refused with badarg before anything happens: the machine stopped runs on, no machine is started', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const m: GenStatem<string, null, string, never, string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        handleEvent: (event, state) => (event.type === 'call' ? keepStateAndData([reply(event.from, state)]) : keepStateAndData()),
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const badarg = (what: RegExp) => (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && what.test(e.message);
      for (const bad of [-5, NaN, '10' as unknown as number]) {
        await assert.rejects(genStatem.stop(ctx, pid, 'normal', bad), badarg(/stop timeout must be a whole number of milliseconds >= 0 or Infinity, got .*; the request was not sent/));
        assert.equal(await genStatem.call(ctx, pid, 'state'), 'a', `the machine runs on after stop with ${String(bad)}`);
        const started = /start timeout must be a whole number of milliseconds >= 0 or Infinity, got .*; nothing was started/;
        await assert.rejects(genStatem.startLink(ctx, m, undefined, { name: 'statem4_bad_timeout', timeout: bad }), badarg(started));
        await assert.rejects(genServer.start(ctx, { init: () => serverOk(null) }, undefined, { name: 'statem4_bad_timeout', timeout: bad }), badarg(started));
        await assert.rejects(genEvent.start(ctx, { name: 'statem4_bad_timeout', timeout: bad }), badarg(started));
        assert.equal(ctx.whereis('statem4_bad_timeout'), undefined, `nothing was started with ${String(bad)}`);
      }
      await genStatem.stop(ctx, pid, 'normal', 5000);
    }),
  );
});

test('gen_statem_SUITE: stop/3 of the machine itself, from its own callback, fails at once with calling_self (as OTP\'s proc_lib:stop of self()) and sends nothing: the machine runs on', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const m: GenStatem<string, null, string, never, string, void> = {
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        async handleEvent(event, state, _data, c: ProcessContext) {
          if (event.type !== 'call') return keepStateAndData();
          if (event.content === 'state') return keepStateAndData([reply(event.from, state)]);
          // The default timeout (Infinity): without the check the machine would wait for its own exit forever.
          const outcome = await genStatem.stop(c, c.self(), 'normal').then(
            () => 'stopped',
            (e: unknown) => (e instanceof CallError ? String(e.failure) : String(e)),
          );
          return keepStateAndData([reply(event.from, outcome)]);
        },
      };
      const pid = await genStatem.start(ctx, m, undefined, { name: 'statem4_self_stop' });
      assert.equal(await genStatem.call(ctx, pid, 'stop yourself', WAIT), 'calling_self');
      assert.equal(await genStatem.call(ctx, 'statem4_self_stop', 'state'), 'a', 'no terminate order was left queued: the machine runs on');
      await genStatem.stop(ctx, pid);
    }),
  );
});
