// More cases mirroring OTP's lib/stdlib/test/sys_SUITE.erl and supervisor shutdowns of suspended children
// (OTP's sys suspend loop takes the parent's 'EXIT' besides system messages and terminates on it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, genStatem, supervisor, sys, ok, noreply, reply, isDown, TIMEOUT, type ChildSpec, type GenEventHandler, type GenServer, type GenStatem, type Pid, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const WAIT = 20_000;

type Tester = { tester: Pid };
const note = (ctx: ProcessContext, tester: Pid, who: string, reason: unknown): void => ctx.send(tester, { terminated: who, reason });

const server: GenServer<Tester, never, never, never, Tester> = {
  name: 'suspended_server',
  init(args, ctx) {
    ctx.trapExit(true);
    return ok(args);
  },
  terminate: (reason, s, ctx) => note(ctx, s.tester, 'server', reason),
};
const machine: GenStatem<'idle', Tester, never, never, never, Tester> = {
  name: 'suspended_machine',
  callbackMode: 'handleEvent',
  init(args, ctx) {
    ctx.trapExit(true);
    return genStatem.ok('idle', args);
  },
  handleEvent: () => genStatem.keepStateAndData(),
  terminate: (reason, _state, data, ctx) => note(ctx, data.tester, 'machine', reason),
};
const handler: GenEventHandler<Tester, unknown, never, never, Tester> = {
  name: 'suspended_handler',
  init: (args) => genEvent.ok(args),
  handleEvent: (_e, s) => genEvent.ok(s),
  terminate: (reason, s, ctx) => note(ctx, s.tester, 'handler', reason),
};

test('sys_SUITE / supervisor shutdown: a suspended gen_server, gen_statem and gen_event manager still terminate on their parent\'s exit, as OTP\'s suspend loop does', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true); // the test is the supervisor's parent
      const tester = ctx.self();
      // Shutdown infinity: a child that ignored its supervisor's shutdown signal would hold the supervisor for good.
      const children: ChildSpec[] = [
        { id: 'server', start: (c) => genServer.startLink(c, server, { tester }), shutdown: 'infinity' },
        { id: 'machine', start: (c) => genStatem.startLink(c, machine, { tester }), shutdown: 'infinity' },
        {
          id: 'manager',
          shutdown: 'infinity',
          async start(c) {
            const mgr = await genEvent.startLink(c);
            await genEvent.addHandler(c, mgr, handler, { tester });
            return mgr;
          },
        },
      ];
      const sup = await supervisor.startLink(ctx, { name: 'suspending_sup', init: () => ({ flags: {}, children }) } satisfies Supervisor<void>, undefined);
      const pids = (await supervisor.whichChildren(ctx, sup)).map((c) => c.pid as Pid);
      // As an upgrade leaves them between suspend and resume.
      for (const pid of pids) await sys.suspend(ctx, pid);
      for (const pid of pids) assert.equal((await sys.getStatus(ctx, pid)).status, 'suspended');
      const refs = pids.map((p) => ctx.monitor(p));
      const supRef = ctx.monitor(sup);
      ctx.exit(sup, 'shutdown');
      const terminated: Record<string, unknown> = {};
      for (let i = 0; i < 3; i++) {
        const m = await ctx.receive((x): x is { terminated: string; reason: unknown } => typeof x === 'object' && x !== null && 'terminated' in x, WAIT);
        assert.ok(m !== TIMEOUT, `only ${Object.keys(terminated).join(', ') || 'none'} of the suspended children terminated`);
        terminated[m.terminated] = m.reason;
      }
      assert.deepEqual(terminated, { server: 'shutdown', machine: 'shutdown', handler: 'stop' });
      for (const ref of refs) {
        const down = await ctx.receive((x) => isDown(x, ref), WAIT);
        assert.equal((down as { reason: unknown }).reason, 'shutdown');
      }
      assert.equal(((await ctx.receive((x) => isDown(x, supRef), WAIT)) as { reason: unknown }).reason, 'shutdown');
    });
  });
});

type Seen = { got: unknown[] };
const seen: GenServer<Seen, 'seen', never, unknown[]> = {
  name: 'seen_server',
  init(_args, ctx) {
    ctx.trapExit(true);
    return ok({ got: [] });
  },
  handleInfo: (m, s) => noreply({ got: [...s.got, (m as { reason?: unknown }).reason] }),
  handleCall: (_r, _f, s) => reply(s.got, s),
};

test('sys_SUITE: a suspended server keeps the EXIT of a process other than its parent until resumed, then handles it as a message', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, seen, undefined);
      const other = ctx.spawn(async (c) => {
        c.link(srv);
        await c.receive();
      });
      await sys.suspend(ctx, srv);
      const ref = ctx.monitor(other);
      ctx.exit(other, 'bye');
      await ctx.receive((m) => isDown(m, ref), WAIT);
      assert.equal((await sys.getStatus(ctx, srv)).status, 'suspended', 'an EXIT from a process other than the parent does not end the suspension');
      await sys.resume(ctx, srv);
      assert.deepEqual(await genServer.call(ctx, srv, 'seen'), ['bye']);
      await genServer.stop(ctx, srv);
    });
  });
});
