// A server started while an upgrade migrates (its supervisor restarting it after a crash, a client starting one) runs the
// new code. If that upgrade then rolls back, the new code is unloaded: the server must not be left running it, outside
// every later upgrade and purge. As a process stuck in its codeChange, it is killed, so that its supervisor restarts it
// on the code the rollback restored, and the error names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, upgradeModules, UpgradeError, type Supervisor, type ProcessContext, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, tick } from './helpers.ts';

// The supervisor lives in a module of its own, which the upgrade leaves alone: it restarts its children meanwhile.
const supMod = compileModule('t/rbsup', `
import { genServer, type Supervisor } from '@otp-ts/runtime';
import { worker, other } from './rb';
export const sup: Supervisor<undefined> = {
  init: () => ({ flags: { strategy: 'oneForOne', intensity: 10, period: 10 }, children: [
    { id: 'w', start: (ctx) => genServer.startLink(ctx, worker, undefined) },
    { id: 'o', start: (ctx) => genServer.startLink(ctx, other, undefined) },
  ] }),
};`, '1');

// Version `v` of two servers; version 2's worker's codeChange waits for the gate, then fails.
const mod = (v: number) =>
  compileModule('t/rb', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const gate = { entered: 0, open: () => {} };
const opened = new Promise<void>((resolve) => { gate.open = resolve; });
export const worker: GenServer<{ ups: number }, 'get', never, unknown, undefined> = {
  init: () => ok({ ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, ups: s.ups }, s),
  codeChange: ${v === 2 ? 'async ' : ''}(_o: unknown, s: { ups: number }) => {
    ${v === 2 ? "gate.entered++; await opened; throw new Error('no way');" : ''}
    return { ups: s.ups + 1 };
  },
};
export const other: GenServer<null, 'get', never, unknown, undefined> = { init: () => ok(null), handleCall: (_r, _f, s) => reply(${v}, s) };`, String(v));

async function childPid(ctx: ProcessContext, sup: Pid, id: string): Promise<Pid | undefined> {
  const c = (await supervisor.whichChildren(ctx, sup)).find((x) => x.id === id);
  return c?.pid instanceof Object ? (c.pid as Pid) : undefined;
}

test('a child restarted while an upgrade migrates, on the new code, is restarted on the old code when the upgrade rolls back', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await code.load(supMod);
    await node.run(async (ctx: ProcessContext) => {
      const sup = await supervisor.start(ctx, (code.exportsOf('t/rbsup') as { sup: Supervisor<undefined> }).sup, undefined);
      const before = (await childPid(ctx, sup, 'o'))!;
      const upgrade = node.run((u) => upgradeModules(u, code, [mod(2)]).catch((e: unknown) => e));
      const gate = () => (code.exportsOf('t/rb') as { gate: { entered: number; open: () => void } }).gate;
      const deadline = Date.now() + 5000;
      while (gate().entered < 1) {
        assert.ok(Date.now() < deadline, 'the upgrade never reached its codeChange');
        await tick();
      }
      // The upgrade waits in the worker's codeChange: 'other' crashes, and its supervisor restarts it, on the new code.
      ctx.exit(before, 'kill');
      let restarted: Pid | undefined;
      while ((restarted = await childPid(ctx, sup, 'o').catch(() => undefined)) === undefined || restarted === before) {
        assert.ok(Date.now() < deadline, 'the child was never restarted');
        await tick();
      }
      gate().open();
      const error = await upgrade;
      assert.ok(error instanceof UpgradeError, String(error));
      assert.match(error.message, /^upgrade rolled back: codeChange of t\/rb in <0\.\d+\.0> failed: no way; <0\.\d+\.0> started on the new code during the upgrade and was killed \(its supervisor restarts it on the old code\)$/);
      assert.equal(code.record('t/rb').current?.vsn, '1');
      let now: Pid | undefined;
      for (;;) {
        now = await childPid(ctx, sup, 'o');
        if (now !== undefined && (await genServer.call(ctx, now, 'get')) === 1) break;
        assert.ok(Date.now() < deadline, 'the child still runs the code the rollback unloaded');
        await tick();
      }
    });
  });
});
