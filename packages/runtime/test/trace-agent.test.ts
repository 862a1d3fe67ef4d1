import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage, type TraceSpec } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';
import { replaceOrFail, waitFor } from '../../../test/support/wait.ts';

const compile = (name: string, ts: string, vsn?: string) => ({ name, code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: `/virtual/${name}.ts`, vsn });

const cart = `
export function add(ctx: unknown, item: string, qty: number) { return { item, qty }; }
export function remove(item: string) { return item; }
export async function slow(n: number) { await new Promise((r) => setTimeout(r, 5)); if (n < 0) throw new Error('negative'); return n * 2; }
export const server = { handleCall: (req: unknown) => req, handleCast: () => 'noreply' };
`;

interface Cart {
  add(ctx: unknown, item: string, qty: number): unknown;
  remove(item: string): unknown;
  slow(n: number): Promise<number>;
  server: { handleCall(req: unknown): unknown };
}

async function loaded(node: OtpNode): Promise<Cart> {
  loggerOf(node).removeHandler('default');
  const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
  await code.load(compile('shop/cart', cart));
  return code.exportsOf('shop/cart') as unknown as Cart;
}

/** Starts a session whose client is the calling process, and collects what it is sent until done. */
async function traceAs(ctx: ProcessContext, spec: TraceSpec) {
  const r = await traceAgentOf(ctx.node).start({ ...spec, client: ctx.self() });
  assert.ok(r.ok, r.ok ? '' : r.error);
  const events: TraceEvent[] = [];
  const collect = async (timeoutMs = 2000): Promise<{ reason: string; dropped: number; counted: number; returns: number; events: TraceEvent[] }> => {
    for (;;) {
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === r.session, timeoutMs)) as TraceMessage | typeof runtime.TIMEOUT;
      if (m === runtime.TIMEOUT) throw new Error(`session ${r.session} sent no done within ${timeoutMs} ms`);
      if (m.otpTrace === 'events') {
        events.push(...m.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      } else return { reason: m.reason, dropped: m.dropped, counted: m.events, returns: m.returns, events };
    }
  };
  return { session: r.session, pid: r.pid!, functions: r.functions, collect };
}

test('call tracing reports calls with formatted args and the caller, and stops by itself at the limit', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.add'], limit: 3 });
      assert.deepEqual(t.functions, ['shop/cart.add']);
      assert.notEqual(m.add, undefined);
      for (let i = 0; i < 5; i++) m.add(ctx, `item${i}`, i);
      // The limit was reached on the node: the wrapper is gone before the client hears anything.
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
      const { reason, events } = await t.collect();
      assert.equal(reason, 'limit');
      assert.deepEqual(events.map((e) => (e.kind === 'call' ? e.args : [])), [[`ctx${ctx.self()}`, '"item0"', '0'], [`ctx${ctx.self()}`, '"item1"', '1'], [`ctx${ctx.self()}`, '"item2"', '2']]);
      assert.equal(events[0]!.pid, ctx.self().toString());
    });
  }));

test('argument matchers, wildcards and functions of exported objects', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const server = m.server;
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.add(_, "apple", q) when q > 1', 'shop/cart.s*', 'shop/cart.server.handle*'], returns: true, limit: 5 });
      assert.deepEqual(t.functions.sort(), ['shop/cart.add', 'shop/cart.server.handleCall', 'shop/cart.server.handleCast', 'shop/cart.slow']);
      m.add(ctx, 'apple', 1);
      m.add(ctx, 'pear', 5);
      m.add(ctx, 'apple', 2);
      assert.equal(server.handleCall('ping'), 'ping');
      assert.equal(await m.slow(21), 42);
      await assert.rejects(m.slow(-1), /negative/);
      traceAgentOf(node).stop(t.session);
      const { events } = await t.collect();
      assert.deepEqual(
        events.filter((e) => e.kind === 'call').map((e) => e.fn),
        ['shop/cart.add', 'shop/cart.server.handleCall', 'shop/cart.slow', 'shop/cart.slow'],
      );
      assert.deepEqual(events.filter((e) => e.kind !== 'call').map((e) => e.kind), ['return', 'return', 'return', 'exception']);
    });
  }));

test('returns and exceptions arrive after their calls, async ones when they settle', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.slow', 'shop/cart.add(_, "apple", q) when q > 1'], returns: true, limit: 3 });
      m.add(ctx, 'apple', 1);
      m.add(ctx, 'apple', 2);
      assert.equal(await m.slow(21), 42);
      await assert.rejects(m.slow(-1), /negative/);
      const { events, reason } = await t.collect();
      assert.equal(reason, 'limit');
      const lines = events.map((e) => (e.kind === 'call' ? `call ${e.fn}(${e.args.slice(1).join(', ')})` : e.kind === 'return' ? `return ${e.fn} ${e.value}` : e.kind === 'exception' ? `exception ${e.fn} ${e.error}` : e.kind));
      assert.deepEqual(lines, ['call shop/cart.add("apple", 2)', 'return shop/cart.add { item: "apple", qty: 2 }', 'call shop/cart.slow()', 'return shop/cart.slow 42', 'call shop/cart.slow()', 'exception shop/cart.slow Error: negative']);
    });
  }));

test('sessions are isolated: ending one leaves the patterns of another in place', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const agent = traceAgentOf(node);
    await node.run(async (ctx) => {
      const a = await traceAs(ctx, { patterns: ['shop/cart.add', 'shop/cart.remove'], limit: 100 });
      const b = await traceAs(ctx, { patterns: ['shop/cart.add'], limit: 100 });
      assert.ok(agent.stop(a.session));
      assert.equal((await a.collect()).reason, 'stopped');
      assert.deepEqual(agent.tracedFunctions(), ['shop/cart.add']);
      m.add(ctx, 'x', 1);
      m.remove('x');
      agent.stop(b.session);
      const got = await b.collect();
      assert.deepEqual(got.events.map((e) => e.kind === 'call' && e.fn), ['shop/cart.add']);
      assert.deepEqual(agent.tracedFunctions(), []);
      assert.deepEqual(agent.list(), []);
    });
  }));

test('a client that exits leaves no pattern behind', () =>
  withNode(async (node) => {
    await loaded(node);
    const agent = traceAgentOf(node);
    const client = node.spawn(async (ctx) => {
      await traceAs(ctx, { patterns: ['shop/cart.add'], messages: true, limit: 1000 });
      await ctx.receive((x) => x === 'go away');
    });
    await waitFor('the session to start', () => agent.list().length > 0);
    assert.equal(agent.list().length, 1);
    assert.notEqual(node.trace, null);
    node.send(client, 'go away');
    await waitFor('the session to end with its client', () => agent.list().length === 0);
    assert.deepEqual(agent.list(), []);
    assert.deepEqual(agent.tracedFunctions(), []);
    assert.equal(node.trace, null);
  }));

test('a flood of traced calls never grows past the buffer: extra events are dropped and counted', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], rate: { count: 1_000_000, ms: 1000 }, bufferSize: 50 });
      for (let i = 0; i < 10_000; i++) m.remove('x'.repeat(10_000));
      traceAgentOf(node).stop(t.session);
      const { events, dropped, reason } = await t.collect();
      assert.equal(reason, 'stopped');
      assert.equal(events.length, 50);
      assert.equal(dropped, 9950);
      assert.ok(events.every((e) => e.kind === 'call' && e.args[0]!.length <= 400));
    });
  }));

test('a flood of traced calls with their returns: the done message counts returns apart, and dropped is of both', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], rate: { count: 1_000_000, ms: 1000 }, bufferSize: 50, returns: true });
      for (let i = 0; i < 1000; i++) m.remove('x');
      traceAgentOf(node).stop(t.session);
      const { events, dropped, counted, returns, reason } = await t.collect();
      assert.equal(reason, 'stopped');
      assert.equal(counted, 1000);
      assert.equal(returns, 1000);
      // Every call and every return is either delivered or dropped: none is counted twice or lost from the counts.
      assert.equal(events.length + dropped, counted + returns);
    });
  }));

test('a rate limit and a time limit end the session on the node', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const rated = await traceAs(ctx, { patterns: ['shop/cart.remove'], rate: { count: 5, ms: 1000 } });
      for (let i = 0; i < 20; i++) m.remove('x');
      const r = await rated.collect();
      assert.equal(r.reason, 'rate');
      assert.equal(r.events.length, 6);
      const timed = await traceAs(ctx, { patterns: ['shop/cart.remove'], timeMs: 50 });
      // The reason is the check: how soon it ends is not asserted (a loaded machine may be slow).
      assert.equal((await timed.collect()).reason, 'time');
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
    });
  }));

test('a bufferSize, bound, time, pattern count or length, or pid or name count out of range is refused naming the option and its range: none is cut down unseen', () =>
  withNode(async (node) => {
    await loaded(node);
    const agent = traceAgentOf(node);
    const big = await agent.start({ patterns: ['shop/cart.add'], bufferSize: 200_000 });
    assert.ok(!big.ok && big.code === 'badSpec' && big.error === 'bufferSize must be a whole number from 1 to 100000, got 200000', JSON.stringify(big));
    // A time limit past a day (up to 2^53 ms from any client, otp rpc included) is refused, not taken as a session no clock ends.
    for (const timeMs of [86_400_001, Number.MAX_SAFE_INTEGER]) {
      const long = await agent.start({ patterns: ['shop/cart.add'], timeMs });
      assert.ok(!long.ok && long.code === 'badSpec' && long.error === `the time limit must be a whole number of milliseconds from 1 to 86400000 (one day), got ${timeMs}`, JSON.stringify(long));
    }
    assert.deepEqual(agent.tracedFunctions(), []);
    // 100 000 patterns held the node's one thread for seconds as they were resolved: past 100 is refused before any is.
    const many = await agent.start({ patterns: Array.from({ length: 100_000 }, () => 'shop/cart.add') });
    assert.ok(!many.ok && many.code === 'badSpec' && many.error === 'a trace takes at most 100 call patterns, got 100000: a wildcard names many functions in one (shop/cart.*, shop/*.handle*)', JSON.stringify(many));
    const hundred = await agent.start({ patterns: Array.from({ length: 100 }, () => 'shop/cart.add') }, true);
    assert.ok(hundred.ok && hundred.functions.length === 100, JSON.stringify(hundred));
    // 100 globs of 4096 '*' held the node 8 s matching every function's name: the patterns' characters are bounded together.
    const stars = `shop/*.${'*'.repeat(4000)}add`;
    const long = await agent.start({ patterns: [stars, stars, stars] });
    assert.ok(!long.ok && long.code === 'badSpec' && long.error === "a trace's call patterns come to at most 8192 characters together, got 12030: give fewer or shorter patterns (a wildcard names many functions in one, shop/cart.*)", JSON.stringify(long));
    // Each pid and name is looked up as the session starts: a million of them are refused before any is.
    for (const [key, what] of [['pids', 'pids'], ['names', 'registered names']] as const) {
      const huge = await agent.start({ patterns: ['shop/cart.add'], [key]: Array.from({ length: 1001 }, () => 'all') });
      assert.ok(!huge.ok && huge.code === 'badSpec' && huge.error.startsWith(`a trace takes at most 1000 ${what}, got 1001: `), JSON.stringify(huge));
    }
    // A refusal repeats at most the first 100 characters of what was given: a megabyte name is not sent back whole.
    const bigName = await agent.start({ patterns: ['shop/cart.add'], names: ['n'.repeat(1_000_000)] });
    assert.ok(!bigName.ok && bigName.code === 'badProcess' && bigName.error === `no process is registered as '${'n'.repeat(100)}…' on ${node.name}`, JSON.stringify(bigName).slice(0, 300));
    const bigPid = await agent.start({ patterns: ['shop/cart.add'], pids: ['p'.repeat(1_000_000)] });
    assert.ok(!bigPid.ok && bigPid.error.length < 300, JSON.stringify(bigPid).slice(0, 300));
    const zero = await agent.start({ patterns: ['shop/cart.add'], bufferSize: 0 });
    assert.ok(!zero.ok && zero.error === 'bufferSize must be a whole number from 1 to 100000, got 0', JSON.stringify(zero));
    const depth = await agent.start({ patterns: ['shop/cart.add'], bounds: { depth: -1 } });
    assert.ok(!depth.ok && depth.error === 'bounds.depth must be a whole number from 0 to 10, got -1', JSON.stringify(depth));
    // Bounds so large that one event formats a 100 MB state in full (seconds of the node's one thread, a 100 MB event) are refused.
    const huge = await agent.start({ patterns: ['shop/cart.add'], bounds: { depth: 50, items: 1e9, chars: 1e9 } });
    assert.ok(!huge.ok && huge.code === 'badSpec' && huge.error === 'bounds.depth must be a whole number from 0 to 10, got 50', JSON.stringify(huge));
    const items = await agent.start({ patterns: ['shop/cart.add'], bounds: { items: 1001 } });
    assert.ok(!items.ok && items.error === 'bounds.items must be a whole number from 0 to 1000, got 1001', JSON.stringify(items));
    const chars = await agent.start({ patterns: ['shop/cart.add'], bounds: { chars: 1e9 } });
    assert.ok(!chars.ok && chars.error === 'bounds.chars must be a whole number from 0 to 100000, got 1000000000', JSON.stringify(chars));
    const room = await agent.start({ patterns: ['shop/cart.add'], bufferSize: 100_000, bounds: { chars: 1000 } });
    assert.ok(!room.ok && room.error === 'bufferSize × bounds.chars comes to 100000000 characters, more than the 50000000 a session may buffer: give a smaller bufferSize or bounds.chars', JSON.stringify(room));
    assert.deepEqual(agent.tracedFunctions(), []);
  }));

test('unknown names fail at once with the closest ones; over-broad patterns need force; dry run counts', () =>
  withNode(async (node) => {
    await loaded(node);
    const agent = traceAgentOf(node);
    const noModule = await agent.start({ patterns: ['shop/crat.add'] });
    assert.equal(noModule.ok, false);
    if (!noModule.ok) {
      assert.equal(noModule.code, 'nomatch');
      assert.deepEqual(noModule.suggestions, ['shop/cart']);
    }
    const noFn = await agent.start({ patterns: ['shop/cart.ad'] });
    assert.ok(!noFn.ok && /closest: shop\/cart\.add/.test(noFn.error), JSON.stringify(noFn));
    const broad = await agent.start({ patterns: ['*.*'] });
    assert.ok(!broad.ok && broad.code === 'tooBroad');
    const dry = await agent.start({ patterns: ['*.*'], force: true, pids: ['existing'] }, true);
    assert.ok(dry.ok && dry.dryRun);
    if (dry.ok) {
      assert.deepEqual(dry.functions, ['shop/cart.add', 'shop/cart.remove', 'shop/cart.slow']);
      assert.equal(dry.processes, node.processCount);
    }
    assert.deepEqual(agent.tracedFunctions(), []);
    const badPid = await agent.start({ messages: true, pids: ['<0.99999.0>'] });
    assert.ok(!badPid.ok && badPid.code === 'badProcess');
  }));

test('message and process events of chosen processes, with the peer pid', () =>
  withNode(async (node) => {
    await node.run(async (ctx) => {
      const echo = ctx.spawn(async (c) => {
        const m = (await c.receive()) as { from: runtime.Pid };
        c.register('echo');
        c.send(m.from, 'pong');
        await c.receive();
      });
      const t = await traceAs(ctx, { messages: true, procs: true, pids: [echo.toString()], limit: 4 });
      ctx.send(echo, { from: ctx.self() });
      assert.equal(await ctx.receive((x) => x === 'pong'), 'pong');
      ctx.exit(echo, 'bye');
      const { events } = await t.collect();
      const me = ctx.self().toString();
      assert.deepEqual(
        events.map((e) => [e.kind, e.pid, e.kind === 'receive' ? e.from : e.kind === 'send' ? e.to : e.kind === 'register' ? e.name : e.kind === 'exit' ? e.reason : '']),
        [['receive', echo.toString(), me], ['register', echo.toString(), 'echo'], ['send', echo.toString(), me], ['exit', echo.toString(), '"bye"']],
      );
      assert.equal(node.trace, null);
    });
  }));

test('a traced function stays traced across a reload of its module, and is restored after', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const code = codeServerOf(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 2 });
      m.remove('v1');
      await code.load(compile('shop/cart', replaceOrFail(cart, 'return item;', "return item + '!';")));
      assert.equal(m.remove('v2'), 'v2!');
      const { events } = await t.collect();
      assert.deepEqual(events.map((e) => e.kind === 'call' && e.args[0]), ['"v1"', '"v2"']);
      assert.equal(m.remove.name, 'remove');
      assert.equal(m.remove, code.record('shop/cart').current!.exports.remove);
    });
  }));

test("values the formatter cannot read never break the traced call or send: the trace shows them as unreadable", () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const hostile = [new Date(NaN), revoked.proxy, Object.defineProperty({}, 'total', { enumerable: true, get: () => { throw new Error('not now'); } })];
      const calls = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 3 });
      for (const v of hostile) assert.equal(m.remove(v as unknown as string), v);
      const { events } = await calls.collect();
      assert.deepEqual(events.map((e) => e.kind === 'call' && e.args[0]), ['Invalid Date', "[unreadable: TypeError: Cannot perform 'getPrototypeOf' on a proxy that has been revoked]", '{ total: [Getter] }']);
      const echo = ctx.spawn(async (c) => c.send(((await c.receive()) as { from: runtime.Pid }).from, { at: new Date(NaN), p: revoked.proxy }));
      const msgs = await traceAs(ctx, { messages: true, pids: [echo.toString()], limit: 2 });
      ctx.send(echo, { from: ctx.self() });
      assert.ok(await ctx.receive((x) => typeof x === 'object' && x !== null && 'at' in x, 5000));
      assert.deepEqual((await msgs.collect()).events.map((e) => e.kind), ['receive', 'send']);
    });
  }));

test('a traced call spreading a huge array formats only the first arguments, as a container of that many items is', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 1 });
      const rows = Array.from({ length: 20_000 }, (_, i) => i);
      (m.remove as (...xs: unknown[]) => unknown)(...rows);
      const { events } = await t.collect();
      assert.deepEqual(events.map((e) => e.kind === 'call' && e.args), [['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '…19990 more']]);
    });
  }));

test('a fixed arity no function of the pattern declares is refused naming what each takes; wildcards keep those that fit', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const agent = traceAgentOf(node);
    const never = await agent.start({ patterns: ['shop/cart.add/99'] });
    assert.ok(!never.ok, JSON.stringify(never));
    assert.equal(never.code, 'nomatch');
    assert.equal(never.error, "'shop/cart.add/99' never matches: shop/cart.add takes 3 arguments, not 99 (trace shop/cart.add/3, or leave the arity out)");
    assert.deepEqual(never.suggestions, ['shop/cart.add/3']);
    const tooMany = await agent.start({ patterns: ['shop/cart.remove(_, _)'] });
    assert.ok(!tooMany.ok && /shop\/cart\.remove takes 1 argument, not 2/.test(tooMany.error), JSON.stringify(tooMany));
    // Fewer than declared may be a call leaving optional parameters out; a wildcard keeps the functions that can match.
    const fits = await agent.start({ patterns: ['shop/cart.*/2'] }, true);
    assert.ok(fits.ok);
    assert.deepEqual(fits.functions.sort(), ['shop/cart.add']);
    // The same check when another session already wraps the function.
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.add'], limit: 1 });
      assert.ok(!(await agent.start({ patterns: ['shop/cart.add/4'] })).ok);
      m.add(ctx, 'x', 1);
      await t.collect();
    });
    assert.deepEqual(agent.tracedFunctions(), []);
  }));

test("a traced gen_server's later reply(from, v) after noreply is its send too, as a direct reply is", () =>
  withNode(async (node) => {
    await node.run(async (ctx) => {
      const tester = ctx.self();
      const mod = {
        init: () => runtime.ok(null as runtime.From<number> | null),
        handleCall: (_n: number, from: runtime.From<number>, _s: unknown, c: ProcessContext) => {
          c.send(tester, 'held');
          return runtime.noreply(from);
        },
        handleInfo: (_m: unknown, held: runtime.From<number> | null) => {
          if (held !== null) runtime.reply(held, 42);
          return runtime.noreply(null);
        },
      };
      const server = await runtime.genServer.start(ctx, mod, undefined);
      const caller = ctx.spawn(async (c) => {
        await c.receive((m) => m === 'go');
        c.send(tester, await runtime.genServer.call(c, server, 1));
      });
      const t = await traceAs(ctx, { messages: true, pids: [server.toString(), caller.toString()], limit: 8 });
      ctx.send(caller, 'go');
      await ctx.receive((m) => m === 'held');
      ctx.send(server, 'answer now');
      assert.equal(await ctx.receive((m) => m === 42), 42);
      const { events } = await t.collect();
      const [it, by] = [server.toString(), caller.toString()];
      const replies = events.filter((e) => e.kind === 'send' && e.pid === it && e.message.startsWith('ReplyMessage'));
      assert.equal(replies.length, 1, JSON.stringify(events));
      assert.equal(replies[0]!.kind === 'send' ? replies[0]!.to : '', by);
      assert.match(replies[0]!.kind === 'send' ? replies[0]!.message : '', /^ReplyMessage \{ tag: #Ref<[\d.]+>, value: 42 \}$/);
      assert.ok(events.some((e) => e.kind === 'receive' && e.pid === by && e.from === it), 'the caller receives the reply from the server');
      runtime.genServer.stop(ctx, server);
    });
  }));

test("a traced gen_statem's sendReply(from, v) after the call's transition is its send, as a reply action is", () =>
  withNode(async (node) => {
    await node.run(async (ctx) => {
      const tester = ctx.self();
      const { genStatem } = runtime;
      const machine = await genStatem.start(ctx, {
        callbackMode: 'handleEvent',
        init: () => genStatem.ok('s', null as runtime.From<number> | null),
        handleEvent(event: { type: string; from?: runtime.From<number> }, _state: string, held: runtime.From<number> | null, c: ProcessContext) {
          if (event.type === 'call') {
            c.send(tester, 'held');
            return genStatem.keepState(event.from!);
          }
          if (held !== null) genStatem.sendReply(held, 42);
          return genStatem.keepState(null);
        },
      } as never, undefined);
      const caller = ctx.spawn(async (c) => {
        await c.receive((m) => m === 'go');
        c.send(tester, await genStatem.call(c, machine as never, 1));
      });
      const t = await traceAs(ctx, { messages: true, pids: [machine.toString(), caller.toString()], limit: 8 });
      ctx.send(caller, 'go');
      await ctx.receive((m) => m === 'held');
      ctx.send(machine, 'answer now');
      assert.equal(await ctx.receive((m) => m === 42), 42);
      const { events } = await t.collect();
      const replies = events.filter((e) => e.kind === 'send' && e.pid === machine.toString() && e.message.startsWith('ReplyMessage'));
      assert.equal(replies.length, 1, JSON.stringify(events));
      assert.equal(replies[0]!.kind === 'send' ? replies[0]!.to : '', caller.toString());
      genStatem.stop(ctx, machine);
    });
  }));

test("a traced gen_server's replies are its sends, and the caller receives them from it, as OTP's reply is a send", () =>
  withNode(async (node) => {
    await node.run(async (ctx) => {
      const server = await runtime.genServer.start(ctx, { init: () => runtime.ok(0), handleCall: (n: number, _from: unknown, s: number) => runtime.reply(n + s, s) }, undefined);
      // The caller is a process of its own: the trace's client is never traced.
      const caller = ctx.spawn(async (c) => {
        await c.receive((m) => m === 'go');
        c.send(ctx.self(), await runtime.genServer.call(c, server, 41));
      });
      const t = await traceAs(ctx, { messages: true, pids: [server.toString(), caller.toString()], limit: 5 });
      ctx.send(caller, 'go');
      assert.equal(await ctx.receive((m) => m === 41), 41);
      const { events } = await t.collect();
      const [it, by] = [server.toString(), caller.toString()];
      assert.deepEqual(
        events.slice(1).map((e) => [e.kind, e.pid, e.kind === 'receive' ? e.from : e.kind === 'send' ? e.to : '']),
        [['send', by, it], ['receive', it, by], ['send', it, by], ['receive', by, it]],
      );
      assert.match(events[3]!.kind === 'send' ? events[3]!.message : '', /^ReplyMessage \{ tag: #Ref<[\d.]+>, value: 41 \}$/);
      runtime.genServer.stop(ctx, server);
    });
  }));

test('a traced function is traced however it is reached: through a module that re-exports it (named, renamed, export *), once per call, and every table is restored after', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const code = codeServerOf(node);
    await code.load(compile('shop/index', `export { remove, remove as drop } from './cart'; export * from './cart';`));
    const barrel = code.exportsOf('shop/index') as unknown as { remove(item: string): unknown; drop(item: string): unknown; add(ctx: unknown, item: string, qty: number): unknown };
    const original = m.remove;
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 3 });
      barrel.remove('via-barrel');
      barrel.drop('via-rename');
      m.remove('direct');
      const { events } = await t.collect();
      assert.deepEqual(events.map((e) => e.kind === 'call' && `${e.fn}(${e.args.join(', ')})`), ['shop/cart.remove("via-barrel")', 'shop/cart.remove("via-rename")', 'shop/cart.remove("direct")']);
      for (const f of [m.remove, barrel.remove, barrel.drop]) assert.equal(f, original, 'the original is back in every table');
      // Patterns naming the same function twice (the module and its barrel) report each call once.
      const both = await traceAs(ctx, { patterns: ['shop/cart.add', 'shop/index.add'], limit: 2 });
      barrel.add(ctx, 'one', 1);
      m.add(ctx, 'two', 2);
      const twice = await both.collect();
      assert.deepEqual(twice.events.map((e) => e.kind === 'call' && e.args[1]), ['"one"', '"two"']);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
    });
  }));

test("a class's static and prototype methods are traced as module.Class.method and module.Class.prototype.method, with this kept", () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load(compile('shop/basket', `export class Basket { items: string[] = []; add(x: string) { this.items.push(x); return this.items.length; } static make() { return new Basket(); } }`));
    const { Basket } = code.exportsOf('shop/basket') as unknown as { Basket: { make(): { add(x: string): number } } };
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/basket.Basket.make', 'shop/basket.Basket.prototype.add'], returns: true, limit: 3 });
      assert.deepEqual(t.functions, ['shop/basket.Basket.make', 'shop/basket.Basket.prototype.add']);
      const b = Basket.make();
      assert.equal(b.add('pear'), 1);
      assert.equal(b.add('fig'), 2, 'the method still sees its instance');
      const { events } = await t.collect();
      assert.deepEqual(events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && `${e.fn}(${e.args.join(', ')})`), ['shop/basket.Basket.make()', 'shop/basket.Basket.prototype.add("pear")', 'shop/basket.Basket.prototype.add("fig")']);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
      assert.equal(Basket.make().add('x'), 1, 'restored');
      // A misspelt method is refused with the class's methods as the closest names.
      const r = await traceAgentOf(node).start({ patterns: ['shop/basket.Basket.prototype.ad'], client: ctx.self() });
      assert.ok(!r.ok && /\(closest: shop\/basket\.Basket\.prototype\.add\)/.test(r.error), JSON.stringify(r));
    });
  }));

test('a traced function behaves as the original: the same arity for code that reads it, and `new` builds an instance of the original', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    const src = `
export function onError(err: unknown, req: unknown, res: unknown, next: unknown) { return 'handled'; }
export function Point(this: { x: number }, x: number) { this.x = x; }
Point.prototype.double = function (this: { x: number }) { return this.x * 2; };
`;
    await code.load(compile('shop/legacy', src));
    const m = code.exportsOf('shop/legacy') as unknown as { onError: (...a: unknown[]) => unknown; Point: new (x: number) => { x: number; double(): number } };
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/legacy.*'], returns: true, limit: 1 });
      // Express tells an error handler from other middleware by its four parameters.
      assert.equal(m.onError.length, 4);
      const p = new m.Point(21);
      assert.ok(p instanceof m.Point, 'an instance of the traced constructor');
      assert.equal(p.double(), 42, 'with the prototype of the original');
      const { events } = await t.collect();
      assert.deepEqual(events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && `${e.fn}(${e.args.join(', ')})`), ['shop/legacy.Point(21)']);
      assert.ok(new m.Point(1) instanceof m.Point, 'restored');
    });
  }));

test('a traced function a reload removes is not put back: the table keeps no key for it, during the trace or after', () =>
  withNode(async (node) => {
    const m = await loaded(node);
    const code = codeServerOf(node);
    const v1Remove = m.remove;
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 5 });
      await code.load(compile('shop/cart', cart.replace(/export function remove[^\n]*\n/, ''), '2'));
      assert.deepEqual(Object.keys(m).sort(), ['add', 'server', 'slow'], 'no key for the removed export while traced');
      assert.throws(() => m.remove('gone'), { name: 'RemovedExportError' });
      traceAgentOf(node).stop(t.session);
      await t.collect();
      assert.deepEqual(Object.keys(m).sort(), ['add', 'server', 'slow'], 'no key for the removed export after the trace');
      assert.equal(Object.hasOwn(m, 'remove'), false);
      // A function of the old version, called as OTP's external call, keeps running its own code (as untraced).
      assert.equal(code.latest(v1Remove), v1Remove);
      // A later version exporting it again is traced afresh by a new session, and restored after.
      await code.load(compile('shop/cart', cart, '3'));
      const again = await traceAs(ctx, { patterns: ['shop/cart.remove'], limit: 1 });
      m.remove('back');
      const { events } = await again.collect();
      assert.deepEqual(events.map((e) => e.kind === 'call' && e.args[0]), ['"back"']);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
    });
  }));

test('a pattern naming a getter is refused as an accessor, not as a missing function with an unrelated closest name', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load(compile('shop/prices', `export const table = { get total() { throw new Error('ran'); }, sum(a: number) { return a; } };
export class Till { get open() { return true; } static get count() { return 1; } close() { return false; } }`));
    await node.run(async (ctx) => {
      for (const [pattern, id] of [['shop/prices.table.total', 'shop/prices.table.total'], ['shop/prices.Till.prototype.open', 'shop/prices.Till.prototype.open'], ['shop/prices.Till.count', 'shop/prices.Till.count']]) {
        const r = await traceAgentOf(node).start({ patterns: [pattern!], client: ctx.self() });
        assert.ok(!r.ok && r.code === 'nomatch', pattern);
        assert.equal(r.error, `${id} is a getter or setter (an accessor property), not a function: tracing wraps functions and never runs accessors, so trace the functions it calls`);
        assert.deepEqual(r.suggestions, []);
      }
      // A name nothing has is still answered with the closest names.
      const r = await traceAgentOf(node).start({ patterns: ['shop/prices.table.sun'], client: ctx.self() });
      assert.ok(!r.ok && /no function 'table\.sun' in shop\/prices \(closest: shop\/prices\.table\.sum\)/.test(r.error), r.ok ? '' : r.error);
    });
  }));

test('a hot upgrade to a version that freezes a traced object loads: its function runs untraced, and a later version is traced again', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    const server = (body: string) => `export const server = ${body.replace('BODY', '{ handleCall(x: number) { return x * VSN; } }')};`;
    await code.load(compile('shop/frozen', server('BODY').replace('VSN', '1'), '1'));
    await code.load(compile('shop/user', `export { server } from './frozen';`));
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/frozen.server.handleCall'], limit: 2 });
      await code.load(compile('shop/frozen', server('Object.freeze(BODY)').replace('VSN', '2'), '2'));
      const table = code.exportsOf('shop/frozen') as unknown as { server: { handleCall(x: number): number } };
      assert.equal(code.record('shop/frozen').current!.vsn, '2');
      assert.equal(table.server.handleCall(5), 10);
      // The re-exporting module was re-pointed too: the load went all the way.
      assert.equal((code.exportsOf('shop/user') as unknown as typeof table).server, table.server);
      await code.load(compile('shop/frozen', server('BODY').replace('VSN', '3'), '3'));
      assert.equal(table.server.handleCall(1), 3);
      assert.equal(table.server.handleCall(2), 6);
      const { events } = await t.collect();
      assert.deepEqual(events.filter((e) => e.kind !== 'call').map((e) => e.kind), ['untraced', 'retraced']);
      assert.deepEqual(events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && e.args[0]), ['1', '2']);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
    });
  }));

test('a hot upgrade that removes or freezes a traced function tells each session tracing it, and traced and sessions stop listing it', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    const v = (vsn: string, { freeze = false, f = true } = {}) => `${f ? `export function f(x: number) { return x * ${vsn}; }\n` : ''}export function g(x: number) { return x; }
export const server = ${freeze ? 'Object.freeze(' : '('}{ handleCall(x: number) { return x * ${vsn}; } });`;
    await code.load(compile('shop/x', v('1'), '1'));
    const agent = traceAgentOf(node);
    await node.run(async (ctx) => {
      const t = await traceAs(ctx, { patterns: ['shop/x.f', 'shop/x.g', 'shop/x.server.handleCall'], limit: 5 });
      await code.load(compile('shop/x', v('2', { f: false }), '2'));
      assert.deepEqual(agent.tracedFunctions().sort(), ['shop/x.g', 'shop/x.server.handleCall']);
      assert.deepEqual(agent.list()[0]!.functions.sort(), ['shop/x.g', 'shop/x.server.handleCall']);
      await code.load(compile('shop/x', v('3', { freeze: true }), '3'));
      assert.deepEqual(agent.tracedFunctions().sort(), ['shop/x.f', 'shop/x.g']);
      assert.deepEqual(agent.list()[0]!.functions.sort(), ['shop/x.f', 'shop/x.g']);
      // A new session cannot join the frozen function's idle wrapper: it is refused as any frozen one.
      const joined = await agent.start({ patterns: ['shop/x.server.handleCall'], client: ctx.self() });
      assert.ok(!joined.ok && /^shop\/x\.server\.handleCall cannot be traced: shop\/x\.server is frozen/.test(joined.error), JSON.stringify(joined));
      const m = code.exportsOf('shop/x') as unknown as { f(x: number): number; g(x: number): number; server: { handleCall(x: number): number } };
      assert.equal(m.server.handleCall(1), 3);
      m.g(7);
      traceAgentOf(node).stop(t.session);
      const { events } = await t.collect();
      const notices = events.filter((e) => e.kind === 'untraced' || e.kind === 'retraced').map((e) => e.kind === 'untraced' || e.kind === 'retraced' ? `${e.kind} ${e.fn}: ${e.reason}` : '');
      assert.deepEqual(notices, [
        'untraced shop/x.f: version 2 of shop/x removed it; this session traces it again if a later version lets it',
        'retraced shop/x.f: version 3 of shop/x lets a tracing wrapper stand in for it again',
        'untraced shop/x.server.handleCall: version 3 of shop/x loaded and shop/x.server is frozen (Object.freeze), so no tracing wrapper can stand in for it; this session traces it again if a later version lets it',
      ]);
      assert.deepEqual(events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && e.fn), ['shop/x.g']);
      assert.deepEqual(agent.tracedFunctions(), []);
    });
  }));
