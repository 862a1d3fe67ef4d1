// OTP's lib/stdlib/test/gen_event_SUITE.erl cases the other suite files do not yet translate, each test named
// after its case: start under a name, notify/call/info through several handlers and instances, and the undef_*
// cases (a handler missing a callback, or a terminate that calls something undefined).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, GenEventError, StartError, type GenEventHandler, type Pid } from '@otp-ts/runtime';
import { withNode, quietLogs, isNote, notes } from './helpers.ts';

type Ev = string;
/** OTP's dummy_h, trimmed: reports each event, info and terminate to the test process; answers hejsan; deletes itself on delete_call. */
const dummy = (name: string): GenEventHandler<Pid, Ev, 'hejsan' | 'delete_call' | 'error_call', unknown, Pid, unknown> => ({
  name,
  init: (test) => genEvent.ok(test),
  handleEvent: (event, test, ctx) => {
    ctx.send(test, { note: `${name} event ${event}` });
    return event === 'delete_event' ? genEvent.removeHandler() : genEvent.ok(test);
  },
  handleInfo: (info, test, ctx) => {
    ctx.send(test, { note: `${name} info ${String(info)}` });
    return genEvent.ok(test);
  },
  handleCall: (req, test) => {
    if (req === 'hejsan') return genEvent.reply(['ok', 'bar'], test);
    if (req === 'delete_call') return genEvent.removeHandler('ok');
    return { type: 'faulty' } as never;
  },
  terminate: (arg, test, ctx) => {
    ctx.send(test, { note: `${name} terminate ${typeof arg === 'string' ? arg : JSON.stringify(arg)}` });
    return 'terminated';
  },
});

test('gen_event_SUITE start: a manager started under a taken local or global name fails alreadyStarted naming the holder', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (const name of ['my_dummy_name', { global: 'my_dummy_name' }] as const) {
        const mgr = await genEvent.start(ctx, { name });
        await assert.rejects(genEvent.start(ctx, { name }), (e: unknown) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === mgr);
        await assert.rejects(genEvent.startLink(ctx, { name }), (e: unknown) => e instanceof StartError && e.reason === 'alreadyStarted' && e.pid === mgr);
        await genEvent.stop(ctx, name);
        const again = await genEvent.start(ctx, { name });
        await genEvent.stop(ctx, again);
      }
    });
  });
});

test('gen_event_SUITE notify_handlers: every handler and every instance gets each event, latest installed first; one that deletes itself is gone for the next', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx, { name: 'my_dummy_handler' });
      const h = dummy('dummy_h');
      const self = ctx.self();
      await genEvent.addHandler(ctx, mgr, h, self);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 'instance' }, self);
      genEvent.notify(ctx, 'my_dummy_handler', 'ev1');
      assert.deepEqual(await notes(ctx, 2), ['dummy_h event ev1', 'dummy_h event ev1']);
      await genEvent.syncNotify(ctx, mgr, 'delete_event');
      assert.deepEqual(await notes(ctx, 4), ['dummy_h event delete_event', 'dummy_h terminate removeHandler', 'dummy_h event delete_event', 'dummy_h terminate removeHandler']);
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      await genEvent.syncNotify(ctx, mgr, 'nobody');
      assert.equal(await ctx.receive(isNote, 0).then((m) => (typeof m === 'object' ? 'note' : 'none')), 'none');
      await genEvent.stop(ctx, mgr);
    });
  });
});

test('gen_event_SUITE call_handlers: a call reaches the one handler named, by object or by instance id; delete_call removes it; a bad return crashes only it', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx);
      const h = dummy('dummy_h');
      const inst = { handler: h, id: 'inst' };
      const self = ctx.self();
      await genEvent.addHandler(ctx, mgr, h, self);
      await genEvent.addHandler(ctx, mgr, inst, self);
      assert.deepEqual(await genEvent.call(ctx, mgr, h, 'hejsan'), ['ok', 'bar']);
      assert.deepEqual(await genEvent.call(ctx, mgr, inst, 'hejsan'), ['ok', 'bar']);
      await assert.rejects(genEvent.call(ctx, mgr, dummy('bad_h'), 'hejsan'), (e: unknown) => e instanceof GenEventError && e.code === 'notFound');
      assert.equal(await genEvent.call(ctx, mgr, h, 'delete_call'), 'ok');
      assert.deepEqual(await notes(ctx, 1), ['dummy_h terminate removeHandler']);
      await assert.rejects(genEvent.call(ctx, mgr, h, 'hejsan'), (e: unknown) => e instanceof GenEventError && e.code === 'notFound');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [inst]);
      await assert.rejects(genEvent.call(ctx, mgr, inst, 'error_call'), (e: unknown) => e instanceof GenEventError && e.code === 'handlerCrashed');
      assert.equal((await notes(ctx, 1))[0]!.startsWith('dummy_h terminate {"error"'), true);
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      await genEvent.stop(ctx, mgr);
    });
  });
});

test('gen_event_SUITE info_handlers: any other message reaches every handler through handleInfo, latest first', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx);
      const self = ctx.self();
      await genEvent.addHandler(ctx, mgr, dummy('a'), self);
      await genEvent.addHandler(ctx, mgr, dummy('b'), self);
      ctx.send(mgr, 'info');
      assert.deepEqual(await notes(ctx, 2), ['b info info', 'a info info']);
      await genEvent.stop(ctx, mgr);
      assert.deepEqual(await notes(ctx, 2), ['b terminate stop', 'a terminate stop']);
    });
  });
});

test('gen_event_SUITE undef_init / undef_handle_call / undef_handle_event / undef_handle_info / undef_terminate / undef_in_terminate: a missing callback fails only that handler, as OTP', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const mgr = await genEvent.start<Ev>(ctx);
      // undef_init: no init at all is refused, and nothing is installed.
      const noInit = { name: 'no_init', handleEvent: () => genEvent.ok(0) } as unknown as GenEventHandler<number, Ev>;
      await assert.rejects(genEvent.addHandler(ctx, mgr, noInit, undefined), (e: unknown) => e instanceof GenEventError && e.code === 'initFailed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      // undef_handle_call: a call to a handler without handleCall crashes it: the caller gets the crash and it is removed.
      const bare: GenEventHandler<number, Ev, 'q'> = { name: 'bare', init: () => genEvent.ok(0), handleEvent: (_e, n) => genEvent.ok(n + 1) };
      await genEvent.addHandler(ctx, mgr, bare, undefined);
      await assert.rejects(genEvent.call(ctx, mgr, bare, 'q'), (e: unknown) => e instanceof GenEventError && e.code === 'handlerCrashed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      // undef_handle_event: a handleEvent that is no function crashes the handler at the first event; the manager lives on.
      const noEvent = { name: 'no_event', init: () => genEvent.ok(0), handleEvent: undefined } as unknown as GenEventHandler<number, Ev>;
      await genEvent.addHandler(ctx, mgr, noEvent, undefined).catch(() => undefined);
      await genEvent.syncNotify(ctx, mgr, 'x');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      // undef_handle_info: no handleInfo only warns; the handler stays.
      await genEvent.addHandler(ctx, mgr, bare, undefined);
      ctx.send(mgr, 'an info');
      await genEvent.syncNotify(ctx, mgr, 'y');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [bare]);
      assert.ok(logs.some((e) => e.level === 'warning'));
      // undef_terminate: no terminate; deleteHandler answers undefined.
      assert.equal(await genEvent.deleteHandler(ctx, mgr, bare, undefined), undefined);
      // undef_in_terminate: a terminate calling something undefined: deleteHandler fails with that error, the handler is gone.
      const badTerm: GenEventHandler<number, Ev> = { ...bare, name: 'bad_term', terminate: (_a, n) => (n as unknown as { nothing: () => void }).nothing() };
      await genEvent.addHandler(ctx, mgr, badTerm, undefined);
      await assert.rejects(genEvent.deleteHandler(ctx, mgr, badTerm, undefined), (e: unknown) => e instanceof GenEventError && e.code === 'handlerCrashed' && e.reason instanceof TypeError);
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      await genEvent.stop(ctx, mgr);
    });
  });
});
