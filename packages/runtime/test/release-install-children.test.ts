// The release handler's install when a supervisor's new child specs drop a child: what the health probe makes of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supervisor } from '../src/index.ts';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';
import { internalsOf } from '../src/process-internals.ts';
import { CallMessage } from '../src/gen/messages.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

// fx/app starts fx/sup's `sup` as top; version v of fx/sup supervises workers on fx/srv, `children` of them (shutdown given).
const APP = `
import { supervisor } from '@otp-ts/runtime';
import { sup } from './sup';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, sup, undefined, { name: 'top' }) };`;
const SUP = (children: string) => `
import { genServer } from '@otp-ts/runtime';
import { srv } from './srv';
const w = (id: string, shutdown: unknown = 5000) => ({ id, shutdown, start: (c: any) => genServer.startLink(c, srv, id, { name: id }) });
export const sup = { name: 'top', init: () => ({ flags: { strategy: 'oneForOne', intensity: 3, period: 5 }, children: [${children}] }) };`;
const SRV = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: (id: string) => ok({ id, v: ${v} }), handleCall: (_r: unknown, _f: unknown, s: any) => reply(s, s), codeChange: (_o: unknown, s: any) => ({ ...s, v: ${v} }) };`;

test("an upgrade whose supervisor drops a brutalKill child running a changed module installs: the child's stop is no crash in the health probe", async () => {
  const v = (n: number, children: string): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': APP, 'fx/sup': SUP(children), 'fx/srv': SRV(n) }, changed: ['fx/sup', 'fx/srv'] });
  await withRelease([v(1, "w('a'), w('old', 'brutalKill')"), v(2, "w('a')")], async (state, handler) => {
    const report = (await (handler.install as Install)('2', { probeMs: 300 })) as InstallReport;
    assert.deepEqual(report.children, { started: [], stopped: ['old'] });
    assert.equal(state.files.release.vsn, '2');
    const children = await state.node.run((ctx) => supervisor.whichChildren(ctx, 'top'));
    assert.deepEqual(children.map((c) => c.id), ['a']);
  });
});

test("an upgrade of a supervisor's module whose specs add and drop nothing does not list its children (O(children) for a pool) to sync them", async () => {
  const v = (n: number): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': APP, 'fx/sup': SUP("w('a'), w('b')") + `\nexport const version = ${n};`, 'fx/srv': SRV(1) }, changed: ['fx/sup'] });
  await withRelease([v(1), v(2)], async (state, handler) => {
    const top = state.node.whereis('top')!;
    const record = internalsOf(top)!;
    const deliver = record.deliver.bind(record);
    const asked: string[] = [];
    record.deliver = (message: unknown) => {
      if (message instanceof CallMessage) asked.push(String((message.request as { op?: unknown })?.op));
      deliver(message);
    };
    const report = (await (handler.install as Install)('2', { probeMs: 100 })) as InstallReport;
    assert.deepEqual(report.children, { started: [], stopped: [] });
    assert.ok(asked.includes('syncChildren'), 'the migrated supervisor was synced');
    assert.ok(!asked.includes('whichChildren'), `no listing of its children: ${asked.join(', ')}`);
  });
});
