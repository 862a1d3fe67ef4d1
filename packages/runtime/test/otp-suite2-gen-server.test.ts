// More cases mirroring OTP's lib/stdlib/test/gen_server_SUITE.erl, each named after the case it follows
// (what callers and linked processes see was checked in erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  genServer,
  sys,
  ok,
  ignore,
  reply,
  noreply,
  stop,
  CallError,
  StartError,
  BadReturnValue,
  TIMEOUT,
  isDown,
  isExit,
  type Exit,
  type GenServer,
  type Pid,
  type ProcessContext,
  type ViaRegistry,
} from '@otp-ts/runtime';
import { withNode, quietLogs, leftovers } from './helpers.ts';

const WAIT = 20_000;

type Req =
  | 'started_p'
  | 'stop'
  | { delay: number }
  | 'stop_shutdown_reason'
  | 'exit_shutdown'
  | 'crash'
  | 'badreturn'
  | 'slow_terminate'
  | 'get_events'
  | { continueThen: string };
type State = { events: string[]; slowTerminate?: Promise<void> };
type InitArg = 'ok' | 'stop' | 'ignore' | 'crash' | { sleep: number } | { continueWith: string } | { trap: true };

/** OTP's gen_server_SUITE callback module, in the parts these cases use. */
const suite: GenServer<State, Req, string, unknown, InitArg> = {
  name: 'gen_server_SUITE',
  async init(arg, ctx) {
    if (arg === 'stop') return stop('stopped');
    if (arg === 'ignore') return ignore();
    if (arg === 'crash') throw new Error('init crashed');
    if (typeof arg === 'object' && 'sleep' in arg) await ctx.receive(null, arg.sleep);
    if (typeof arg === 'object' && 'trap' in arg) ctx.trapExit(true);
    if (typeof arg === 'object' && 'continueWith' in arg) return ok({ events: [] }, { continue: arg.continueWith });
    return ok({ events: [] });
  },
  async handleCall(req, _from, s, ctx) {
    if (req === 'started_p') return reply('ok', s);
    if (req === 'stop') return stop('stopped', s, 'ok');
    if (req === 'stop_shutdown_reason') return stop({ shutdown: 'reason' }, s);
    if (req === 'exit_shutdown') return ctx.exit('shutdown');
    if (req === 'crash') throw new Error('crashed');
    if (req === 'badreturn') return 'badreturn' as never;
    if (req === 'get_events') return reply([...s.events], s);
    if (req === 'slow_terminate') {
      let release!: () => void;
      const slow = new Promise<void>((r) => (release = r));
      return reply(release, { ...s, slowTerminate: slow });
    }
    if (typeof req === 'object' && 'continueThen' in req) return reply('ok', s, { continue: req.continueThen });
    await ctx.sleep(req.delay);
    return reply('delayed', s);
  },
  handleCast(req, s) {
    s.events.push(`cast ${req}`);
    return noreply(s);
  },
  handleInfo(msg, s) {
    if (msg === 'stop_info') return stop('info_stop', s);
    if (msg === 'timeout') s.events.push('timeout');
    else if (isExit(msg)) s.events.push(`EXIT ${String(msg.reason)}`);
    else s.events.push(`info ${String(msg)}`);
    return noreply(s);
  },
  handleContinue(arg, s) {
    s.events.push(`continue ${String(arg)}`);
    return noreply(s);
  },
  async terminate(reason, s) {
    s.events.push(`terminate ${String(reason)}`);
    if (s.slowTerminate) await s.slowTerminate;
  },
};

async function downReason(ctx: ProcessContext, pid: Pid): Promise<unknown> {
  const ref = ctx.monitor(pid);
  const m = await ctx.receive((x) => isDown(x, ref), WAIT);
  assert.notEqual(m, TIMEOUT, `${pid} was expected to exit`);
  return (m as { reason: unknown }).reason;
}

test('gen_server_SUITE: start — init stop, ignore, crash and a taken name are what start answers', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await assert.rejects(genServer.start(ctx, suite, 'stop'), (e: StartError) => e instanceof StartError && e.reason === 'stopped');
      await assert.rejects(genServer.start(ctx, suite, 'ignore'), (e: StartError) => e instanceof StartError && e.reason === 'ignore');
      await assert.rejects(genServer.start(ctx, suite, 'crash'), (e: StartError) => e instanceof StartError && (e.reason as Error).message === 'init crashed');
      const pid = await genServer.start(ctx, suite, 'ok', { name: 'gs_suite2_name' });
      await assert.rejects(genServer.start(ctx, suite, 'ok', { name: 'gs_suite2_name' }), (e: StartError) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === pid);
      assert.equal(await genServer.call(ctx, 'gs_suite2_name', 'started_p'), 'ok');
      assert.equal(await genServer.call(ctx, 'gs_suite2_name', 'stop'), 'ok');
      await downReason(ctx, pid);
      await assert.rejects(genServer.call(ctx, pid, 'started_p', 10), (e: CallError) => e.failure === 'noproc');
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

test('gen_server_SUITE: start — a via-name is given up when init stops, ignores, crashes or times out, so the next start takes it (gen:unregister_name)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      // A registry that, like a plain via module, does not watch its processes: start must give the name back.
      const names = new Map<unknown, Pid>();
      const via: ViaRegistry = {
        whereis: (n) => names.get(n),
        register: (n, pid) => (names.has(n) ? false : (names.set(n, pid), true)),
        unregister: (n) => void names.delete(n),
      };
      const name = { via, name: 'gs_suite2_via' };
      for (const arg of ['stop', 'ignore', 'crash', { sleep: 60_000 }] as const) {
        await assert.rejects(genServer.start(ctx, suite, arg, { name, timeout: 100 }), StartError);
        assert.equal(via.whereis('gs_suite2_via'), undefined, `the name is free after a start with ${JSON.stringify(arg)}`);
      }
      const pid = await genServer.start(ctx, suite, 'ok', { name });
      assert.equal(via.whereis('gs_suite2_via'), pid);
      await assert.rejects(genServer.start(ctx, suite, 'ok', { name }), (e: StartError) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === pid);
      assert.equal(via.whereis('gs_suite2_via'), pid, 'a start refused for a taken name leaves the holder registered');
      await genServer.stop(ctx, pid);
    });
  });
});

test('gen_server_SUITE: start — an init that outlasts the start timeout fails the start with timeout and the server is gone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const before = new Set(ctx.processes().map(String));
      await assert.rejects(genServer.start(ctx, suite, { sleep: 60_000 }, { timeout: 50 }), (e: StartError) => e instanceof StartError && e.reason === 'timeout');
      const after = ctx.processes().filter((p) => !before.has(String(p)));
      assert.deepEqual(after, [], 'the server that timed out was killed');
    });
  });
});

test('gen_server_SUITE: start — a linked server stopping from handle_call sends {EXIT, Pid, stopped} to its trapping starter', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const pid = await genServer.startLink(ctx, suite, 'ok');
      assert.equal(await genServer.call(ctx, pid, 'stop'), 'ok');
      const m = await ctx.receive(isExit, WAIT);
      assert.notEqual(m, TIMEOUT);
      assert.equal((m as Exit).from, pid);
      assert.equal((m as Exit).reason, 'stopped');
    });
  });
});

test('gen_server_SUITE: stop1 / stop4 — stop of a dead pid or of a name nobody holds raises noproc', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok', { name: 'gs_suite2_to_stop' });
      await genServer.stop(ctx, 'gs_suite2_to_stop');
      assert.equal(ctx.isAlive(pid), false);
      assert.equal(ctx.whereis('gs_suite2_to_stop'), undefined);
      await assert.rejects(genServer.stop(ctx, 'gs_suite2_to_stop'), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
      await assert.rejects(genServer.stop(ctx, pid), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
    });
  });
});

test('gen_server_SUITE: stop3 — stop with an invalid timeout raises badarg and leaves the server running, with no monitor behind', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      for (const bad of [-1, NaN, 'soon' as unknown as number]) {
        await assert.rejects(genServer.stop(ctx, pid, 'other_reason', bad), /stop timeout must be a whole number of milliseconds >= 0 or Infinity/);
        assert.equal(ctx.isAlive(pid), true, `the server lives on after a stop with timeout ${String(bad)}`);
      }
      assert.deepEqual(ctx.processInfo(ctx.self())?.monitors ?? [], []);
      await genServer.stop(ctx, pid);
      assert.equal(ctx.isAlive(pid), false);
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

test('gen_server_SUITE: stop (timeout) — stop raises timeout when terminate outlasts it; the server still finishes terminate and exits', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      const release = (await genServer.call(ctx, pid, 'slow_terminate')) as () => void;
      const ref = ctx.monitor(pid);
      await assert.rejects(genServer.stop(ctx, pid, 'normal', 50), (e: CallError) => e instanceof CallError && e.failure === 'timeout');
      assert.equal(ctx.isAlive(pid), true, 'OTP does not kill the server when stop times out');
      release();
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.notEqual(down, TIMEOUT);
      assert.equal((down as { reason: unknown }).reason, 'normal');
    });
  });
});

test('gen_server_SUITE: crash — {stop, {shutdown, reason}} and exit(shutdown) reach the caller and the trapping link, with no crash report', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const a = await genServer.startLink(ctx, suite, 'ok');
      await assert.rejects(genServer.call(ctx, a, 'stop_shutdown_reason'), (e: CallError) => e instanceof CallError && JSON.stringify(e.failure) === '{"shutdown":"reason"}');
      const ea = (await ctx.receive((m) => isExit(m) && m.from === a, WAIT)) as Exit;
      assert.deepEqual(ea.reason, { shutdown: 'reason' });

      const b = await genServer.startLink(ctx, suite, 'ok');
      await assert.rejects(genServer.call(ctx, b, 'exit_shutdown'), (e: CallError) => e instanceof CallError && e.failure === 'shutdown');
      const eb = (await ctx.receive((m) => isExit(m) && m.from === b, WAIT)) as Exit;
      assert.equal(eb.reason, 'shutdown');
    });
    assert.deepEqual(logs.filter((e) => e.level === 'error'), [], 'shutdown reasons are not errors');
  });
});

test('gen_server_SUITE: crash — a handle_call that crashes fails the call with the crash and logs an error report', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      await assert.rejects(genServer.call(ctx, pid, 'crash'), (e: CallError) => e instanceof CallError && (e.failure as Error).message === 'crashed');
      await downReason(ctx, pid);
    });
    assert.ok(logs.some((e) => e.level === 'error'), 'an error report was logged');
  });
});

test('gen_server_SUITE: call — a call that times out raises timeout, the server lives on, and its late reply never reaches the mailbox', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      assert.equal(await genServer.call(ctx, pid, { delay: 1 }, WAIT), 'delayed');
      await assert.rejects(genServer.call(ctx, pid, { delay: 200 }, 1), (e: CallError) => e instanceof CallError && e.failure === 'timeout');
      // The next call is served after the slow one: its reply came and was dropped.
      assert.equal(await genServer.call(ctx, pid, 'started_p'), 'ok');
      assert.deepEqual(await leftovers(ctx), [], 'no late reply in the mailbox');
    });
  });
});

test('gen_server_SUITE: call — a bad return value from handle_call fails the call with bad_return_value and ends the server', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      const ref = ctx.monitor(pid);
      await assert.rejects(genServer.call(ctx, pid, 'badreturn'), (e: CallError) => e instanceof CallError && e.failure instanceof BadReturnValue);
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.ok((down as { reason: unknown }).reason instanceof BadReturnValue);
    });
  });
});

test('gen_server_SUITE: call — calling a name nobody holds raises noproc; casting to it is no error', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, 'gs_suite2_nobody', 'started_p'), (e: CallError) => e instanceof CallError && e.failure === 'noproc');
      genServer.cast(ctx, 'gs_suite2_nobody', 'x');
      assert.equal(ctx.isAlive(ctx.self()), true);
    });
  });
});

test('gen_server_SUITE: call — a server killed during a call fails the call with killed', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      const me = ctx.self();
      ctx.spawn(async (c) => {
        await c.receive(null, 20);
        c.exit(pid, 'kill');
        c.send(me, 'killed it');
      });
      await assert.rejects(genServer.call(ctx, pid, { delay: 60_000 }, Infinity), (e: CallError) => e instanceof CallError && e.failure === 'killed');
    });
  });
});

test('gen_server_SUITE: call — calling oneself raises calling_self', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, ctx.self(), 'started_p'), (e: CallError) => e instanceof CallError && e.failure === 'calling_self');
    });
  });
});

test('gen_server_SUITE: info — handle_info returning stop ends the server with that reason, after terminate', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      ctx.send(pid, 'hello');
      const ref = ctx.monitor(pid);
      ctx.send(pid, 'stop_info');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'info_stop');
    });
  });
});

test('gen_server_SUITE: undef_handle_info — a message to a server without handle_info is logged and dropped; the server lives', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const bare: GenServer<null, 'ping', never, string> = { init: () => ok(null), handleCall: (_r, _f, s) => reply('pong', s) };
      const pid = await genServer.start(ctx, bare, undefined);
      ctx.send(pid, 'unexpected');
      assert.equal(await genServer.call(ctx, pid, 'ping'), 'pong');
      assert.equal(ctx.isAlive(pid), true);
    });
    assert.ok(logs.length > 0, 'the unexpected message was logged');
  });
});

test('gen_server_SUITE: continue — handle_continue runs before any message already waiting', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, { continueWith: 'from init' });
      assert.equal(await genServer.call(ctx, pid, { continueThen: 'from call' }), 'ok');
      genServer.cast(ctx, pid, 'after');
      assert.deepEqual(await genServer.call(ctx, pid, 'get_events'), ['continue from init', 'continue from call', 'cast after']);
    });
  });
});

test('gen_server_SUITE: replace_state — a replace function that throws leaves the state and the server as they were', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      genServer.cast(ctx, pid, 'one');
      await assert.rejects(sys.replaceState(ctx, pid, () => {
        throw new Error('oops');
      }));
      assert.deepEqual(((await sys.getState(ctx, pid)) as State).events, ['cast one']);
      const next = await sys.replaceState<State>(ctx, pid, (s) => ({ events: [...s.events, 'replaced'] }));
      assert.deepEqual(next.events, ['cast one', 'replaced']);
      assert.deepEqual(await genServer.call(ctx, pid, 'get_events'), ['cast one', 'replaced']);
    });
  });
});

test('gen_server_SUITE: otp_5854 / trap exit — a trapping server ends with its parent\'s exit reason after terminate; another link\'s EXIT is handle_info', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const me = ctx.self();
      let server!: Pid;
      const parent = ctx.spawn(async (c) => {
        server = await genServer.startLink(c, suite, { trap: true });
        c.send(me, 'started');
        await c.receive();
      });
      await ctx.receive((m) => m === 'started', WAIT);
      const other = ctx.spawn(async (c) => {
        c.link(server);
        c.send(me, 'linked');
        await c.receive();
      });
      await ctx.receive((m) => m === 'linked', WAIT);
      ctx.exit(other, 'bye');
      assert.ok(((await sys.getState(ctx, server)) as State).events.includes('EXIT bye'), 'a non-parent EXIT went to handle_info');
      const ref = ctx.monitor(server);
      ctx.exit(parent, 'parent_gone');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'parent_gone');
    });
  });
});

test('gen_server_SUITE: cast_fast — casts from one sender are handled in order, a call after them sees them all', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      for (let i = 0; i < 100; i++) genServer.cast(ctx, pid, String(i));
      const events = (await genServer.call(ctx, pid, 'get_events')) as string[];
      assert.deepEqual(events, [...Array(100).keys()].map((i) => `cast ${i}`));
    });
  });
});

test('gen_server_SUITE: timeout action — noreply with a timeout brings handle_info(timeout) when nothing arrives; a message first cancels it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const timing: GenServer<string[], 'get' | 'arm' | 'arm_long', never, unknown> = {
        init: () => ok([]),
        handleCall: (req, _f, s) => (req === 'get' ? reply([...s], s) : reply('ok', s, req === 'arm' ? 10 : 60_000)),
        handleInfo: (m, s, c) => {
          c.send(me, { info: m });
          return noreply([...s, String(m)]);
        },
      };
      const pid = await genServer.start(ctx, timing, undefined);
      await genServer.call(ctx, pid, 'arm');
      assert.deepEqual(await ctx.receive((m) => typeof m === 'object' && m !== null && 'info' in m, WAIT), { info: 'timeout' });
      await genServer.call(ctx, pid, 'arm_long');
      ctx.send(pid, 'first');
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), ['timeout', 'first']);
    });
  });
});

test('gen_server_SUITE: trap exit — a trapping server whose parent exits normally terminates with normal; a server that does not trap ignores it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const servers: Pid[] = [];
      const states: State[] = [];
      const parent = ctx.spawn(async (c) => {
        servers.push(await genServer.startLink(c, suite, { trap: true }));
        servers.push(await genServer.startLink(c, suite, 'ok'));
        c.send(me, 'started');
        await c.receive((m) => m === 'go');
      });
      await ctx.receive((m) => m === 'started', WAIT);
      states.push((await sys.getState(ctx, servers[0]!)) as State);
      const ref = ctx.monitor(servers[0]!);
      ctx.send(parent, 'go');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'normal');
      assert.deepEqual(states[0]!.events, ['terminate normal']);
      assert.equal(await genServer.call(ctx, servers[1]!, 'started_p'), 'ok', 'the server that does not trap exits lives on');
    });
  });
});

test('gen_server_SUITE: trap exit — exit(Server, kill) ends even a trapping server with killed, without terminate', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, { trap: true });
      const s = (await sys.getState(ctx, pid)) as State;
      const ref = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      const down = await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((down as { reason: unknown }).reason, 'killed');
      assert.deepEqual(s.events, []);
    });
  });
});

test('gen_server_SUITE: call — after a call timed out, the server dying leaves no DOWN or EXIT in the caller\'s mailbox', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, suite, 'ok');
      await assert.rejects(genServer.call(ctx, pid, { delay: 60_000 }, 1), (e: CallError) => e instanceof CallError && e.failure === 'timeout');
      ctx.spawn(async (c) => {
        const ref = c.monitor(pid);
        c.exit(pid, 'kill');
        await c.receive((m) => isDown(m, ref));
        c.send(ctx.self(), 'dead');
      });
      await ctx.receive((m) => m === 'dead', WAIT);
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

test('gen_server_SUITE: reply — replying later to a caller that gave up or died is no error for the server', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      type Held = { from: unknown[] };
      const holder: GenServer<Held, 'hold' | 'release' | 'count', never, unknown> = {
        init: () => ok({ from: [] }),
        handleCall(req, from, s) {
          if (req === 'hold') return noreply({ from: [...s.from, from] });
          if (req === 'count') return reply(s.from.length, s);
          for (const f of s.from) genServer.reply(f as never, 'late');
          return reply('released', { from: [] });
        },
      };
      const pid = await genServer.start(ctx, holder, undefined);
      await assert.rejects(genServer.call(ctx, pid, 'hold', 1), (e: CallError) => e.failure === 'timeout');
      const [caller, ref] = ctx.spawnMonitor(async (c) => {
        await genServer.call(c, pid, 'hold', Infinity);
      });
      for (const deadline = Date.now() + WAIT; (await genServer.call(ctx, pid, 'count')) !== 2; await ctx.receive(null, 5)) assert.ok(Date.now() < deadline);
      ctx.exit(caller, 'kill');
      await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal(await genServer.call(ctx, pid, 'release'), 'released');
      assert.equal(ctx.isAlive(pid), true);
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});
