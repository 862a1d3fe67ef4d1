import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, supervisor, upgradeModules, type GenEventHandler, type GenServer, type Pid, type Supervisor, type ProcessContext, type UpgradeReport, type CodeServer } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// Upgrades of a server that a client on the same node keeps busy: the messages that wake it while the upgrade
// looks at it are the usual case under load, not a corner.

// Version `v`: casts count, a call answers the version that runs and the count; codeChange records the upgrade.
const counter = (v: number) =>
  compileModule('app/counter', `
import { ok, reply, noreply, type GenServer } from '@otp-ts/runtime';
export const counter: GenServer<{ casts: number; ups: number }, 'get', 'cast', unknown, void> = {
  init: () => ok({ casts: 0, ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, casts: s.casts, ups: s.ups }, s),
  handleCast: (_c, s) => noreply({ ...s, casts: s.casts + 1 }),
  codeChange: (_old: unknown, s: { casts: number; ups: number }) => ({ ...s, ups: s.ups + 1 }),
};`, String(v));

type Answer = { vsn: number; casts: number; ups: number };

test('a server kept busy by a client on the same node takes ten upgrades in a row: none is rolled back, every call is answered, no cast is lost', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(counter(1));
    await node.run(async (ctx) => {
      const server = await genServer.start(ctx, (code.exportsOf('app/counter') as { counter: GenServer<unknown, 'get', 'cast', unknown, void> }).counter, undefined);
      let running = true;
      ctx.spawn(async (c) => {
        const answers: Answer[] = [];
        while (running) {
          genServer.cast(c, server, 'cast');
          answers.push((await genServer.call(c, server, 'get')) as Answer);
        }
        c.send(ctx.self(), { answers });
      });
      const failures: string[] = [];
      for (let v = 2; v <= 11; v++) await upgradeModules(ctx, code, [counter(v)]).catch((e: Error) => failures.push(e.message));
      running = false;
      const { answers } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'answers' in m)) as { answers: Answer[] };
      assert.deepEqual(failures, [], 'no upgrade was rolled back');
      assert.ok(ctx.isAlive(server));
      answers.forEach((a, i) => {
        assert.equal(a.casts, i + 1, 'each call is answered after the cast sent before it, none lost or counted twice');
        assert.equal(a.ups, a.vsn - 1, 'the version that answers is the one the state was migrated to');
        if (i > 0) assert.ok(a.vsn >= answers[i - 1]!.vsn, 'the version never goes back');
      });
      assert.deepEqual(await genServer.call(ctx, server, 'get'), { vsn: 11, casts: answers.length, ups: 10 });
    });
  });
});

// Version `v` of a worker: 'hold' answers once a 'go' message came; 'get' answers the version that runs and the state.
const worker = (v: number) =>
  compileModule('app/worker', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const worker: GenServer<{ ups: number }, 'get' | 'hold', never, unknown, void> = {
  init: () => ok({ ups: 0 }),
  handleCall: async (req, _f, s, ctx) => {
    if (req === 'hold') await ctx.receive((m) => m === 'go');
    return reply({ vsn: ${v}, ups: s.ups }, s);
  },
  codeChange: (_old: unknown, s: { ups: number }) => ({ ups: s.ups + 1 }),
};`, String(v));

// Waits, with a deadline, until `done` holds.
async function until(ctx: ProcessContext, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await ctx.sleep(1);
  }
}

test('a server started while an upgrade waits for a busy one to suspend is migrated with the others, and the next upgrade does not kill it', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(worker(1));
    const mod = () => (code.exportsOf('app/worker') as { worker: GenServer<unknown, 'get' | 'hold', never, unknown, void> }).worker;
    await node.run(async (ctx) => {
      const busy = await genServer.start(ctx, mod(), undefined);
      ctx.spawn((c) => genServer.call(c, busy, 'hold', 30_000));
      await until(ctx, 'the busy server is in its callback', () => ctx.processInfo(busy)?.currentFunction !== 'gen_server.loop');
      const me = ctx.self();
      ctx.spawn(async (c) => c.send(me, { report: await upgradeModules(c, code, [worker(2)], { timeoutMs: 30_000 }) }));
      await until(ctx, 'the upgrade asks the busy server to suspend', () => (ctx.processInfo(busy)?.messageQueueLen ?? 0) > 0);
      // Started from the version being replaced, after the upgrade looked for the processes it migrates.
      const late: Pid = await genServer.start(ctx, mod(), undefined);
      ctx.send(busy, 'go');
      const { report } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'report' in m)) as { report: UpgradeReport };
      assert.ok(report.processes.some((p) => String(p) === String(late)), 'the late server took part in the upgrade');
      assert.deepEqual(await genServer.call(ctx, late, 'get'), { vsn: 2, ups: 1 }, 'it runs the new code, its state migrated');
      const third = await upgradeModules(ctx, code, [worker(3)]);
      assert.equal(third.purged, 0, 'no process was left on the version the next upgrade purges');
      assert.deepEqual(await genServer.call(ctx, late, 'get'), { vsn: 3, ups: 2 });
      assert.deepEqual(await genServer.call(ctx, busy, 'get'), { vsn: 3, ups: 2 });
    });
  });
});

// Version `v` of an event handler; v2's codeChange waits for the gate the test opens (globalThis.auditGate).
const auditor = (v: number) =>
  compileModule('app/audit', `
import type { GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<unknown, { seen: number; vsn: number }, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { seen: 0, vsn: ${v} } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: { ...s, seen: s.seen + 1 } }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: ${v}, s }, state: s }),
  codeChange: async (_old: unknown, s: { seen: number; vsn: number }) => {
    await (globalThis as { auditGate?: Promise<void> }).auditGate;
    return { ...s, vsn: ${v} };
  },
};`, String(v));

test('a gen_event call naming the handler as its client read it before an upgrade, queued while the manager was suspended, is answered by the upgraded handler', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    let open!: () => void;
    (globalThis as { auditGate?: Promise<void> }).auditGate = new Promise<void>((resolve) => (open = resolve));
    await code.load(auditor(1));
    type Handler = { audit: GenEventHandler<unknown, unknown, 'get', unknown> };
    const before = (code.exportsOf('app/audit') as Handler).audit;
    await node.run(async (ctx) => {
      const mgr = await genEvent.start(ctx);
      await genEvent.addHandler(ctx, mgr, before, undefined);
      const me = ctx.self();
      ctx.spawn(async (c) => c.send(me, { report: await upgradeModules(c, code, [auditor(2)]) }));
      await until(ctx, 'the new version is installed while the manager waits in its codeChange', () => code.versions('app/audit').current === '2');
      // A client that read the handler before the swap: its notification and call wait in the suspended manager's mailbox.
      ctx.spawn(async (c) => {
        genEvent.notify(c, mgr, 'sold');
        c.send(me, { answer: await genEvent.call(c, mgr, before, 'get').catch((e: Error) => e.message) });
      });
      await until(ctx, 'the call waits in the mailbox', () => (ctx.processInfo(mgr)?.messageQueueLen ?? 0) >= 2);
      open();
      await ctx.receive((m) => typeof m === 'object' && m !== null && 'report' in m);
      const { answer } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'answer' in m)) as { answer: unknown };
      assert.deepEqual(answer, { vsn: 2, s: { seen: 1, vsn: 2 } });
      assert.deepEqual(await genEvent.call(ctx, mgr, before, 'get'), { vsn: 2, s: { seen: 1, vsn: 2 } }, 'the handler is still found by the object its clients hold');
      assert.deepEqual(await genEvent.whichHandlers(ctx, mgr), [(code.exportsOf('app/audit') as Handler).audit]);
    });
  });
});

// Version `v` of a child that crashes when told to ('hold' waits for 'crash'); its supervisor imports it.
const crashy = (v: number) =>
  compileModule('app/crashy', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const crashy: GenServer<{ ups: number }, 'get' | 'hold', never, unknown, void> = {
  init: () => ok({ ups: 0 }),
  handleCall: async (req, _f, s, ctx) => {
    if (req === 'hold' && (await ctx.receive((m) => m === 'crash'))) throw new Error('boom');
    return reply({ vsn: ${v}, ups: s.ups }, s);
  },
  codeChange: (_old: unknown, s: { ups: number }) => ({ ups: s.ups + 1 }),
};`, String(v));
const crashySup = compileModule('app/crashy_sup', `
import { genServer, type Supervisor } from '@otp-ts/runtime';
import { crashy } from './crashy';
export const sup: Supervisor<void> = {
  init: () => ({ flags: { strategy: 'oneForOne', intensity: 5, period: 10 }, children: [{ id: 'crashy', start: (ctx) => genServer.startLink(ctx, crashy, undefined) }] }),
};`, '1');

// Holds `child` in a callback, upgrades app/crashy to version 2 (which must suspend it), crashes the child while the
// upgrade waits for it: the upgrade's outcome ('upgraded' or its error message).
async function crashWhileUpgrading(ctx: ProcessContext, code: CodeServer, child: Pid): Promise<string> {
  ctx.spawn((c) => genServer.call(c, child, 'hold', 30_000).catch(() => undefined));
  await until(ctx, 'the child is in its callback', () => ctx.processInfo(child)?.currentFunction !== 'gen_server.loop');
  const me = ctx.self();
  ctx.spawn(async (c) => c.send(me, { outcome: await upgradeModules(c, code, [crashy(2)], { timeoutMs: 30_000 }).then(() => 'upgraded', (e: Error) => e.message) }));
  await until(ctx, 'the upgrade asks the child to suspend', () => (ctx.processInfo(child)?.messageQueueLen ?? 0) > 0);
  ctx.send(child, 'crash');
  const { outcome } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'outcome' in m)) as { outcome: string };
  return outcome;
}

test('a child that crashes while an upgrade suspends it does not roll the upgrade back: its supervisor restarts it on the new code', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(crashy(1));
    await code.load(crashySup);
    await node.run(async (ctx) => {
      const sup = await supervisor.startLink(ctx, (code.exportsOf('app/crashy_sup') as { sup: Supervisor<void> }).sup, undefined);
      const child = (await supervisor.whichChildren(ctx, sup))[0]!.pid as Pid;
      assert.equal(await crashWhileUpgrading(ctx, code, child), 'upgraded');
      const restarted = (await supervisor.whichChildren(ctx, sup))[0]!.pid as Pid;
      assert.notEqual(String(restarted), String(child));
      assert.equal((await genServer.call(ctx, restarted, 'get') as { vsn: number }).vsn, 2, 'the restarted child runs the new code');
      assert.equal(code.softPurge('app/crashy'), true, 'no process is left on the old code');
    });
  });
});

// The same under a group strategy, the crashing child last (restForOne: nothing else to stop) or with a sibling.
const groupSup = (strategy: 'oneForAll' | 'restForOne') =>
  compileModule('app/group_sup', `
import { genServer, type Supervisor } from '@otp-ts/runtime';
import { crashy } from './crashy';
const spec = (id: string) => ({ id, start: (ctx) => genServer.startLink(ctx, crashy, undefined) });
export const sup: Supervisor<void> = { init: () => ({ flags: { strategy: '${strategy}', intensity: 5, period: 10 }, children: [spec('first'), spec('crashy')] }) };`, '1');

for (const strategy of ['oneForAll', 'restForOne'] as const) {
  test(`${strategy}: a last child that crashes while an upgrade suspends it restarts on the new code, and so does its group`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.load(crashy(1));
      await code.load(groupSup(strategy));
      await node.run(async (ctx) => {
        const sup = await supervisor.startLink(ctx, (code.exportsOf('app/group_sup') as { sup: Supervisor<void> }).sup, undefined);
        const child = (await supervisor.whichChildren(ctx, sup)).find((c) => c.id === 'crashy')!.pid as Pid;
        assert.equal(await crashWhileUpgrading(ctx, code, child), 'upgraded');
        for (const c of await supervisor.whichChildren(ctx, sup)) assert.equal(((await genServer.call(ctx, c.pid as Pid, 'get')) as { vsn: number }).vsn, 2, `${c.id} runs the new code`);
      });
    });
  });
}
