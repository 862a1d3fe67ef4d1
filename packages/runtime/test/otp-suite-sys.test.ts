// Cases mirroring OTP's lib/stdlib/test/sys_SUITE.erl (log, install, special_process), each named after the
// case it follows, plus the same debug options on gen_statem and gen_event, which OTP's sys serves alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { createNode, genEvent, genServer, genStatem, ok, reply, setMessageIsolation, stop, sys, TIMEOUT, type OtpNode, type GenServer, type GenStatem, type Pid, type ProcessContext, type SysEvent } from '@otp-ts/runtime';
import fc from 'fast-check';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { quietLogs, withNode } from './helpers.ts';


// sys_SUITE's dummy server: {req, N} answers {ok, -N} and counts the calls in its state.
type Req = { req: number } | 'stop';
const server: GenServer<number, Req, never, unknown, void> = {
  name: 'sys_suite_server',
  init: () => ok(0),
  handleCall: (r, _from, n) => (r === 'stop' ? stop('normal', n, 'ok') : reply({ ok: -r.req }, n + 1)),
};

test('sys_SUITE: log — the last events of a gen_server while logging is on, bounded, dropped when off', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, server, undefined);
      await sys.log(ctx, srv, true);
      assert.deepEqual(await genServer.call(ctx, srv, { req: 44 }), { ok: -44 });
      const log = await sys.getLog(ctx, srv);
      assert.deepEqual(log, [
        { type: 'in', kind: 'call', message: { req: 44 }, from: ctx.self() },
        { type: 'out', reply: { ok: -44 }, to: ctx.self(), state: 1 },
      ]);
      // Bounded: only the last N events are kept (sys:log(Name, {true, N})).
      await sys.log(ctx, srv, { max: 3 });
      for (let i = 1; i <= 5; i++) await genServer.call(ctx, srv, { req: i });
      const bounded = await sys.getLog(ctx, srv);
      assert.equal(bounded.length, 3);
      assert.deepEqual(bounded.at(-1), { type: 'out', reply: { ok: -5 }, to: ctx.self(), state: 6 });
      await sys.log(ctx, srv, false);
      await genServer.call(ctx, srv, { req: 9 });
      assert.deepEqual(await sys.getLog(ctx, srv), []);
      assert.equal(await genServer.call(ctx, srv, 'stop'), 'ok');
    }),
  );
});

test('sys_SUITE: install — a debug function sees each event until no_debug or remove; installing it twice keeps one', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, server, undefined, { name: 'sys_suite_server' });
      const master = ctx.self();
      const spy = (funState: string, event: SysEvent, procState: unknown): string => {
        if (event.type === 'in' && event.kind === 'call') ctx.send(master, { spyGot: (event.message as { req: number }).req, funState, procState });
        return funState;
      };
      await sys.install(ctx, 'sys_suite_server', spy, 'funcState');
      assert.deepEqual(await genServer.call(ctx, srv, { req: 1 }), { ok: -1 });
      await sys.noDebug(ctx, 'sys_suite_server');
      assert.deepEqual(await genServer.call(ctx, srv, { req: 2 }), { ok: -2 });
      await sys.install(ctx, 'sys_suite_server', spy, 'funcState');
      await sys.install(ctx, 'sys_suite_server', spy, 'funcState');
      assert.deepEqual(await genServer.call(ctx, srv, { req: 3 }), { ok: -3 });
      await sys.remove(ctx, 'sys_suite_server', spy);
      assert.deepEqual(await genServer.call(ctx, srv, { req: 4 }), { ok: -4 });
      const got: unknown[] = [];
      for (let m = ctx.receiveNow(); m !== TIMEOUT; m = ctx.receiveNow()) got.push(m);
      // The third argument is the process's state before the call (OTP passes the server's name; see docs/runtime.md).
      assert.deepEqual(got, [
        { spyGot: 1, funState: 'funcState', procState: 0 },
        { spyGot: 3, funState: 'funcState', procState: 2 },
      ]);
      await genServer.call(ctx, srv, 'stop');
    }),
  );
});

test('sys_SUITE: install — a debug function threads its state, removes itself with done, and one that throws is removed', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, server, undefined);
      const master = ctx.self();
      // Counts events and reports the count; done after the fourth (two calls: in + out each).
      await sys.install(ctx, srv, (n: number, event) => {
        ctx.send(master, { counted: n + 1, type: event.type });
        return n + 1 === 4 ? 'done' : n + 1;
      }, 0, { id: 'counter' });
      await sys.install(ctx, srv, () => {
        throw new Error('a broken debug function');
      }, null, { id: 'broken' });
      for (let i = 1; i <= 3; i++) assert.deepEqual(await genServer.call(ctx, srv, { req: i }), { ok: -i });
      const got: unknown[] = [];
      for (let m = ctx.receiveNow(); m !== TIMEOUT; m = ctx.receiveNow()) got.push(m);
      assert.deepEqual(got, [
        { counted: 1, type: 'in' },
        { counted: 2, type: 'out' },
        { counted: 3, type: 'in' },
        { counted: 4, type: 'out' },
      ]);
      // The server survived its broken debug function, and with both gone it carries no debug record.
      assert.deepEqual(await sys.getState(ctx, srv), 3);
    }),
  );
});

test('sys_SUITE: log on a gen_statem — events in their state, state changes and replies; no_debug clears log and statistics', async () => {
  type St = 'off' | 'on';
  const sw: GenStatem<St, number, 'flip', never, unknown, void> = {
    name: 'switch',
    callbackMode: 'stateFunctions',
    init: () => genStatem.ok('off', 0),
    states: {
      off: (e, n) => (e.type === 'call' ? genStatem.nextState('on', n + 1, [genStatem.reply(e.from, 'on')]) : genStatem.keepStateAndData()),
      on: (e, n) => (e.type === 'call' ? genStatem.nextState('off', n + 1, [genStatem.reply(e.from, 'off')]) : genStatem.keepStateAndData()),
    },
  };
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, sw, undefined);
      await sys.log(ctx, pid, true);
      await sys.statistics(ctx, pid, true);
      assert.equal(await genStatem.call(ctx, pid, 'flip'), 'on');
      assert.deepEqual(await sys.getLog(ctx, pid), [
        { type: 'in', kind: 'call', message: 'flip', state: 'off', from: ctx.self() },
        { type: 'out', reply: 'on', to: ctx.self() },
        { type: 'stateChange', state: 'on' },
      ]);
      await sys.noDebug(ctx, pid);
      assert.equal(await sys.statistics(ctx, pid, 'get'), null);
      assert.deepEqual(await sys.getLog(ctx, pid), []);
    }),
  );
});

test('sys_SUITE: log on a gen_event manager — notifications and requests', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const mgr = await genEvent.startLink(ctx);
      await genEvent.addHandler(ctx, mgr, { name: 'sink', init: () => genEvent.ok(null), handleEvent: (_e: string, s: null) => genEvent.ok(s) }, undefined);
      await sys.log(ctx, mgr, { max: 5 });
      genEvent.notify(ctx, mgr, 'alarm');
      await genEvent.syncNotify(ctx, mgr, 'cleared');
      const log = await sys.getLog(ctx, mgr);
      assert.deepEqual(log[0], { type: 'in', kind: 'notify', message: 'alarm' });
      assert.equal(log[1]!.type, 'in');
      assert.equal((log[1] as { kind: string }).kind, 'request');
      assert.ok(log.some((e) => e.type === 'out' && e.to === ctx.self()));
    }),
  );
});

test('sys_SUITE: special_process — a sys.special process logs the messages it takes and its own events, and runs installed functions', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const worker = { name: 'allocator' };
      const pid: Pid = ctx.spawn(async (c: ProcessContext) => {
        const me = sys.special(c, worker, { free: [1, 2, 3] as number[] });
        for (;;) {
          const msg = await c.receive();
          if (await me.handleSystem(msg)) continue;
          const { alloc } = msg as { alloc: Pid };
          const ch = me.state.free.shift();
          me.debug({ type: 'custom', event: { allocated: ch } });
          c.send(alloc, ch);
        }
      });
      await sys.log(ctx, pid, true);
      ctx.send(pid, { alloc: ctx.self() });
      assert.equal(await ctx.receive(), 1);
      assert.deepEqual(await sys.getLog(ctx, pid), [
        { type: 'in', kind: 'info', message: { alloc: ctx.self() } },
        { type: 'custom', event: { allocated: 1 } },
      ]);
      const master = ctx.self();
      await sys.install(ctx, pid, (_s: null, event, procState) => (ctx.send(master, { event, procState: structuredClone(procState) }), null), null);
      ctx.send(pid, { alloc: ctx.self() });
      assert.equal(await ctx.receive((m) => m === 2), 2);
      const seen = await ctx.receive((m): m is { event: SysEvent; procState: unknown } => typeof m === 'object' && m !== null && 'procState' in m);
      assert.equal(seen.event.type, 'in');
      ctx.exit(pid, 'kill');
    }),
  );
});

test('sys.log refuses a bound that is not a positive integer, naming it', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, server, undefined);
      await assert.rejects(sys.log(ctx, srv, { max: 0 }), /positive integer bound, got 0/);
    }),
  );
});

test('the example of docs/sys.md runs and gives what its comments say', async () => {
  const doc = readFileSync(new URL('../../../docs/sys.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block !== undefined, 'the doc has a ts example');
  const imports = /^import \{([^}]*)\} from '@otp-ts\/runtime';\n/m.exec(block);
  assert.ok(imports !== null, 'the example imports from @otp-ts/runtime');
  const body = `${transformSync(block.replace(imports[0], ''), { loader: 'ts' }).code}\nreturn { log, calls, after: await sys.getLog(ctx, srv) };`;
  const names = imports[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction('ctx', ...names, body);
  await withNode((node) =>
    node.run(async (ctx) => {
      const out = (await run(ctx, ...names.map((n) => (runtime as Record<string, unknown>)[n]))) as { log: SysEvent[]; calls: number[]; after: SysEvent[] };
      assert.deepEqual(out.log, [
        { type: 'in', kind: 'call', message: 5, from: ctx.self() },
        { type: 'out', reply: 5, to: ctx.self(), state: 5 },
      ]);
      assert.deepEqual(out.calls, [1, 2, 3]);
      assert.deepEqual(out.after, []);
    }),
  );
});

test('sys.log keeps exactly the last N events under any sequence of calls, re-bounds and switches (against a model)', async () => {
  type Op = { call: number } | { log: number } | 'off';
  const op = fc.oneof(fc.integer({ min: 1, max: 99 }).map((n): Op => ({ call: n })), fc.integer({ min: 1, max: 6 }).map((m): Op => ({ log: m })), fc.constant<Op>('off'));
  await withNode((node) =>
    node.run(async (ctx) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
          const srv = await genServer.start(ctx, server, undefined);
          let model = null as { max: number; events: SysEvent[] } | null;
          let count = 0;
          for (const o of ops) {
            if (o === 'off') {
              await sys.log(ctx, srv, false);
              model = null;
            } else if ('log' in o) {
              await sys.log(ctx, srv, { max: o.log });
              model = { max: o.log, events: (model?.events ?? []).slice(-o.log) };
            } else {
              await genServer.call(ctx, srv, { req: o.call });
              count++;
              if (model) {
                model.events.push({ type: 'in', kind: 'call', message: { req: o.call }, from: ctx.self() }, { type: 'out', reply: { ok: -o.call }, to: ctx.self(), state: count });
                model.events = model.events.slice(-model.max);
              }
            }
            assert.deepEqual(await sys.getLog(ctx, srv), model?.events ?? []);
          }
          await genServer.stop(ctx, srv);
        }),
        { numRuns: 60 },
      );
    }),
  );
});

test('gen_server_SUITE / gen_statem_SUITE: the debug start option ({debug, [log, statistics]}) switches sys debugging on from the start', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined, { debug: ['log', 'statistics'] });
      await genServer.call(ctx, srv, { req: 7 });
      assert.deepEqual(await sys.getLog(ctx, srv), [
        { type: 'in', kind: 'call', message: { req: 7 }, from: ctx.self() },
        { type: 'out', reply: { ok: -7 }, to: ctx.self(), state: 1 },
      ]);
      assert.equal((await sys.statistics(ctx, srv, 'get'))?.messagesIn, 1);
      const sm: GenStatem<'s', null, 'ping', never, unknown, void> = {
        callbackMode: 'handleEvent',
        init: () => genStatem.ok('s', null),
        handleEvent: (e) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, 'pong')]) : genStatem.keepStateAndData()),
      };
      const m = await genStatem.start(ctx, sm, undefined, { debug: [{ log: 1 }] });
      await genStatem.call(ctx, m, 'ping');
      assert.deepEqual(await sys.getLog(ctx, m), [{ type: 'out', reply: 'pong', to: ctx.self() }]);
      const mgr = await genEvent.start(ctx, { debug: ['log'] });
      genEvent.notify(ctx, mgr, 'boot');
      assert.deepEqual((await sys.getLog(ctx, mgr))[0], { type: 'in', kind: 'notify', message: 'boot' });
      // A server started without it carries no debug record.
      const plain = await genServer.start(ctx, server, undefined);
      await genServer.call(ctx, plain, { req: 1 });
      assert.deepEqual(await sys.getLog(ctx, plain), []);
      await assert.rejects(genServer.start(ctx, server, undefined, { debug: ['loud' as never] }), /unknown debug start option "loud"/);
    }),
  );
});

test('gen_server_SUITE: a crash report carries the sys log of the server (OTP\'s crash report log), and nothing without one', async () => {
  const crashy: GenServer<number, 'boom' | 'fine', never, string, void> = {
    name: 'sys_crashy',
    init: () => ok(0),
    handleCall: (r, _from, n) => {
      if (r === 'boom') throw new Error('boom');
      return reply('fine', n + 1);
    },
  };
  await withNode(async (node) => {
    const events = quietLogs(node);
    await node.run(async (ctx) => {
      const logged = await genServer.start(ctx, crashy, undefined, { debug: [{ log: 5 }] });
      await genServer.call(ctx, logged, 'fine');
      await assert.rejects(genServer.call(ctx, logged, 'boom'));
      const plain = await genServer.start(ctx, crashy, undefined);
      await assert.rejects(genServer.call(ctx, plain, 'boom'));
      const crashes = events.map((e) => e.message as { kind?: string; pid?: unknown; log?: SysEvent[] }).filter((m) => m.kind === 'crash');
      const withLog = crashes.find((m) => m.pid === logged)!;
      assert.deepEqual(withLog.log, [
        { type: 'in', kind: 'call', message: 'fine', from: ctx.self() },
        { type: 'out', reply: 'fine', to: ctx.self(), state: 1 },
        { type: 'in', kind: 'call', message: 'boom', from: ctx.self() },
      ]);
      assert.equal('log' in crashes.find((m) => m.pid === plain)!, false);
    });
  });
});

test('sys.log and sys.getLog reach a server on another node; install refuses to send a function there', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of ['syslogA', 'syslogB']) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'syslog', epmdPort, log: () => {} });
      nodes.push(node);
    }
    const [a, b] = nodes as [OtpNode, OtpNode];
    assert.equal(await a.ping(b.name), true);
    await b.run((ctx) => genServer.start(ctx, server, undefined, { name: 'sys_remote' }));
    await a.run(async (ctx) => {
      const remote = { name: 'sys_remote', node: b.name };
      await sys.log(ctx, remote, { max: 4 });
      assert.deepEqual(await genServer.call(ctx, remote, { req: 3 }), { ok: -3 });
      const log = await sys.getLog(ctx, remote);
      assert.deepEqual(log.map((e) => e.type), ['in', 'out']);
      assert.equal(String((log[0] as { from: unknown }).from), String(ctx.self()));
      await sys.noDebug(ctx, remote);
      assert.deepEqual(await sys.getLog(ctx, remote), []);
      await assert.rejects(sys.install(ctx, remote, (s: null) => s, null));
    });
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
});

test('with message isolation on, sys.getLog hands out the logged states without freezing the server\'s own state', async () => {
  const was = setMessageIsolation(true);
  try {
    // A server that changes its state object in place: freezing it (as a sent message is) would break the next call.
    const counter: GenServer<{ n: number }, 'inc', never, number, void> = {
      name: 'sys_inplace',
      init: () => ok({ n: 0 }),
      handleCall: (_r, _from, s) => {
        s.n++;
        return reply(s.n, s);
      },
    };
    await withNode((node) =>
      node.run(async (ctx) => {
        const srv = await genServer.start(ctx, counter, undefined, { debug: ['log'] });
        assert.equal(await genServer.call(ctx, srv, 'inc'), 1);
        const log = await sys.getLog(ctx, srv);
        assert.equal(log.length, 2);
        assert.equal(await genServer.call(ctx, srv, 'inc'), 2, 'the server still changes its state after getLog');
      }),
    );
  } finally {
    setMessageIsolation(was);
  }
});
