// Cases mirroring OTP's lib/stdlib/test/gen_event_SUITE.erl, each named after the case it follows
// (what deleteHandler, swapHandler, calls and supervised handlers give, checked in erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, GenEventError, TIMEOUT, isDown, isExit, type GenEventHandler, type HandlerExit, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, quietLogs, leftovers } from './helpers.ts';

const WAIT = 20_000;

type Ev = string;
/** OTP's dummy_h: logs what happens to it, crashes on 'crash', removes itself on 'remove'. */
function dummy(log: string[]): GenEventHandler<string, Ev, string, unknown, unknown, unknown> {
  return {
    name: 'dummy_h',
    init(args) {
      if (args === 'fail') return genEvent.error('nope');
      const a = args as { args?: unknown; previous?: unknown; found?: boolean } | string;
      const name = typeof a === 'string' ? a : `swapped(${String(a.args)}, ${a.found ? String(a.previous) : 'error'})`;
      log.push(`init ${name}`);
      return genEvent.ok(name);
    },
    handleEvent(event, s) {
      if (event === 'crash') throw new Error('boom');
      if (event === 'remove') return genEvent.removeHandler();
      log.push(`${s} got ${event}`);
      return genEvent.ok(s);
    },
    handleCall(req, s) {
      if (req === 'crash') throw new Error('boom');
      if (req === 'remove') return genEvent.removeHandler('removed');
      return genEvent.reply(`${s}: ${req}`, s);
    },
    handleInfo(msg, s) {
      log.push(`${s} info ${isExit(msg) ? `EXIT ${String(msg.reason)}` : String(msg)}`);
      return genEvent.ok(s);
    },
    terminate(arg, s) {
      const why = typeof arg === 'object' && arg !== null ? Object.keys(arg)[0] : String(arg);
      log.push(`terminate ${s} ${why}`);
      return `final ${s}`;
    },
  };
}

async function handlerExit(ctx: ProcessContext): Promise<HandlerExit> {
  const m = await ctx.receive(genEvent.isHandlerExit, WAIT);
  assert.notEqual(m, TIMEOUT, 'a gen_event_EXIT was expected');
  return m as HandlerExit;
}

test('gen_event_SUITE: delete_handler — answers what terminate returned; a handler not installed is not found', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      assert.equal(await genEvent.deleteHandler(ctx, mgr, { handler: h, id: 1 }, 'bye'), 'final one');
      await assert.rejects(genEvent.deleteHandler(ctx, mgr, { handler: h, id: 1 }, 'bye'), (e: GenEventError) => e instanceof GenEventError && e.code === 'notFound');
      await assert.rejects(genEvent.call(ctx, mgr, { handler: h, id: 1 }, 'x'), (e: GenEventError) => e instanceof GenEventError && e.code === 'notFound');
      await assert.rejects(genEvent.addHandler(ctx, mgr, { handler: h, id: 2 }, 'fail'), (e: GenEventError) => e instanceof GenEventError && e.code === 'initFailed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
    });
    assert.deepEqual(log, ['init one', 'terminate one bye']);
  });
});

test('gen_event_SUITE: swap_handler — the new handler\'s init gets the old terminate\'s value, or error when the old one was not installed', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await genEvent.swapHandler(ctx, mgr, [{ handler: h, id: 1 }, 'swap'], [{ handler: h, id: 2 }, 'two']);
      await genEvent.swapHandler(ctx, mgr, [{ handler: h, id: 9 }, 'swap'], [{ handler: h, id: 3 }, 'three']);
      const ids = (await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { id: number }).id);
      assert.deepEqual(ids, [3, 2]);
      await genEvent.syncNotify(ctx, mgr, 'e');
    });
    assert.deepEqual(log, [
      'init one',
      'terminate one swap',
      'init swapped(two, final one)',
      'init swapped(three, error)',
      'swapped(three, error) got e',
      'swapped(two, final one) got e',
    ]);
  });
});

test('gen_event_SUITE: notify / sync_notify — a handler that crashes is removed with {error, _}; the others still get the event', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const crashy: GenEventHandler<null, Ev> = {
        name: 'crashy',
        init: () => genEvent.ok(null),
        handleEvent: (e, s) => {
          if (e === 'crash') throw new Error('boom');
          return genEvent.ok(s);
        },
        terminate: (arg) => void log.push(`terminate crashy ${typeof arg === 'object' && arg !== null ? Object.keys(arg)[0] : String(arg)}`),
      };
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, h, 'one');
      await genEvent.addHandler(ctx, mgr, crashy, undefined);
      await genEvent.syncNotify(ctx, mgr, 'crash');
      await genEvent.syncNotify(ctx, mgr, 'after');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
    });
    assert.deepEqual(log, ['init one', 'terminate crashy error', 'terminate one error']);
    assert.equal(logs.filter((e) => typeof e.message === 'object' && e.message.kind === 'handlerCrashed').length, 2);
  });
});

test('gen_event_SUITE: notify — remove_handler from handle_event runs terminate with remove_handler', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, dummy(log), 'one');
      await genEvent.syncNotify(ctx, mgr, 'remove');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
    });
    assert.deepEqual(log, ['init one', 'terminate one removeHandler']);
  });
});

test('gen_event_SUITE: call — a reply, a remove_handler reply, a crash (the handler removed) and a handler not installed', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'a' }, 'a');
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'b' }, 'b');
      assert.equal(await genEvent.call(ctx, mgr, { handler: h, id: 'a' }, 'hi'), 'a: hi');
      assert.equal(await genEvent.call(ctx, mgr, { handler: h, id: 'a' }, 'remove'), 'removed');
      await assert.rejects(genEvent.call(ctx, mgr, { handler: h, id: 'b' }, 'crash'), (e: GenEventError) => e instanceof GenEventError && e.code === 'handlerCrashed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      await assert.rejects(genEvent.call(ctx, mgr, { handler: h, id: 'a' }, 'hi'), (e: GenEventError) => e.code === 'notFound');
    });
    assert.deepEqual(log, ['init a', 'init b', 'terminate a removeHandler', 'terminate b error']);
  });
});

test('gen_event_SUITE: info — other messages to the manager reach every handler\'s handle_info', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 2 }, 'two');
      ctx.send(mgr, 'hello');
      await genEvent.whichHandlers(ctx, mgr);
    });
    assert.deepEqual(log, ['init one', 'init two', 'two info hello', 'one info hello']);
  });
});

test('gen_event_SUITE: add_sup_handler — the supervising process hears gen_event_EXIT: normal on delete and remove, the crash reason, shutdown on stop', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await genEvent.deleteHandler(ctx, mgr, { handler: h, id: 1 }, 'bye');
      assert.equal((await handlerExit(ctx)).reason, 'normal');

      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 2 }, 'two');
      await genEvent.call(ctx, mgr, { handler: h, id: 2 }, 'remove');
      assert.equal((await handlerExit(ctx)).reason, 'normal');

      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 3 }, 'three');
      await genEvent.syncNotify(ctx, mgr, 'crash');
      const crashed = await handlerExit(ctx);
      assert.deepEqual(crashed.handler, { handler: h, id: 3 });
      assert.equal((crashed.reason as Error).message, 'boom');

      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 4 }, 'four');
      await genEvent.stop(ctx, mgr);
      assert.equal((await handlerExit(ctx)).reason, 'shutdown');
      assert.deepEqual((await leftovers(ctx)).filter(genEvent.isHandlerExit), []);
    });
    assert.deepEqual(log.filter((l) => l.startsWith('terminate')), ['terminate one bye', 'terminate two removeHandler', 'terminate three error', 'terminate four stop']);
  });
});

test('gen_event_SUITE: add_sup_handler — when the supervising process exits, its handler is removed with {stop, Reason}, then the others see the EXIT; the manager lives on', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'kept' }, 'kept');
      const me = ctx.self();
      const sup = ctx.spawn(async (c) => {
        await genEvent.addSupHandler(c, mgr, { handler: h, id: 'sup' }, 'sup');
        c.send(me, 'added');
        await c.receive();
      });
      await ctx.receive((m) => m === 'added', WAIT);
      const ref = ctx.monitor(sup);
      ctx.exit(sup, 'gone');
      await ctx.receive((m) => isDown(m, ref), WAIT);
      const ids = async (): Promise<unknown[]> => (await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { id: unknown }).id);
      for (const deadline = Date.now() + WAIT; (await ids()).length > 1; await ctx.receive(null, 5)) assert.ok(Date.now() < deadline, 'the supervised handler stayed');
      assert.deepEqual(await ids(), ['kept']);
      assert.equal(ctx.isAlive(mgr as Pid), true);
    });
    // As OTP's handle_exit: the supervised handler goes first, then the other handlers get the EXIT as info.
    assert.deepEqual(log, ['init kept', 'init sup', 'terminate sup stop', 'kept info EXIT gone']);
  });
});

test('gen_event_SUITE: stop — every handler\'s terminate runs with stop, latest installed first', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      for (const id of [1, 2, 3]) await genEvent.addHandler(ctx, mgr, { handler: h, id }, `h${id}`);
      await genEvent.stop(ctx, mgr);
      assert.equal(ctx.isAlive(mgr as Pid), false);
    });
    assert.deepEqual(log.filter((l) => l.startsWith('terminate')), ['terminate h3 stop', 'terminate h2 stop', 'terminate h1 stop']);
  });
});

test('gen_event_SUITE: swap_handler from handle_event — the new handler takes the old one\'s place in the order and gets terminate\'s value', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const swapper: GenEventHandler<null, Ev> = {
        name: 'swapper',
        init: () => genEvent.ok(null),
        handleEvent: (e, s) => (e === 'swap' ? genEvent.swap('bye', s, { handler: h, id: 'new' }, 'new') : genEvent.ok(s)),
        terminate: () => 'from swapper',
      };
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'first' }, 'first');
      await genEvent.addHandler(ctx, mgr, swapper, undefined);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'last' }, 'last');
      await genEvent.syncNotify(ctx, mgr, 'swap');
      const ids = (await genEvent.whichHandlers(ctx, mgr)).map((x) => (typeof x === 'object' && x !== null && 'id' in x ? x.id : 'swapper'));
      assert.deepEqual(ids, ['last', 'new', 'first']);
      await genEvent.syncNotify(ctx, mgr, 'e');
    });
    assert.deepEqual(log.filter((l) => l.includes('got e') || l.startsWith('init swapped')), [
      'init swapped(new, from swapper)',
      'last got e',
      'swapped(new, from swapper) got e',
      'first got e',
    ]);
  });
});

test('gen_event_SUITE: swap_sup_handler — the caller supervises the new handler and hears of its removal', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await genEvent.swapSupHandler(ctx, mgr, [{ handler: h, id: 1 }, 'swap'], [{ handler: h, id: 2 }, 'two']);
      await genEvent.deleteHandler(ctx, mgr, { handler: h, id: 2 }, 'bye');
      const m = await handlerExit(ctx);
      assert.deepEqual(m.handler, { handler: h, id: 2 });
      assert.equal(m.reason, 'normal');
    });
  });
});

test('gen_event_SUITE: add_handler / swap_handler of something that is no handler (null, a number, an object without init) is refused with initFailed; the manager and its handlers go on, and a swap to one from handle_event removes only the swapping handler', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = dummy(log);
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, h, 'one');
      const notHandler = (e: unknown): boolean => e instanceof GenEventError && e.code === 'initFailed' && /is not a gen_event handler: give an object with init and handleEvent/.test(e.message);
      await assert.rejects(genEvent.addHandler(ctx, mgr, null as never, 'x'), notHandler);
      await assert.rejects(genEvent.addSupHandler(ctx, mgr, 5 as never, 'x'), notHandler);
      await assert.rejects(genEvent.addHandler(ctx, mgr, { handler: null, id: 1 } as never, 'x'), notHandler);
      await assert.rejects(genEvent.addHandler(ctx, mgr, { handleEvent: () => genEvent.ok(null) } as never, 'x'), notHandler);
      await assert.rejects(genEvent.swapHandler(ctx, mgr, [{ handler: h, id: 9 }, 'swap'], [null as never, 'x']), notHandler);
      const swapper: GenEventHandler<null, Ev> = { name: 'swapper', init: () => genEvent.ok(null), handleEvent: (_e, s) => genEvent.swap('bye', s, 42 as never, 'x') };
      await genEvent.addHandler(ctx, mgr, swapper, undefined);
      await genEvent.syncNotify(ctx, mgr, 'e');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [h], 'the swapper is gone, the other handler stays');
      assert.equal(await genEvent.call(ctx, mgr, h, 'still'), 'one: still');
    });
    assert.deepEqual(log, ['init one', 'one got e']);
    assert.equal(logs.filter((e) => typeof e.message === 'object' && e.message.kind === 'handlerCrashed').length, 1, 'only the callback\'s failed swap is reported (OTP\'s do_swap); swapHandler\'s failure is the caller\'s answer alone');
  });
});
