// A server that loads code from inside its own callback (a plugin it hot-loads, or its own module) while an upgrade
// of its module waits to suspend it: the upgrade waits for the callback, so a load that waited for the upgrade would
// hold both until the suspend timed out and the upgrade rolled back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type ModuleSource, type ProcessContext, type UpgradeReport } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

type Host = GenServer<{ ups: number }, 'get' | { load: string }, never, unknown, undefined>;
const sources = globalThis as { hostSources?: Record<string, ModuleSource> };

// Version `v` of a server whose call { load: name } waits for 'go', then loads that module and answers what happened.
const host = (v: number) =>
  compileModule('app/host', `
import { ok, reply, codeServerOf, type GenServer } from '@otp-ts/runtime';
export const host: GenServer<{ ups: number }, 'get' | { load: string }, never, unknown, undefined> = {
  init: () => ok({ ups: 0 }),
  handleCall: async (req, _f, s, ctx) => {
    if (req === 'get') return reply({ vsn: ${v}, ups: s.ups }, s);
    await ctx.receive((m) => m === 'go');
    const source = (globalThis as { hostSources?: Record<string, unknown> }).hostSources![req.load];
    try {
      const loaded = await codeServerOf(ctx.node).load(source as never);
      return reply({ loaded: loaded.vsn }, s);
    } catch (error) {
      return reply({ refused: (error as { code?: string }).code, message: (error as Error).message }, s);
    }
  },
  codeChange: (_o: unknown, s: { ups: number }) => ({ ups: s.ups + 1 }),
};`, String(v));

const plugin = compileModule('app/plugin', `export const hello = () => 'plugin';`, 'p1');

// Starts an upgrade of app/host to version 2 while `pid` is inside its { load: name } call, lets the call load, and
// gives the call's answer and how the upgrade ended.
async function loadDuringUpgrade(ctx: ProcessContext, code: ReturnType<typeof codeServerFor>, name: string): Promise<{ answer: unknown; upgrade: UpgradeReport | Error }> {
  const pid = await genServer.start(ctx, (code.exportsOf('app/host') as { host: Host }).host, undefined);
  const me = ctx.self();
  ctx.spawn(async (c) => c.send(me, { answer: await genServer.call(c, pid, { load: name }, 30_000) }));
  await until(ctx, 'the server is in its call', () => ctx.processInfo(pid)?.currentFunction !== 'gen_server.loop');
  ctx.spawn(async (c) => c.send(me, { upgrade: await upgradeModules(c, code, [host(2)], { timeoutMs: 3000 }).catch((e: Error) => e) }));
  await until(ctx, 'the upgrade asks the server to suspend', () => (ctx.processInfo(pid)?.messageQueueLen ?? 0) > 0);
  ctx.send(pid, 'go');
  const { answer } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'answer' in m)) as { answer: unknown };
  const { upgrade } = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'upgrade' in m)) as { upgrade: UpgradeReport | Error };
  return { answer, upgrade };
}

async function until(ctx: ProcessContext, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await ctx.sleep(1);
  }
}

test('a server loading another module from inside its callback while an upgrade of its own module waits to suspend it: the load proceeds and the upgrade succeeds', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    sources.hostSources = { 'app/plugin': plugin };
    await code.load(host(1));
    await node.run(async (ctx) => {
      const { answer, upgrade } = await loadDuringUpgrade(ctx, code, 'app/plugin');
      assert.deepEqual(answer, { loaded: 'p1' });
      assert.ok(!(upgrade instanceof Error), `the upgrade was not rolled back: ${(upgrade as Error).message}`);
      assert.equal(code.versions('app/plugin').current, 'p1');
      assert.deepEqual(code.versions('app/host'), { current: '2', old: '1' });
    });
  });
});

test('a server loading its own module from inside its callback while an upgrade of that module waits to suspend it: the load is refused at once, naming the upgrade, and the upgrade succeeds', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    sources.hostSources = { 'app/host': host(9) };
    await code.load(host(1));
    await node.run(async (ctx) => {
      const { answer, upgrade } = await loadDuringUpgrade(ctx, code, 'app/host');
      assert.equal((answer as { refused: string }).refused, 'upgrading');
      assert.match((answer as { message: string }).message, /cannot load app\/host: an upgrade of app\/host is under way.*load again/);
      assert.ok(!(upgrade instanceof Error), `the upgrade was not rolled back: ${(upgrade as Error).message}`);
      assert.deepEqual(code.versions('app/host'), { current: '2', old: '1' });
    });
  });
});
