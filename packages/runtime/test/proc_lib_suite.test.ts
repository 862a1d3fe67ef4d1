// Cases after OTP's lib/stdlib/test/proc_lib_SUITE.erl, translated to behaviour processes (a gen_server is a proc_lib process), each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, StartError, genServer, ok, reply, stop, genStatem, type ExitReason, type GenServer, type GenStatem, type LogEvent } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';

type Cmd = { exit: ExitReason } | 'ping';
const dier: GenServer<null, Cmd, never, string> = {
  name: 'proc_lib_SUITE_dier',
  init: () => ok(null),
  handleCall: (cmd, _from, s) => (cmd === 'ping' ? reply('pong', s) : stop(cmd.exit, s)),
};

const machine: GenStatem<string, null, never, never> = {
  name: 'proc_lib_SUITE_machine',
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', null),
  handleEvent: () => {
    throw new Error('die');
  },
};

const crashes = (events: LogEvent[]): Array<Record<string, unknown>> =>
  events.map((e) => e.message as unknown as Record<string, unknown>).filter((r) => typeof r === 'object' && r !== null && r.kind === 'crash');

test('crash: shutdown and { shutdown: … } exits make no crash report; an abnormal one reports initial call, ancestors, links, trap_exit and queue length', async () => {
  await withNode(async (node) => {
    const events = quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      for (const exit of ['shutdown', { shutdown: { a: 'b' } }] as ExitReason[]) {
        const srv = await genServer.startLink(ctx, dier, undefined);
        await assert.rejects(genServer.call(ctx, srv, { exit }));
        await ended(ctx, srv);
      }
      assert.deepEqual(crashes(events), []);
      const srv = await genServer.startLink(ctx, dier, undefined);
      await assert.rejects(genServer.call(ctx, srv, { exit: 'die' }));
      await ended(ctx, srv);
      const fsm = await genStatem.startLink(ctx, machine, undefined);
      ctx.send(fsm, 'die');
      await ended(ctx, fsm);
    });
    const [report, fsmReport, ...more] = crashes(events);
    assert.equal(more.length, 0);
    assert.match(String(fsmReport!.initialCall), /proc_lib_SUITE_machine/);
    assert.deepEqual([fsmReport!.trapExit, fsmReport!.messageQueueLen, Array.isArray(fsmReport!.links)], [false, 0, true]);
    assert.equal(report!.reason, 'die');
    assert.equal(typeof report!.initialCall, 'string');
    assert.match(String(report!.initialCall), /proc_lib_SUITE_dier/);
    assert.equal(report!.ancestors instanceof Array && report!.ancestors.length, 1);
    assert.ok(Array.isArray(report!.links));
    assert.equal(report!.trapExit, false);
    assert.equal(report!.messageQueueLen, 0);
  });
});

test('init_dont_hang: start without a link whose init throws fails with the error as start_link does, and does not hang', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const bad: GenServer<null, never, never, never> = { init: () => { throw new Error('bad_init'); }, handleCall: () => { throw new Error('never'); } };
      const linked = await genServer.startLink(ctx, bad, undefined).then(() => null, (e: unknown) => e);
      const unlinked = await genServer.start(ctx, bad, undefined, { timeout: 1000 }).then(() => null, (e: unknown) => e);
      assert.ok(linked instanceof StartError && unlinked instanceof StartError);
      assert.match(String((unlinked as StartError).message), /bad_init/);
    });
  });
});

test('sync_start with a timeout: an init that never acknowledges fails the start with timeout and the process is gone', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const hang: GenServer<null, never, never, never> = { init: () => new Promise<never>(() => {}), handleCall: () => { throw new Error('never'); } };
      const before = node.processes().length;
      const e = await genServer.start(ctx, hang, undefined, { timeout: 20 }).then(() => null, (x: unknown) => x);
      assert.ok(e instanceof StartError && e.reason === 'timeout', String(e));
      assert.equal(node.processes().length, before);
    });
  });
});

test('stop: stops with the reason, noproc once gone, timeout for a hanging terminate, the other reason when terminate crashes, by name too', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, dier, undefined);
      await genServer.stop(ctx, srv);
      assert.equal(ctx.processInfo(srv), undefined);
      await assert.rejects(genServer.stop(ctx, srv), (e) => e instanceof CallError && e.failure === 'noproc');
      const hanging = await genServer.start(ctx, { ...dier, terminate: () => new Promise<void>(() => {}) }, undefined);
      await assert.rejects(genServer.stop(ctx, hanging, 'normal', 30), (e) => e instanceof CallError && e.failure === 'timeout');
      ctx.exit(hanging, 'kill');
      const crashing = await genServer.start(ctx, { ...dier, terminate: (reason) => { if (reason === 'crash') throw new Error('badmatch'); } }, undefined);
      await assert.rejects(genServer.stop(ctx, crashing, 'crash'), (e) => e instanceof CallError && e.failure instanceof Error && /badmatch/.test(e.failure.message));
      const other = await genServer.start(ctx, dier, undefined);
      await genServer.stop(ctx, other, 'other_reason');
      await genServer.start(ctx, dier, undefined, { name: 'to_stop' });
      await genServer.stop(ctx, 'to_stop');
      assert.equal(ctx.whereis('to_stop'), undefined);
      await assert.rejects(genServer.stop(ctx, 'to_stop'), (e) => e instanceof CallError && e.failure === 'noproc');
    });
  });
});
