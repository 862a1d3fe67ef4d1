import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  StartError} from '@otp-ts/runtime';
import {
  genServer,
  ok,
  ignore,
  reply,
  noreply,
  stop,
  sys,
  CallError,
  BadReturnValue,
  isDown,
  type Down,
  type GenServer,
  type From,
  type Pid,
  type ViaRegistry,
} from '@otp-ts/runtime';
import { quietLogs, withNode, ended } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

type CounterCall = { op: 'get' } | { op: 'add'; n: number } | { op: 'slow'; ms: number } | { op: 'later' } | { op: 'stop' } | { op: 'crash' };
type CounterCast = { op: 'reset' } | { op: 'boom' };

const counter: GenServer<number, CounterCall, CounterCast, number, number> = {
  name: 'counter',
  init: (start) => ok(start),
  handleCall(req, from, n, ctx) {
    switch (req.op) {
      case 'get':
        return reply(n, n);
      case 'add':
        return reply(n + req.n, n + req.n);
      case 'slow':
        return ctx.sleep(req.ms).then(() => reply(n, n));
      case 'later':
        ctx.sendAfter(5, ctx.self(), { answer: from });
        return noreply(n);
      case 'stop':
        return stop('normal', n, n);
      case 'crash':
        throw new Error('crashed on purpose');
    }
  },
  handleCast(req) {
    if (req.op === 'boom') return { type: 'nonsense' } as never;
    return noreply(0);
  },
  handleInfo(msg, n) {
    const m = msg as { answer?: From<number> };
    if (m.answer) reply(m.answer, n * 100);
    return noreply(n);
  },
};

test('call, cast and a typed client API round-trip through the callbacks', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, counter, 10, { name: 'counter' });
      const a = await genServer.call(ctx, srv, { op: 'add', n: 5 });
      const b = await genServer.call(ctx, 'counter', { op: 'get' });
      genServer.cast(ctx, srv, { op: 'reset' });
      const c = await genServer.call(ctx, srv, { op: 'get' });
      return [a, b, c];
    });
    assert.deepEqual(got, [15, 15, 0]);
  });
});

test('a deferred reply through reply(from, value) reaches the caller', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, counter, 3);
      return genServer.call(ctx, srv, { op: 'later' });
    });
    assert.equal(got, 300);
  });
});

test('a call times out with CallError timeout and the late reply never lands in the mailbox', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, counter, 1);
      let failure: unknown;
      try {
        await genServer.call(ctx, srv, { op: 'slow', ms: 50 }, 10);
      } catch (e) {
        failure = e;
      }
      // The server handles this call after the slow one, so a late reply to that one would be here before its answer.
      await genServer.call(ctx, srv, { op: 'get' });
      return [failure, ctx.processInfo(ctx.self())!.messageQueueLen];
    });
    assert.ok(got[0] instanceof CallError);
    assert.equal((got[0] as CallError).failure, 'timeout');
    assert.match((got[0] as CallError).message, /timed out after 10 ms/);
    assert.equal(got[1], 0);
  });
});

test('an uncaught call timeout exits the caller with the CallError as reason', async () => {
  await withNode(async (node) => {
    const reason = await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, 1);
      const [, ref] = ctx.spawnMonitor(async (c) => {
        await genServer.call(c, srv, { op: 'slow', ms: 50 }, 5);
      });
      return (await ctx.receive((m) => isDown(m, ref))).reason;
    });
    assert.ok(reason instanceof CallError && reason.failure === 'timeout');
  });
});

test('calling an unknown name or a dead pid fails with noproc; a server dying mid-call gives its reason', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const got = await node.run(async (ctx) => {
      const out: unknown[] = [];
      for (const target of ['nobody', ctx.spawn(async () => {})]) {
        if (typeof target !== 'string') await ended(ctx, target);
        try {
          await genServer.call(ctx, target, { op: 'get' });
        } catch (e) {
          out.push((e as CallError).failure);
        }
      }
      const srv = await genServer.start(ctx, counter, 1);
      try {
        await genServer.call(ctx, srv, { op: 'crash' });
      } catch (e) {
        out.push(((e as CallError).failure as Error).message);
      }
      return out;
    });
    assert.deepEqual(got, ['noproc', 'noproc', 'crashed on purpose']);
  });
});

test('a bad callback return crashes the server with BadReturnValue and a crash report', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const reason = await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, 1);
      const ref = ctx.monitor(srv);
      genServer.cast(ctx, srv, { op: 'boom' });
      return (await ctx.receive((m) => isDown(m, ref))).reason;
    });
    assert.ok(reason instanceof BadReturnValue);
    assert.equal(reason.callback, 'handleCast');
    const crash = logs.find((e) => typeof e.message === 'object' && e.message.kind === 'crash');
    assert.ok(crash, 'a crash report was logged');
    assert.deepEqual((crash.message as unknown as { lastMessage: { request: unknown } }).lastMessage.request, { op: 'boom' });
    assert.equal((crash.message as unknown as { state: unknown }).state, 1);
  });
});

test('init may stop, ignore, crash or take too long: startLink throws StartError and frees the name', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const mk = (init: GenServer<number, never, never, never, void>['init']): GenServer<number, never, never, never, void> => ({ init });
    const got = await node.run(async (ctx) => {
      ctx.trapExit(true);
      const out: unknown[] = [];
      for (const mod of [mk(() => stop('bad config')), mk(() => ignore()), mk(() => { throw new Error('init threw'); }), mk(async (_args, c) => { await c.sleep(1000); return ok(1); })]) {
        try {
          await genServer.startLink(ctx, mod, undefined, { name: 'svc', timeout: 30 });
          out.push('started');
        } catch (e) {
          const r = (e as StartError).reason;
          out.push(r instanceof Error ? r.message : r);
        }
        out.push(ctx.whereis('svc') === undefined);
      }
      return out;
    });
    assert.deepEqual(got, ['bad config', true, 'ignore', true, 'init threw', true, 'timeout', true]);
  });
});

test('a name already taken fails the start with alreadyStarted and the holder', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const first = await genServer.startLink(ctx, counter, 0, { name: 'only' });
      await assert.rejects(genServer.startLink(ctx, counter, 0, { name: 'only' }), (e: StartError) => e.reason === 'alreadyStarted' && e.pid === first);
    });
  });
});

test('stop runs terminate and waits for the server to exit; a trapping server runs terminate on its parent\'s exit', async () => {
  await withNode(async (node) => {
    const terminated: unknown[] = [];
    const mod: GenServer<null, never, never, never, boolean> = {
      init: (trap, ctx) => {
        ctx.trapExit(trap);
        return ok(null);
      },
      terminate: (reason) => {
        terminated.push(reason);
      },
    };
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, mod, false);
      await genServer.stop(ctx, srv, 'shutdown');
      assert.equal(ctx.isAlive(srv), false);
      await assert.rejects(genServer.stop(ctx, srv), (e: CallError) => e.failure === 'noproc');
    });
    let child!: ReturnType<typeof Object>;
    const parent = node.spawn(async (ctx) => {
      child = await genServer.startLink(ctx, mod, true);
      await ctx.receive();
    });
    while (child === undefined) await new Promise((r) => setImmediate(r));
    node.exit(parent, 'shutdown');
    await waitFor('both servers to run terminate', () => terminated.length >= 2);
    assert.deepEqual(terminated, ['shutdown', 'shutdown']);
  });
});

test('a stop result from handleCall with a reply answers after terminate ran, then the server exits (OTP order)', async () => {
  await withNode(async (node) => {
    const events: string[] = [];
    const mod: GenServer<number, 'stop', never, number, number> = {
      init: (n) => ok(n),
      handleCall: (_req, _from, n) => stop('normal', n, n),
      terminate: () => {
        events.push('terminate');
      },
    };
    const got = await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, mod, 7);
      const ref = ctx.monitor(srv);
      const r = await genServer.call(ctx, srv, 'stop');
      events.push('reply');
      const down = await ctx.receive((m) => isDown(m, ref), 20_000);
      return [r, (down as Down).reason];
    });
    assert.deepEqual(got, [7, 'normal']);
    assert.deepEqual(events, ['terminate', 'reply']);
  });
});

test('timeout, continue and hibernate actions', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const mod: GenServer<number, 'go', never, number, void> = {
      init: () => ok(0, { continue: 'warmup' }),
      handleContinue: (arg, n) => {
        seen.push(`continue ${String(arg)}`);
        return noreply(n + 1, 'hibernate');
      },
      handleCall: (_req, _from, n) => reply(n, n, 10),
      handleInfo: (msg, n) => {
        seen.push(`info ${String(msg)}`);
        return noreply(n);
      },
    };
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, mod, undefined);
      assert.equal(await genServer.call(ctx, srv, 'go'), 1);
      await waitFor('the timeout to reach handleInfo', () => seen.length >= 2);
    });
    assert.deepEqual(seen, ['continue warmup', 'info timeout']);
  });
});

test('sys: getState, replaceState, getStatus with formatStatus, suspend/resume, changeCode, statistics', async () => {
  await withNode(async (node) => {
    const mod: GenServer<{ count: number; secret: string }, 'get', never, number, void> = {
      name: 'vault',
      init: () => ok({ count: 1, secret: 'hunter2' }),
      handleCall: (_r, _f, s) => reply(s.count, s),
      formatStatus: (status) => ({ ...status, state: { ...status.state, secret: '***' } }),
    };
    const v2: typeof mod = { ...mod, codeChange: (oldVsn, s) => ({ ...s, count: s.count + (oldVsn === '1.0' ? 100 : 0) }) };
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, mod, undefined);
      assert.deepEqual(await sys.getState(ctx, srv), { count: 1, secret: 'hunter2' });
      await sys.replaceState(ctx, srv, (s: { count: number; secret: string }) => ({ ...s, count: 2 }));
      await assert.rejects(sys.replaceState(ctx, srv, () => { throw new Error('nope'); }), /nope/);
      const status = await sys.getStatus(ctx, srv);
      assert.deepEqual([status.module, status.status, status.state], ['vault', 'running', { count: 2, secret: '***' }]);
      await sys.statistics(ctx, srv, true);
      await sys.suspend(ctx, srv);
      // A call made while suspended waits in the mailbox and is answered after resume, by the new code.
      const me = ctx.self();
      ctx.spawn(async (c) => c.send(me, { answer: await genServer.call(c, srv, 'get', 1000) }));
      await waitFor('the call to wait in the mailbox', () => ctx.processInfo(srv)!.messageQueueLen > 0);
      assert.equal((await sys.getStatus(ctx, srv)).status, 'suspended');
      await sys.changeCode(ctx, srv, v2, '1.0');
      await sys.resume(ctx, srv);
      assert.deepEqual(await ctx.receive(), { answer: 102 });
      const stats = await sys.statistics(ctx, srv, 'get');
      assert.equal(stats!.messagesIn, 1);
      assert.equal(stats!.messagesOut, 1);
      await sys.resume(ctx, srv);
      await assert.rejects(sys.changeCode(ctx, srv, v2, '1.0'), /must be suspended/);
    });
  });
});

test('a codeChange that throws leaves the old code and state in place', async () => {
  await withNode(async (node) => {
    const v1: GenServer<number, 'get', never, number, void> = { name: 'v1', init: () => ok(5), handleCall: (_r, _f, n) => reply(n, n) };
    const v2: typeof v1 = { ...v1, name: 'v2', codeChange: () => { throw new Error('cannot migrate'); } };
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, v1, undefined);
      await sys.suspend(ctx, srv);
      await assert.rejects(sys.changeCode(ctx, srv, v2, '1'), /cannot migrate/);
      await sys.resume(ctx, srv);
      assert.equal((await sys.getStatus(ctx, srv)).module, 'v1');
      assert.equal(await genServer.call(ctx, srv, 'get'), 5);
    });
  });
});

test('on a node without a code server, a codeChange that converts the state in place and then throws leaves the state as it was', async () => {
  await withNode(async (node) => {
    type S = { items: string[]; count: number };
    const v1: GenServer<S, 'get', never, S, void> = { name: 'v1', init: () => ok({ items: ['a'], count: 1 }), handleCall: (_r, _f, s) => reply(s, s) };
    const v2: typeof v1 = {
      ...v1,
      name: 'v2',
      codeChange: (_old, s) => {
        s.items.push('half');
        s.count = 99;
        throw new Error('cannot migrate');
      },
    };
    assert.equal(node.code, null, 'this node has no code server');
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, v1, undefined);
      await sys.suspend(ctx, srv);
      await assert.rejects(sys.changeCode(ctx, srv, v2, '1'), /cannot migrate/);
      await sys.resume(ctx, srv);
      assert.deepEqual(await genServer.call(ctx, srv, 'get'), { items: ['a'], count: 1 });
    });
  });
});

test('a via-registry names a server: start registers it, calls and casts reach it, a taken name is refused', async () => {
  await withNode(async (node) => {
    const names = new Map<unknown, Pid>();
    const via: ViaRegistry = {
      whereis: (name) => {
        const pid = names.get(JSON.stringify(name));
        return pid && node.isAlive(pid) ? pid : undefined;
      },
      register: (name, pid) => (names.has(JSON.stringify(name)) && node.isAlive(names.get(JSON.stringify(name))!) ? false : (names.set(JSON.stringify(name), pid), true)),
      unregister: (name) => void names.delete(JSON.stringify(name)),
    };
    await node.run(async (ctx) => {
      const ref = { via, name: ['counter', 1] };
      const pid = await genServer.startLink(ctx, counter, 5, { name: ref });
      assert.equal(await genServer.call(ctx, ref, { op: 'add', n: 1 }), 6);
      genServer.cast(ctx, ref, { op: 'reset' });
      assert.equal(await genServer.call(ctx, ref, { op: 'get' }), 0);
      await assert.rejects(genServer.startLink(ctx, counter, 5, { name: ref }), (e: StartError) => e.reason === 'alreadyStarted' && e.pid === pid);
    });
  });
});

test('processInfo shows gen_server.loop while a server waits and <module>.<callback> while one runs', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const blocking: GenServer<null, 'block', never, string> = {
        name: 'shop_server',
        init: () => ok(null),
        async handleCall(_req, _from, s, c) {
          c.send(me, 'inside');
          await c.receive((m) => m === 'release');
          return reply('done', s);
        },
      };
      const srv = await genServer.start(ctx, blocking, undefined);
      assert.equal(ctx.processInfo(srv)!.currentFunction, 'gen_server.loop');
      // Its initial call is its callback module's init, as OTP's proc_lib gives {shop_server, init, 1}, not the runtime's start closure.
      assert.equal(ctx.processInfo(srv)!.initialCall, 'shop_server.init');
      ctx.spawn(async (c) => c.send(me, await genServer.call(c, srv, 'block')));
      await ctx.receive((m) => m === 'inside');
      assert.equal(ctx.processInfo(srv)!.currentFunction, 'shop_server.handleCall');
      assert.equal(ctx.processInfo(srv)!.status, 'waiting', 'blocked in its receive');
      ctx.send(srv, 'release');
      await ctx.receive((m) => m === 'done');
      await waitFor('the server to be back in its loop', () => ctx.processInfo(srv)!.currentFunction === 'gen_server.loop');
    });
  });
});
