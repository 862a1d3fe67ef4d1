// Cases after OTP's gen_server_SUITE.erl crash_in_format_status / throw_in_format_status and gen_event_SUITE.erl
// error_format_status, walked with a formatStatus that returns no status object (undefined, a number, a promise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, genEvent, genServer, genStatem, ok, sys, type LogEvent, type Report } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;
// What a careless formatStatus may give back: forgot the return, returned a count, was made async.
const badResults: Array<[string, () => unknown]> = [
  ['undefined', () => undefined],
  ['a number', () => 42],
  ['a promise', async () => ({ state: 'hidden' })],
];

const reports = (logs: LogEvent[], kind: string): Report[] => logs.map((e) => e.message).filter((m): m is Report => typeof m === 'object' && m !== null && m.kind === kind);

test('gen_server_SUITE crash_in_format_status: a formatStatus that returns no status object leaves sys.getStatus answering, with a note in place of the state, and the crash report of the server intact', async () => {
  for (const [what, formatStatus] of badResults) {
    await withNode(async (node) => {
      const logs = quietLogs(node);
      await node.run(async (ctx) => {
        const server = { init: () => ok('secret'), handleCall: () => { throw new Error('handler blew up'); }, formatStatus } as never;
        const pid = await genServer.start(ctx, server, undefined);
        const status = await sys.getStatus(ctx, pid);
        assert.match(String(status.state), /formatStatus returned .*, not a status object/, what);
        // The call fails with the server's own crash, not with an error of the report made for it.
        await assert.rejects(genServer.call(ctx, pid, 'x', WAIT), (e) => e instanceof CallError && e.failure instanceof Error && e.failure.message === 'handler blew up', what);
      });
      const [crash] = reports(logs, 'crash');
      assert.ok(crash !== undefined, `a crash report (${what})`);
      assert.match(String(crash.state), /not a status object/, what);
    });
  }
});

test('gen_statem_SUITE format_status: a formatStatus that returns no status object leaves sys.getStatus answering, with a note in place of the data', async () => {
  for (const [what, formatStatus] of badResults) {
    await withNode(async (node) => {
      quietLogs(node);
      await node.run(async (ctx) => {
        const machine = { callbackMode: 'handleEvent', init: () => genStatem.ok('s', 'secret'), handleEvent: () => genStatem.keepStateAndData(), formatStatus } as never;
        const pid = await genStatem.start(ctx, machine, undefined);
        const status = await sys.getStatus(ctx, pid);
        assert.match(String((status.state as { data: unknown }).data), /formatStatus returned .*, not a status object/, what);
        assert.equal((status.state as { state: unknown }).state, 's');
      });
    });
  }
});

test('gen_event_SUITE error_format_status: a crashing handler whose formatStatus returns no status object is removed and reported, and the manager and its other handlers go on', async () => {
  for (const [what, formatStatus] of badResults) {
    await withNode(async (node) => {
      const logs = quietLogs(node);
      await node.run(async (ctx) => {
        const mgr = await genEvent.start(ctx);
        const seen: unknown[] = [];
        const crashing = { name: 'dummy1_h', init: () => genEvent.ok('secret'), handleEvent: () => { throw new Error('do_crash'); }, formatStatus } as never;
        const steady = { name: 'steady', init: () => genEvent.ok(null), handleEvent: (e: unknown, s: null) => { seen.push(e); return genEvent.ok(s); } } as never;
        await genEvent.addHandler(ctx, mgr, steady, undefined);
        await genEvent.addSupHandler(ctx, mgr, crashing, undefined);
        const handlers = (await sys.getStatus(ctx, mgr)).state as Array<{ id: { name?: string }; state: unknown }>;
        assert.match(String(handlers.find((h) => h.id.name === 'dummy1_h')?.state), /not a status object/, what);
        await genEvent.syncNotify(ctx, mgr, 'do_crash');
        const exit = await ctx.receive(genEvent.isHandlerExit, WAIT);
        assert.ok(genEvent.isHandlerExit(exit) && exit.reason instanceof Error && exit.reason.message === 'do_crash', what);
        assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [steady], what);
        await genEvent.syncNotify(ctx, mgr, 'after');
        assert.deepEqual(seen, ['do_crash', 'after'], what);
      });
      const [report] = reports(logs, 'handlerCrashed');
      assert.ok(report !== undefined, `a handlerCrashed report (${what})`);
      assert.match(String(report.state), /not a status object/, what);
    });
  }
});
