// Cases translated from OTP's lib/stdlib/test/gen_server_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, supervisor, ok, reply, type GenServer, type GenStatem, type LogEvent, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { ended, idle, quietLogs, withNode } from './helpers.ts';

const WAIT = 20_000;

type Neighbour = { pid: Pid; trapExit: boolean; ancestors: Array<Pid | string> };
type Crash = { kind: 'crash'; pid: Pid; ancestors: Array<Pid | string>; neighbours: Neighbour[] };

// Waits (with a deadline) for the crash report of `pid`.
async function crashReport(ctx: ProcessContext, logs: LogEvent[], pid: Pid): Promise<Crash> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const found = logs.map((e) => e.message as Crash).find((m) => m?.kind === 'crash' && m.pid.equals(pid));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no crash report for ${String(pid)}`);
    await ctx.sleep(5);
  }
}

// A server that links a plain process in init (a neighbour: it dies with the server) and crashes on 'crash'.
const crasher: GenServer<Pid, 'crash' | 'helper', never, Pid, null> = {
  name: 'gen_server_SUITE_crasher',
  init: (_args, ctx) => ok(ctx.spawn(idle, { link: true })),
  handleCall(req, _from, helper) {
    if (req === 'helper') return reply(helper, helper);
    throw new Error('crashed');
  },
};

test('crash: the crash report lists the ancestors (starter by name, then its ancestors) and the linked processes that do not trap exits as neighbours, as proc_lib does', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: 'oneForOne', intensity: 0, period: 1 }, children: [] }) }, undefined, { name: 'gen_server_SUITE_sup' });
      const pid = (await supervisor.startChild(ctx, sup, { id: 'crasher', restart: 'temporary', start: (c: ProcessContext) => genServer.startLink(c, crasher, null) }))!;
      const helper = (await genServer.call(ctx, pid, 'helper')) as Pid;
      await genServer.call(ctx, pid, 'crash').catch(() => undefined);
      const report = await crashReport(ctx, logs, pid);
      assert.deepEqual(report.ancestors, ['gen_server_SUITE_sup', ctx.self()]);
      // The supervisor traps exits: it is no neighbour. The linked helper is one, with no ancestors (a plain spawn).
      assert.deepEqual(report.neighbours.map((n) => n.pid.toString()), [helper.toString()]);
      assert.equal(report.neighbours[0]!.trapExit, false);
      assert.deepEqual(report.neighbours[0]!.ancestors, []);
      await ended(ctx, helper);
      ctx.exit(sup, 'kill');
    });
  });
});

const statem: GenStatem<string, null, 'crash', never, never, null> = {
  name: 'gen_server_SUITE_statem',
  callbackMode: () => 'handleEvent',
  init: (_args, ctx) => {
    ctx.spawn(idle, { link: true });
    return genStatem.ok('a', null);
  },
  handleEvent() {
    throw new Error('crashed');
  },
};

test('crash (gen_statem): the crash report lists the ancestors and neighbours too', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, statem, null);
      await genServer.call(ctx, pid, 'crash').catch(() => undefined);
      const report = await crashReport(ctx, logs, pid);
      assert.deepEqual(report.ancestors, [ctx.self()]);
      assert.equal(report.neighbours.length, 1);
    });
  });
});
