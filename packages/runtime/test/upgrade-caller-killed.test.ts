// The process that asked for an upgrade is killed part-way (an rpc's or an eval's time bound, an interrupted shell):
// the servers the upgrade suspended must not stay suspended, and the next upgrade must not wait forever for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

type Srv = GenServer<{ ups: number }, 'get' | 'hold' | { upgrade: unknown }, never, unknown, undefined>;

// Version `v`; version 2's codeChange waits until the test opens its gate; 'hold' answers once a 'go' message came.
const mod = (v: number) =>
  compileModule('k/srv', `
import { ok, reply, upgradeModules, codeServerOf, type GenServer } from '@otp-ts/runtime';
export const gate = { entered: 0, open: () => {} };
const opened = new Promise<void>((resolve) => { gate.open = resolve; });
export const srv: GenServer<{ ups: number }, 'get' | 'hold' | { upgrade: unknown }, never, unknown, undefined> = {
  init: () => ok({ ups: 0 }),
  handleCall: async (req, _f, s, ctx) => {
    if (req === 'hold') await ctx.receive((m) => m === 'go');
    if (typeof req === 'object') return reply(await upgradeModules(ctx, codeServerOf(ctx.node), [req.upgrade as never]).then(() => 'ok', (e: Error) => e.message), s);
    return reply({ vsn: ${v}, ups: s.ups }, s);
  },
  codeChange: ${v === 2 ? 'async ' : ''}(_o: unknown, s: { ups: number }) => {
    ${v === 2 ? 'gate.entered++; await opened;' : ''}
    return { ups: s.ups + 1 };
  },
};`, String(v));

async function until(ctx: ProcessContext, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await ctx.sleep(1);
  }
}

test('the process asking for an upgrade is killed while a codeChange runs: the upgrade finishes, the servers serve on the new code, and the next upgrade runs', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx) => {
      const srv = (code.exportsOf('k/srv') as { srv: Srv }).srv;
      const pids: Pid[] = [await genServer.start(ctx, srv, undefined), await genServer.start(ctx, srv, undefined)];
      const asker = ctx.spawn((c) => upgradeModules(c, code, [mod(2)]));
      const gate = () => (code.exportsOf('k/srv') as { gate: { entered: number; open: () => void } }).gate;
      await until(ctx, 'the codeChanges started', () => gate().entered === 2);
      ctx.exit(asker, 'kill');
      await until(ctx, 'the asker is gone', () => !ctx.isAlive(asker));
      gate().open();
      for (const pid of pids) assert.deepEqual(await genServer.call(ctx, pid, 'get', 10_000), { vsn: 2, ups: 1 }, 'the server was resumed on the new code');
      const next = await upgradeModules(ctx, code, [mod(3)], { timeoutMs: 10_000 });
      assert.deepEqual(next.modules, [{ name: 'k/srv', from: '2', to: '3' }]);
    });
  });
});

test('the process asking for an upgrade is killed while it waits for a busy server to suspend: every server serves again, and the next upgrade runs', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx) => {
      const srv = (code.exportsOf('k/srv') as { srv: Srv }).srv;
      const [idle, busy] = [await genServer.start(ctx, srv, undefined), await genServer.start(ctx, srv, undefined)];
      ctx.spawn((c) => genServer.call(c, busy, 'hold', 30_000));
      await until(ctx, 'the busy server is in its call', () => ctx.processInfo(busy)?.currentFunction !== 'gen_server.loop');
      const asker = ctx.spawn((c) => upgradeModules(c, code, [mod(3)], { timeoutMs: 30_000 }));
      await until(ctx, 'the upgrade asks the busy server to suspend', () => (ctx.processInfo(busy)?.messageQueueLen ?? 0) > 0);
      ctx.exit(asker, 'kill');
      await until(ctx, 'the asker is gone', () => !ctx.isAlive(asker));
      ctx.send(busy, 'go');
      // The next upgrade runs once the first has ended (upgrades run one at a time): bounded, so a first that never ends fails here.
      let timer: NodeJS.Timeout | undefined;
      const never = new Promise<string>((resolve) => (timer = setTimeout(resolve, 20_000, 'the next upgrade never ran')));
      const next = await Promise.race([upgradeModules(ctx, code, [mod(4)], { timeoutMs: 10_000 }), never]).finally(() => clearTimeout(timer));
      assert.deepEqual(typeof next === 'string' ? next : next.modules, [{ name: 'k/srv', from: '3', to: '4' }]);
      for (const pid of [idle, busy]) assert.deepEqual(await genServer.call(ctx, pid, 'get', 10_000), { vsn: 4, ups: 2 });
    });
  });
});

test('an upgrade asked for from a callback of a server running the module is refused at once, naming the caller', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('k/srv') as { srv: Srv }).srv, undefined);
      const answer = await genServer.call(ctx, pid, { upgrade: mod(3) }, 10_000);
      assert.match(String(answer), /upgrade not started: <0\.\d+\.0>, which asked for it, runs k\/srv and would wait for its own suspend/);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 1, ups: 0 });
    });
  });
});
