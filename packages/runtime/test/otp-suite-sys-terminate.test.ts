// sys:terminate/2,3 (OTP 18) as sys_SUITE and proc_lib use it: the process is ordered to terminate with a
// reason, runs its terminate callback and exits with that reason; the order is acknowledged, not awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, genEvent, genServer, genStatem, sys, ok, isDown, type GenEventHandler, type GenServer, type GenStatem, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const WAIT = 20_000;

type Tester = { tester: Pid };
const note = (ctx: ProcessContext, tester: Pid, who: string, reason: unknown): void => ctx.send(tester, { terminated: who, reason });

const server: GenServer<Tester, never, never, never, Tester> = { name: 'sys_terminate_server', init: (args) => ok(args), terminate: (reason, s, ctx) => note(ctx, s.tester, 'server', reason) };
const machine: GenStatem<'idle', Tester, never, never, never, Tester> = {
  name: 'sys_terminate_machine',
  callbackMode: 'handleEvent',
  init: (args) => genStatem.ok('idle', args),
  handleEvent: () => genStatem.keepStateAndData(),
  terminate: (reason, _state, data, ctx) => note(ctx, data.tester, 'machine', reason),
};
const handler: GenEventHandler<Tester, unknown, never, never, Tester> = {
  name: 'sys_terminate_handler',
  init: (args) => genEvent.ok(args),
  handleEvent: (_e, s) => genEvent.ok(s),
  terminate: (reason, s, ctx) => note(ctx, s.tester, 'handler', reason),
};

async function terminated(ctx: ProcessContext, pid: Pid, reason: unknown, who: string, handlerArg: unknown = reason): Promise<void> {
  const ref = ctx.monitor(pid);
  await sys.terminate(ctx, pid, reason);
  const noted = await ctx.receive((m) => typeof m === 'object' && m !== null && 'terminated' in m, WAIT);
  assert.deepEqual(noted, { terminated: who, reason: handlerArg });
  const down = await ctx.receive((m) => isDown(m, ref), WAIT);
  assert.ok(isDown(down, ref), `${who} exited`);
  assert.deepEqual(down.reason, reason);
}

test('sys_SUITE terminate: a gen_server, a suspended gen_server, a gen_statem and a gen_event manager run terminate and exit with the reason given', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const tester = { tester: ctx.self() };
      await terminated(ctx, await genServer.start(ctx, server, tester), 'bye', 'server');
      const suspended = await genServer.start(ctx, server, tester, { name: 'sys_terminate_named' });
      await sys.suspend(ctx, 'sys_terminate_named');
      await terminated(ctx, suspended, { shutdown: 'upgrade' }, 'server');
      await terminated(ctx, await genStatem.start(ctx, machine, tester), 'shutdown', 'machine');
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, handler, tester);
      await terminated(ctx, mgr, 'normal', 'handler', 'stop');
    });
  });
});

test('sys_SUITE terminate: a name nobody holds is CallError noproc', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await assert.rejects(sys.terminate(ctx, 'sys_terminate_nobody', 'bye'), (e: unknown) => e instanceof CallError && e.failure === 'noproc');
    });
  });
});
