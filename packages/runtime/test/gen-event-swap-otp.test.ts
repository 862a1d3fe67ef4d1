// Swaps as OTP's gen_event makes them: a callback's swap installs the new handler without a duplicate check
// (do_swap), and an API swap whose new handler fails to start tells nobody but the caller (server_swap_handler).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, GenEventError, type GenEventHandler, type LogEvent } from '@otp-ts/runtime';
import { withNode, quietLogs, leftovers } from './helpers.ts';

type H = GenEventHandler<string, string, string, string, unknown, unknown>;

function handler(log: string[]): H {
  return {
    name: 'swap_h',
    init(args) {
      const a = args as { args?: unknown } | string;
      if ((typeof a === 'string' ? a : a.args) === 'fail') return genEvent.error('nope');
      const name = typeof a === 'string' ? a : `swapped ${String(a.args)}`;
      log.push(`init ${name}`);
      return genEvent.ok(name);
    },
    handleEvent(event, s) {
      if (event === `swap ${s}`) return genEvent.swap('bye', s, { handler: this as H, id: 2 }, s);
      if (event === 'swap to failing') return genEvent.swap('bye', s, { handler: this as H, id: 4 }, 'fail');
      log.push(`${s} got ${event}`);
      return genEvent.ok(s);
    },
    handleCall: (req, s) => genEvent.reply(`${s}: ${req}`, s),
    terminate(arg, s) {
      log.push(`terminate ${s} ${String(arg)}`);
    },
  };
}

const crashReports = (logs: LogEvent[]): LogEvent[] => logs.filter((e) => typeof e.message === 'object' && e.message !== null && (e.message as { kind?: string }).kind === 'handlerCrashed');

test('gen_event: a handler that swaps itself (a swap result from handleEvent) to a handler id already installed is replaced in place, as OTP\'s do_swap, which checks no duplicate: no crash report, no gen_event_EXIT', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = handler(log);
      const mgr = await genEvent.start<string>(ctx);
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 2 }, 'two');
      await genEvent.syncNotify(ctx, mgr, 'swap one');
      const ids = (await genEvent.whichHandlers(ctx, mgr)).map((x) => (x as { id: number }).id);
      assert.deepEqual(ids, [2, 2], 'the swapped-in handler took the old one\'s place, next to the one already installed');
      await genEvent.syncNotify(ctx, mgr, 'e');
      const exits = (await leftovers(ctx)).filter(genEvent.isHandlerExit);
      // The old handler's supervisor hears it was swapped, and nothing else.
      assert.deepEqual(exits.map((x) => [x.handler, typeof x.reason === 'object' && x.reason !== null && 'swapped' in x.reason]), [[{ handler: h, id: 1 }, true]]);
    });
    assert.deepEqual(log, ['init one', 'init two', 'two got swap one', 'terminate one bye', 'init swapped one', 'two got e', 'swapped one got e']);
    assert.deepEqual(crashReports(logs), []);
  });
});

test('gen_event: swapSupHandler whose new handler fails to start answers initFailed and sends the caller no HandlerExit for a handler never installed, as OTP\'s swap_sup_handler sends nothing then', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = handler(log);
      const mgr = await genEvent.start<string>(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await assert.rejects(genEvent.swapSupHandler(ctx, mgr, [{ handler: h, id: 1 }, 'swap'], [{ handler: h, id: 3 }, 'fail']), (e: unknown) => e instanceof GenEventError && e.code === 'initFailed');
      await assert.rejects(genEvent.swapSupHandler(ctx, mgr, [{ handler: h, id: 9 }, 'swap'], [null as never, 'x']), (e: unknown) => e instanceof GenEventError && e.code === 'initFailed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      assert.deepEqual((await leftovers(ctx)).filter(genEvent.isHandlerExit), []);
      // A callback's swap (OTP's do_swap) does tell the supervisor that the new handler failed.
      await genEvent.addSupHandler(ctx, mgr, { handler: h, id: 5 }, 'five');
      await genEvent.syncNotify(ctx, mgr, 'swap to failing');
      const told = (await leftovers(ctx)).filter(genEvent.isHandlerExit).map((x) => x.handler);
      assert.deepEqual(told, [{ handler: h, id: 5 }, { handler: h, id: 4 }]);
    });
  });
});

test('gen_event: swapHandler whose new handler\'s init fails answers initFailed and logs no crash report (OTP\'s server_swap_handler only answers {error, Reason}); a callback\'s failed swap still reports', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      const h = handler(log);
      const mgr = await genEvent.start<string>(ctx);
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 1 }, 'one');
      await assert.rejects(genEvent.swapHandler(ctx, mgr, [{ handler: h, id: 1 }, 'swap'], [{ handler: h, id: 3 }, 'fail']), (e: unknown) => e instanceof GenEventError && e.code === 'initFailed');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), []);
      assert.deepEqual(crashReports(logs), [], 'the caller alone hears of the failed swap');
      await genEvent.addHandler(ctx, mgr, { handler: h, id: 5 }, 'five');
      await genEvent.syncNotify(ctx, mgr, 'swap to failing');
    });
    assert.equal(crashReports(logs).length, 1, 'a callback\'s swap whose new handler fails is reported, as OTP\'s do_swap');
  });
});
