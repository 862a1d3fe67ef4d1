// sys:get_status cases of OTP's sys_SUITE and gen_event_SUITE not covered before: the parent of a process
// started without a link, and a gen_event manager's logged events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, genStatem, ok, sys, type GenEventHandler, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

test('sys_SUITE: get_status of a process started with start (no link) names the process itself as its parent, as OTP\'s gen does', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const srv: GenServer<null> = { init: () => ok(null) };
      const s = await genServer.start(ctx, srv, undefined);
      assert.equal(String((await sys.getStatus(ctx, s)).parent), String(s));
      const linked = await genServer.startLink(ctx, srv, undefined);
      assert.equal(String((await sys.getStatus(ctx, linked)).parent), String(ctx.self()), 'a linked one names its starter');
      const m: GenStatem<string, null, never, never, never, void> = { callbackMode: 'handleEvent', init: () => genStatem.ok('a', null), handleEvent: () => genStatem.keepStateAndData() };
      const st = await genStatem.start(ctx, m, undefined);
      assert.equal(String((await sys.getStatus(ctx, st)).parent), String(st));
      const mgr = await genEvent.start(ctx);
      assert.equal(String((await sys.getStatus(ctx, mgr)).parent), String(mgr));
      await genServer.stop(ctx, s);
      await genServer.stop(ctx, linked);
      await genStatem.stop(ctx, st);
      await genEvent.stop(ctx, mgr);
    });
  });
});

test('gen_event_SUITE: get_status with the log on shows the manager\'s logged events, through each handler\'s formatStatus', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const h: GenEventHandler<number, string> = {
        name: 'counter',
        init: () => genEvent.ok(0),
        handleEvent: (_e, n) => genEvent.ok(n + 1),
        formatStatus: (s) => ({ ...s, log: s.log?.map((e) => (e.type === 'in' && e.message === 'secret' ? { ...e, message: '<redacted>' } : e)) }),
      };
      const mgr = await genEvent.start<string>(ctx, { debug: ['log'] });
      await genEvent.addHandler(ctx, mgr, h, undefined);
      genEvent.notify(ctx, mgr, 'secret');
      genEvent.notify(ctx, mgr, 'plain');
      await sys.getState(ctx, mgr);
      const { log, state } = await sys.getStatus(ctx, mgr);
      const ins = (log ?? []).filter((e) => e.type === 'in' && e.kind === 'notify').map((e) => (e.type === 'in' ? e.message : undefined));
      assert.deepEqual(ins, ['<redacted>', 'plain']);
      assert.deepEqual((state as Array<{ state: unknown }>).map((x) => x.state), [2]);
      await sys.log(ctx, mgr, false);
      assert.equal((await sys.getStatus(ctx, mgr)).log, undefined, 'the log is off');
      await genEvent.stop(ctx, mgr);
    });
  });
});
