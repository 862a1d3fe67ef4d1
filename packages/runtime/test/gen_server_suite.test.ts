// Cases translated from OTP's lib/stdlib/test/gen_server_SUITE.erl, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, supervisor, sys, ok, reply, type GenServer, type GenStatem, type LogEvent, type Pid, type ProcessContext } from '@otp-ts/runtime';
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

const plain: GenServer<null, never, never, never, null> = { name: 'gen_server_SUITE_plain', init: () => ok(null) };

// A via registry as OTP's dummy_via: a plain map of names.
function dummyVia() {
  const names = new Map<unknown, Pid>();
  return {
    whereis: (name: unknown) => names.get(name),
    register: (name: unknown, pid: Pid) => (names.has(name) ? false : (names.set(name, pid), true)),
    unregister: (name: unknown) => void names.delete(name),
  };
}

test('stop5 / stop6 / stop7: stop by { name, node } of this node, by a global name and by a via-name ends the server; a second stop is noproc', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const via = dummyVia();
      const refs = [{ name: 'to_stop', node: ctx.node.name }, { global: 'to_stop' }, { via, name: 'to_stop' }] as const;
      const names = ['to_stop', { global: 'to_stop' }, { via, name: 'to_stop' }] as const;
      for (let i = 0; i < refs.length; i++) {
        const pid = await genServer.start(ctx, plain, null, { name: names[i] });
        await genServer.stop(ctx, refs[i]!);
        assert.equal(ctx.isAlive(pid), false, `stopped through ${JSON.stringify(names[i])}`);
        await assert.rejects(genServer.stop(ctx, refs[i]!), (e: { failure?: unknown }) => e.failure === 'noproc');
      }
    });
  });
});

type Secret = { secret?: string; formatted?: boolean };
const formatted: GenServer<Secret, 'crash', never, never, null> = {
  name: 'gen_server_SUITE_formatted',
  init: () => ok({ secret: 'hunter2' }),
  handleCall() {
    throw new Error('crashed');
  },
  terminate() {
    throw new Error('terminate_crash');
  },
  formatStatus: (status) => ({ ...status, state: { formatted: true } }),
};

test('call_format_status: sys.getStatus shows the state as formatStatus shapes it, by pid and by name', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, formatted, null, { name: 'format_status_server' });
      assert.deepEqual((await sys.getStatus(ctx, pid)).state, { formatted: true });
      assert.deepEqual((await sys.getStatus(ctx, 'format_status_server')).state, { formatted: true });
      ctx.exit(pid, 'kill');
    });
  });
});

test('terminate_crash_format: a terminate that crashes makes the report carry its error as the reason and the state as formatStatus shapes it', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, formatted, null);
      await genServer.call(ctx, pid, 'crash').catch(() => undefined);
      const report = (await crashReport(ctx, logs, pid)) as Crash & { state: unknown; reason: unknown };
      assert.deepEqual(report.state, { formatted: true });
      assert.ok(report.reason instanceof Error && report.reason.message === 'terminate_crash', `reason is the terminate's error, got ${String(report.reason)}`);
      assert.ok(!JSON.stringify(report).includes('hunter2'), 'the secret state is not in the report');
    });
  });
});
