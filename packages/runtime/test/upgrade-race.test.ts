// Two upgrades of one module started side by side (two operators, a release install and a shell's reload): the second
// must not purge the version whose processes the first is still migrating. As OTP's code server and release handler,
// which take one change at a time, the second waits for the first; every server survives and ends on the newest code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type CodeError, type GenServer, type Pid, type ProcessContext, type UpgradeReport } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor, tick } from './helpers.ts';

type Srv = GenServer<{ ups: number }, 'get', never, unknown, undefined>;

// Version `v`; version 2's codeChange waits until the test opens its gate (`open`), saying when it entered (`entered`).
const mod = (v: number) =>
  compileModule('t/race', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const gate = { entered: 0, open: () => {} };
const opened = new Promise<void>((resolve) => { gate.open = resolve; });
export const srv: GenServer<{ ups: number }, 'get', never, unknown, undefined> = {
  init: () => ok({ ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, ups: s.ups }, s),
  codeChange: ${v === 2 ? 'async ' : ''}(_o: unknown, s: { ups: number }) => {
    ${v === 2 ? 'gate.entered++; await opened;' : ''}
    return { ups: s.ups + 1 };
  },
};`, String(v));

test('a second upgrade started while the first still migrates waits for it: no server of the module is purged, both succeed', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx: ProcessContext) => {
      const srv = (code.exportsOf('t/race') as { srv: Srv }).srv;
      const pids: Pid[] = [];
      for (let i = 0; i < 3; i++) pids.push(await genServer.start(ctx, srv, undefined));
      const first = node.run((u) => upgradeModules(u, code, [mod(2)]));
      const gate = () => (code.exportsOf('t/race') as { gate: { entered: number; open: () => void } }).gate;
      const deadline = Date.now() + 5000;
      while (gate().entered < 3) {
        assert.ok(Date.now() < deadline, 'the first upgrade never reached its codeChanges');
        await tick();
      }
      const open = gate().open;
      let secondDone = false;
      const second = node.run((u) => upgradeModules(u, code, [mod(3)])).finally(() => (secondDone = true));
      // Give the second upgrade its chance to run ahead (it must not), then let the first finish.
      for (let i = 0; i < 20 && !secondDone; i++) await tick();
      open();
      const reports: UpgradeReport[] = await Promise.all([first, second]);
      assert.deepEqual(reports.map((r) => r.killed), [[], []], 'no server was purged');
      for (const pid of pids) assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 3, ups: 2 });
      assert.deepEqual(reports.map((r) => r.modules[0]), [{ name: 't/race', from: '1', to: '2' }, { name: 't/race', from: '2', to: '3' }]);
    });
  });
});

test('a load of the module while an upgrade still migrates is refused at once, naming the upgrade: the servers are migrated, not killed', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(mod(1));
    await node.run(async (ctx: ProcessContext) => {
      const srv = (code.exportsOf('t/race') as { srv: Srv }).srv;
      const pid = await genServer.start(ctx, srv, undefined);
      const upgrade = node.run((u) => upgradeModules(u, code, [mod(2)]));
      const gate = () => (code.exportsOf('t/race') as { gate: { entered: number; open: () => void } }).gate;
      const deadline = Date.now() + 5000;
      while (gate().entered < 1) {
        assert.ok(Date.now() < deadline, 'the upgrade never reached its codeChange');
        await tick();
      }
      const open = gate().open;
      await assert.rejects(code.load(mod(3)), (e: CodeError) => e.code === 'upgrading' && /cannot load t\/race: an upgrade of t\/race is under way/.test(e.message));
      open();
      const report = await upgrade;
      assert.deepEqual(report.killed, []);
      assert.ok(ctx.isAlive(pid), 'the load purged the version the upgrade was moving the server off');
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, ups: 1 });
      assert.deepEqual(code.versions('t/race'), { current: '2', old: '1' });
      await code.load(mod(3));
      assert.ok(ctx.isAlive(pid), 'the load once the upgrade finished moved the server on, not killed it');
    });
  });
});
