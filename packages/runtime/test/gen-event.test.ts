import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, sys, isDown, BadReturnValue, TIMEOUT, type GenEventHandler, type CallError, type Down, type LogEvent, type Report } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Ev = { kind: 'log'; text: string } | { kind: 'crash' } | { kind: 'bad' } | { kind: 'upgrade' };

/** A handler that records every event into `seen` under its own label and counts them. */
function recorder(label: string, seen: string[], extra: Partial<GenEventHandler<number, Ev, 'count' | 'leave', number, number, string>> = {}): GenEventHandler<number, Ev, 'count' | 'leave', number, number, string> {
  return {
    name: label,
    init: (start) => genEvent.ok(start),
    handleEvent(ev, n) {
      seen.push(`${label}:${ev.kind === 'log' ? ev.text : ev.kind}`);
      return genEvent.ok(n + 1);
    },
    handleCall: (req, n) => (req === 'count' ? genEvent.reply(n, n) : genEvent.removeHandler(n)),
    terminate: (arg, n) => `${label} ${typeof arg === 'string' ? arg : JSON.stringify(arg)} after ${n}`,
    ...extra,
  };
}

const reports = (logs: LogEvent[]): Report[] => logs.map((e) => e.message).filter((m): m is Report => typeof m === 'object' && m.kind === 'handlerCrashed');

test('notify and syncNotify reach every handler, latest installed first, in the order sent', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const slow: GenEventHandler<null, Ev> = {
      name: 'slow',
      init: () => genEvent.ok(null),
      handleEvent: async (ev, s, ctx) => {
        await ctx.sleep(5);
        seen.push(`slow:${ev.kind === 'log' ? ev.text : ev.kind}`);
        return genEvent.ok(s);
      },
    };
    const order = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, slow, undefined);
      await genEvent.addHandler(ctx, mgr, recorder('a', seen), 0);
      genEvent.notify(ctx, mgr, { kind: 'log', text: '1' });
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: '2' });
      const atReturn = [...seen];
      return [atReturn, (await genEvent.whichHandlers(ctx, mgr)).map((h) => (h as { name: string }).name)];
    });
    assert.deepEqual(order, [['a:1', 'slow:1', 'a:2', 'slow:2'], ['a', 'slow']]);
  });
});

test('two instances of one handler, told apart by { handler, id }, keep their own state and answer calls', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const counter = recorder('counter', seen);
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx, { name: 'events' });
      await genEvent.addHandler(ctx, 'events', { handler: counter, id: 1 }, 10);
      await genEvent.addHandler(ctx, mgr, { handler: counter, id: 2 }, 20);
      await assert.rejects(genEvent.addHandler(ctx, mgr, { handler: counter, id: 1 }, 0), (e: genEvent.GenEventError) => e.code === 'alreadyExists');
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'x' });
      const counts = [await genEvent.call(ctx, mgr, { handler: counter, id: 1 }, 'count'), await genEvent.call(ctx, mgr, { handler: counter, id: 2 }, 'count')];
      const which = await genEvent.whichHandlers(ctx, mgr);
      await assert.rejects(genEvent.call(ctx, mgr, counter, 'count'), (e: genEvent.GenEventError) => e.code === 'notFound' && /counter is not installed/.test(e.message));
      return [counts, which.map((h) => (h as { id: number }).id)];
    });
    assert.deepEqual(got, [[11, 21], [2, 1]]);
    assert.deepEqual(seen, ['counter:x', 'counter:x']);
  });
});

test('handleCall can reply and remove its handler; init errors and unknown calls are typed errors', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const h = recorder('h', seen);
    const refusing: GenEventHandler<null, Ev, never, never, string> = { init: (why) => genEvent.error(why), handleEvent: (_e, s) => genEvent.ok(s) };
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, h, 4);
      const left = await genEvent.call(ctx, mgr, h, 'leave');
      const err = await genEvent.addHandler(ctx, mgr, refusing, 'no config').catch((e: genEvent.GenEventError) => [e.code, e.reason, e.message]);
      return [left, await genEvent.whichHandlers(ctx, mgr), err];
    });
    // The refusing handler has no name: the message says so, not "handler handler failed to start".
    assert.deepEqual(got, [4, [], ['initFailed', 'no config', 'handler (unnamed) failed to start: no config']]);
  });
});

test('a crashing handler is removed, terminated with its error and reported; the others and the manager go on', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const seen: string[] = [];
    const ends: unknown[] = [];
    const thrower = recorder('thrower', seen, {
      handleEvent(ev, n) {
        if (ev.kind === 'crash') throw new Error('handler blew up');
        return genEvent.ok(n + 1);
      },
      terminate: (arg) => void ends.push(arg),
    });
    const liar = recorder('liar', seen, {
      handleEvent: (ev, n) => (ev.kind === 'bad' ? ({ type: 'nonsense' } as never) : genEvent.ok(n + 1)),
      terminate: (arg) => void ends.push(arg),
    });
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx, { name: 'alarms' });
      await genEvent.addHandler(ctx, mgr, recorder('first', seen), 0);
      await genEvent.addHandler(ctx, mgr, { handler: liar, id: 'l' }, 0);
      await genEvent.addHandler(ctx, mgr, { handler: thrower, id: 't' }, 0);
      await genEvent.addHandler(ctx, mgr, recorder('last', seen), 0);
      await genEvent.syncNotify(ctx, mgr, { kind: 'crash' });
      genEvent.notify(ctx, mgr, { kind: 'bad' });
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'after' });
      return [ctx.isAlive(mgr), (await genEvent.whichHandlers(ctx, mgr)).map((h) => (h as { name: string }).name)];
    });
    assert.deepEqual(got, [true, ['last', 'first']]);
    assert.deepEqual(seen, ['last:crash', 'first:crash', 'last:bad', 'first:bad', 'last:after', 'first:after']);
    assert.equal((ends[0] as { error: Error }).error.message, 'handler blew up');
    assert.ok((ends[1] as { error: unknown }).error instanceof BadReturnValue);
    const crashReports = reports(logs);
    assert.equal(crashReports.length, 2);
    assert.deepEqual([crashReports[0]!.handler, crashReports[0]!.lastEvent, crashReports[0]!.name, crashReports[0]!.state], ['thrower(t)', { kind: 'crash' }, 'alarms', 0]);
    assert.equal((crashReports[0]!.reason as Error).message, 'handler blew up');
    assert.deepEqual([crashReports[1]!.handler, crashReports[1]!.lastEvent, crashReports[1]!.state], ['liar(l)', { kind: 'bad' }, 1]);
  });
});

test('a crash inside handleCall fails the call with handlerCrashed and removes only that handler', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const h = recorder('h', [], { handleCall: () => { throw new Error('bad call'); } });
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, h, 0);
      const err = (await genEvent.call(ctx, mgr, h, 'count').catch((e: unknown) => e)) as genEvent.GenEventError;
      return [err.code, (err.reason as Error).message, await genEvent.whichHandlers(ctx, mgr)];
    });
    assert.deepEqual(got, ['handlerCrashed', 'bad call', []]);
    assert.equal(reports(logs)[0]!.lastEvent, 'count');
  });
});

test('other messages reach handleInfo; a handler without handleInfo is skipped with a warning', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const infos: unknown[] = [];
    const listener = recorder('listener', [], { handleInfo: (msg, n) => (infos.push(msg), msg === 'quit' ? genEvent.removeHandler() : genEvent.ok(n + 1)) });
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, recorder('deaf', []), 0);
      await genEvent.addHandler(ctx, mgr, listener, 0);
      ctx.send(mgr, 'ping');
      const before = await genEvent.call(ctx, mgr, listener, 'count');
      ctx.send(mgr, 'quit');
      return [before, (await genEvent.whichHandlers(ctx, mgr)).map((h) => (h as { name: string }).name)];
    });
    assert.deepEqual(got, [1, ['deaf']]);
    assert.deepEqual(infos, ['ping', 'quit']);
    assert.ok(logs.some((e) => e.level === 'warning' && typeof e.message === 'string' && /deaf .* has no handleInfo; unhandled message: 'ping'/.test(e.message)));
  });
});

test('addSupHandler: the owner gets HandlerExit on a crash or a deletion, and its exit removes the handler', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const ends: unknown[] = [];
    const h = recorder('sup', [], {
      handleEvent: (ev, n) => {
        if (ev.kind === 'crash') throw new Error('sup crash');
        return genEvent.ok(n);
      },
      terminate: (arg) => void ends.push(arg),
    });
    await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 1 }, 0);
      genEvent.notify(ctx, mgr, { kind: 'crash' });
      const crashed = await ctx.receive(genEvent.isHandlerExit);
      assert.deepEqual([crashed.handler, (crashed.reason as Error).message, crashed.manager], [{ handler: h, id: 1 }, 'sup crash', mgr]);
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 2 }, 0);
      await genEvent.deleteHandler(ctx, mgr, { handler: h, id: 2 }, 'bye');
      assert.equal((await ctx.receive(genEvent.isHandlerExit)).reason, 'normal');
      const owner = ctx.spawn(async (c) => {
        await genEvent.addSupHandler(c, mgr, { handler: h, id: 3 }, 0);
        c.send(ctx.self(), 'added');
        await c.receive();
        throw new Error('owner died');
      });
      await ctx.receive((m) => m === 'added');
      assert.equal((await genEvent.whichHandlers(ctx, mgr)).length, 1);
      const ref = ctx.monitor(owner);
      ctx.send(owner, 'die');
      await ctx.receive((m) => isDown(m, ref));
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      assert.ok(ctx.isAlive(mgr));
    });
    assert.equal((ends[0] as { error: Error }).error.message, 'sup crash');
    assert.equal(ends[1], 'bye');
    assert.equal(((ends[2] as { stop: Error }).stop).message, 'owner died');
  });
});

test('deleteHandler returns what terminate returned; an unknown handler throws notFound', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const h = recorder('h', seen);
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, h, 0);
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'one' });
      const value = await genEvent.deleteHandler(ctx, mgr, h, 'done');
      const again = await genEvent.deleteHandler(ctx, mgr, h, 'done').catch((e: genEvent.GenEventError) => e.code);
      return [value, again];
    });
    assert.deepEqual(got, ['h done after 1', 'notFound']);
  });
});

test('swapHandler hands the old terminate result to the new init, from the API and from handleEvent', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    type Next = GenEventHandler<string, Ev, 'state', string, genEvent.SwapArgs<string, string>>;
    const next: Next = {
      name: 'next',
      init: (a) => genEvent.ok(`${a.args} <- ${a.found ? a.previous : 'nothing'}`),
      handleEvent: (_e, s) => genEvent.ok(s),
      handleCall: (_r, s) => genEvent.reply(s, s),
    };
    const old = recorder('old', seen, { handleEvent: (ev, n) => (ev.kind === 'upgrade' ? genEvent.swap('swapping', n + 1, next, 'v2') : genEvent.ok(n + 1)) });
    const got = await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, old, 5);
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'a' });
      await genEvent.swapHandler(ctx, mgr, [old, 'api'], [next, 'v1']);
      const viaApi = await genEvent.call(ctx, mgr, next, 'state');
      await genEvent.deleteHandler(ctx, mgr, next);
      await genEvent.addHandler(ctx, mgr, recorder('other', seen), 0);
      await genEvent.addHandler(ctx, mgr, old, 0);
      await genEvent.syncNotify(ctx, mgr, { kind: 'upgrade' });
      const viaEvent = await genEvent.call(ctx, mgr, next, 'state');
      assert.deepEqual((await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { name: string }).name), ['next', 'other'], 'swapped in place');
      await genEvent.swapHandler(ctx, mgr, [old, 'x'], [{ handler: next, id: 2 }, 'v3']);
      return [viaApi, viaEvent, await genEvent.call(ctx, mgr, { handler: next, id: 2 }, 'state')];
    });
    assert.deepEqual(got, ['v1 <- old api after 6', 'v2 <- old swapping after 1', 'v3 <- nothing']);
  });
});

test('sys: getState lists handlers and states; suspend holds events until resume; changeCode migrates a handler', async () => {
  await withNode(async (node) => {
    const seen: string[] = [];
    const v1 = recorder('rec', seen);
    const v2 = { ...recorder('rec', seen), codeChange: (oldVsn: unknown, n: number) => n + (oldVsn === '1' ? 100 : 0) };
    await node.run(async (ctx) => {
      const mgr = await genEvent.startLink<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, v1, 7);
      assert.deepEqual(await sys.getState(ctx, mgr), [{ id: v1, state: 7 }]);
      await sys.suspend(ctx, mgr);
      genEvent.notify(ctx, mgr, { kind: 'log', text: 'held' });
      // The manager answers this system message after the notify arrived: by then it has had its chance to handle it.
      assert.equal((await sys.getStatus(ctx, mgr)).status, 'suspended');
      assert.deepEqual(seen, []);
      await sys.changeCode(ctx, mgr, v2, '1');
      await sys.resume(ctx, mgr);
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'after' });
      assert.deepEqual(seen, ['rec:held', 'rec:after']);
      assert.deepEqual(await sys.getState(ctx, mgr), [{ id: v2, state: 109 }]);
      await sys.replaceState(ctx, mgr, (hs: Array<{ id: unknown; state: number }>) => hs.map((x) => ({ ...x, state: 0 })));
      assert.equal(await genEvent.call(ctx, mgr, v2, 'count'), 0);
    });
  });
});

test('stop runs every terminate with stop and tells supervising processes shutdown; the parent\'s exit does too', async () => {
  await withNode(async (node) => {
    const ends: unknown[] = [];
    const h = recorder('h', [], { terminate: (arg) => void ends.push(arg) });
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 0);
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 2 }, 0);
      await genEvent.stop(ctx, mgr);
      assert.equal(ctx.isAlive(mgr), false);
      assert.deepEqual(ends, ['stop', 'stop']);
      const exit = await ctx.receive(genEvent.isHandlerExit, 100);
      assert.ok(exit !== TIMEOUT, 'the supervising process was told');
      assert.deepEqual([exit.handler, exit.reason], [{ handler: h, id: 2 }, 'shutdown']);
      await assert.rejects(genEvent.syncNotify(ctx, mgr, { kind: 'crash' }), (e: CallError) => e.failure === 'noproc');

      const me = ctx.self();
      const parent = ctx.spawn(async (c) => {
        const child = await genEvent.startLink<Ev>(c);
        await genEvent.addHandler(c, child, h, 0);
        c.send(me, child);
        await c.receive((m) => m === 'never');
      });
      const child = (await ctx.receive()) as genEvent.ManagerPid<Ev>;
      const ref = ctx.monitor(child);
      ctx.exit(parent, 'shutdown');
      const down = await ctx.receive((m): m is Down => isDown(m, ref));
      assert.equal(down.reason, 'shutdown');
    });
    assert.deepEqual(ends, ['stop', 'stop', 'stop']);
  });
});

test('processInfo shows gen_event.loop while a manager waits and <handler>.<callback> while a handler runs', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const audit: GenEventHandler<null, Ev> = {
        name: 'audit_handler',
        init: () => genEvent.ok(null),
        async handleEvent(_ev, s, c) {
          c.send(me, 'inside');
          await c.receive((m) => m === 'release');
          return genEvent.ok(s);
        },
      };
      const mgr = await genEvent.start<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, audit, undefined);
      assert.equal(ctx.processInfo(mgr)!.currentFunction, 'gen_event.loop');
      genEvent.notify(ctx, mgr, { kind: 'log', text: 'x' });
      await ctx.receive((m) => m === 'inside');
      assert.equal(ctx.processInfo(mgr)!.currentFunction, 'audit_handler.handleEvent');
      ctx.send(mgr, 'release');
      await waitFor('the manager to be back in its loop', () => ctx.processInfo(mgr)!.currentFunction === 'gen_event.loop');
    });
  });
});

test('a manager killed right after its receive took a notify handles nothing more: no handler runs after its death', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const seen: string[] = [];
      const mgr = await genEvent.start<Ev>(ctx);
      await genEvent.addHandler(ctx, mgr, recorder('a', seen), 0);
      await genEvent.syncNotify(ctx, mgr, { kind: 'log', text: 'before' });
      await new Promise<void>((resolve) => setImmediate(resolve)); // the manager finishes its reply and waits in receive
      // The notify is taken by the waiting receive at once; the kill lands before the manager's loop resumes.
      const ref = ctx.monitor(mgr);
      genEvent.notify(ctx, mgr, { kind: 'log', text: 'after' });
      ctx.exit(mgr, 'kill');
      const down = await ctx.receive((m): m is Down => isDown(m, ref));
      assert.equal(down.reason, 'killed');
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, ['a:before']);
    }),
  );
});
