// More cases mirroring OTP's lib/stdlib/test/sys_SUITE.erl, each named after the case it follows
// (suspend and resume, state access while suspended, requests to a dead process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, sys, ok, reply, noreply, CallError, RuntimeError, TIMEOUT, type GenServer, type GenStatem, type Pid } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 20_000;

const counter: GenServer<number, 'get' | 'inc', 'inc', number> = {
  name: 'sys_SUITE_counter',
  init: () => ok(0),
  handleCall: (req, _f, n) => (req === 'inc' ? reply(n + 1, n + 1) : reply(n, n)),
  handleCast: (_req, n) => noreply(n + 1),
};

test('sys_SUITE: suspend_resume — a suspended server answers no calls (they time out) but keeps its mailbox; resume handles what waited', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      await sys.suspend(ctx, pid);
      genServer.cast(ctx, pid, 'inc');
      genServer.cast(ctx, pid, 'inc');
      await assert.rejects(genServer.call(ctx, pid, 'get', 50), (e: CallError) => e instanceof CallError && e.failure === 'timeout');
      assert.equal(await sys.getState(ctx, pid), 0, 'system messages are answered while suspended');
      assert.equal((await sys.getStatus(ctx, pid)).status, 'suspended');
      await sys.resume(ctx, pid);
      assert.equal(await genServer.call(ctx, pid, 'get'), 2);
      assert.equal((await sys.getStatus(ctx, pid)).status, 'running');
    });
  });
});

test('sys_SUITE: suspend_resume — suspending twice needs one resume only, as OTP does not count suspensions', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      await sys.suspend(ctx, pid);
      await sys.suspend(ctx, pid);
      await sys.resume(ctx, pid);
      assert.equal(await genServer.call(ctx, pid, 'inc', WAIT), 1);
    });
  });
});

test('sys_SUITE: replace_state — replacing the state of a suspended server is seen after resume', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      await sys.suspend(ctx, pid);
      assert.equal(await sys.replaceState<number>(ctx, pid, (n) => n + 100), 100);
      await sys.resume(ctx, pid);
      assert.equal(await genServer.call(ctx, pid, 'inc'), 101);
    });
  });
});

test('sys_SUITE: replace_state — an async function is awaited in the process: the state becomes its result, never the promise; a rejection keeps the state', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      const special = ctx.spawn(async (c) => {
        const me = sys.special(c, { name: 'sys_SUITE_special' }, 5);
        for (;;) await me.handleSystem(await c.receive());
      });
      for (const [target, start] of [[pid, 0], [special, 5]] as const) {
        assert.equal(await sys.replaceState<number>(ctx, target, async (n) => n + 10), start + 10);
        assert.equal(await sys.getState(ctx, target), start + 10, 'the state is the result, not a promise');
        await assert.rejects(sys.replaceState<number>(ctx, target, async () => Promise.reject(new Error('no'))), /no/);
        assert.equal(await sys.getState(ctx, target), start + 10, 'a rejection keeps the state');
        await assert.rejects(sys.replaceState(ctx, target, 5 as never), /sys.replaceState needs a function \(state\) => new state, got 5/);
      }
      assert.equal(await genServer.call(ctx, pid, 'inc'), 11);
    });
  });
});

test('sys_SUITE: trace / statistics — a flag that is no flag (the string \'false\', 1) is refused with badarg and changes nothing', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      const refused = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && /nothing was changed/.test(e.message);
      await assert.rejects(sys.trace(ctx, pid, 'false' as never), refused);
      await assert.rejects(sys.statistics(ctx, pid, 1 as never), refused);
      await assert.rejects(sys.statistics(ctx, pid, 'on' as never), refused);
      assert.equal(await sys.statistics(ctx, pid, 'get'), null, 'statistics stay off');
      const printed: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
      try {
        assert.equal(await genServer.call(ctx, pid, 'inc'), 1);
      } finally {
        process.stdout.write = write;
      }
      assert.deepEqual(printed.filter((l) => l.includes('*DBG*')), [], 'trace stays off');
    });
  });
});

test('sys_SUITE: get_state of a dead process or a name nobody holds raises noproc', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      await genServer.stop(ctx, pid);
      await assert.rejects(sys.getState(ctx, pid), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
      await assert.rejects(sys.suspend(ctx, 'sys_suite2_nobody'), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
    });
  });
});

test('sys_SUITE: suspend on a gen_statem — a timeout that fires while suspended is handled after resume', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const m: GenStatem<string, null, never, 'arm', never, void> = {
        callbackMode: 'handleEvent',
        init: () => genStatem.ok('a', null),
        handleEvent(event, _s, _d, c) {
          if (event.type === 'cast') return genStatem.keepStateAndData([genStatem.stateTimeout(10, 'st')]);
          c.send(me, { fired: event.type });
          return genStatem.keepStateAndData();
        },
      };
      const pid: Pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'arm');
      await sys.suspend(ctx, pid);
      // Whether the timer fired before or during the suspension, its event waits for resume.
      assert.equal(await ctx.receive((x) => typeof x === 'object' && x !== null && 'fired' in x, 100), TIMEOUT);
      await sys.resume(ctx, pid);
      assert.deepEqual(await ctx.receive((x) => typeof x === 'object' && x !== null && 'fired' in x, WAIT), { fired: 'stateTimeout' });
    });
  });
});

test('sys_SUITE: terminate while suspended — stopping a suspended server still runs its terminate and ends it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const events: string[] = [];
      const pid = await genServer.start(ctx, { ...counter, terminate: (reason: unknown) => void events.push(`terminate ${String(reason)}`) }, undefined);
      await sys.suspend(ctx, pid);
      await genServer.stop(ctx, pid, 'normal', WAIT);
      assert.equal(ctx.isAlive(pid), false);
      assert.deepEqual(events, ['terminate normal']);
    });
  });
});
