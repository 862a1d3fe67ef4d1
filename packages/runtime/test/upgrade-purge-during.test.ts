// code.purge and code.delete are synchronous: called while an upgrade of the module is still moving its processes
// (an async codeChange), they would kill the very processes being moved. They refuse, naming the upgrade and the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodeError, genServer, upgradeModules, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, tick } from './helpers.ts';

type Gate = { entered: boolean; open: Promise<void> };
const gates = globalThis as unknown as { __slowGate?: Gate };

// Version 2's codeChange waits for the test to open the gate: the upgrade stays mid-migration meanwhile.
const slow = (v: number) =>
  compileModule('t/slow', `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  init: () => ok({ ups: 0 }),
  handleCall: (_r: 'get', _f: unknown, s: { ups: number }) => reply({ vsn: ${v}, ups: s.ups }, s),
  codeChange: async (_o: unknown, s: { ups: number }) => {
    const gate = (globalThis as any).__slowGate;
    gate.entered = true;
    await gate.open;
    return { ups: s.ups + 1 };
  },
};`, String(v));

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the codeChange to start');
    await tick();
  }
}

for (const op of ['purge', 'delete'] as const) {
  test(`code.${op} while an upgrade of the module is mid-migration is refused, naming the upgrade, and kills nothing`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.load(slow(1));
      await node.run(async (ctx: ProcessContext) => {
        const pid = (await genServer.start(ctx, (code.exportsOf('t/slow') as { srv: never }).srv, undefined)) as Pid;
        let open!: () => void;
        gates.__slowGate = { entered: false, open: new Promise<void>((r) => (open = r)) };
        const upgrade = upgradeModules(ctx, code, [slow(2)]);
        await until(() => gates.__slowGate!.entered);
        assert.throws(
          () => (op === 'purge' ? code.purge('t/slow') : code.delete('t/slow')),
          (e: unknown) => e instanceof CodeError && e.code === 'upgrading' && /t\/slow/.test(e.message) && /upgrade/.test(e.message) && /wait/.test(e.message),
        );
        assert.ok(ctx.isAlive(pid), `the ${op} killed the process the upgrade was moving`);
        open();
        const report = await upgrade;
        assert.deepEqual(report.processes, [pid]);
        assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, ups: 1 });
        assert.equal(code.purge('t/slow'), 0, 'once the upgrade is done, the purge runs');
      });
    });
  });
}
