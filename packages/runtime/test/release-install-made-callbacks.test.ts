// The release handler's install of a server whose callbacks a factory makes at run time: what its report says of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

// fx/srv's server is made by its factory, makeSrv(label): no export is the callback object the process runs.
const SRV = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export function makeSrv(label: string) {
  return { init: () => ok(0), handleCall: (_r: unknown, _f: unknown, n: number) => reply('${v}:' + label, n), codeChange: (_o: unknown, n: number) => n };
}`;
const APP = `
import { genServer, supervisor } from '@otp-ts/runtime';
import { makeSrv } from './srv';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, { init: () => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 3, period: 5 }, children: [{ id: 'srv', start: (c: any) => genServer.startLink(c, makeSrv('pool'), undefined, { name: 'fx_srv' }) }] }) }, undefined) };`;

test('an upgrade of a module whose factory made a running server names that server as left on the old code, and the next upgrade reports it killed', async () => {
  const v = (n: number): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': APP, 'fx/srv': SRV(n) } });
  await withRelease([v(1), v(2), v(3)], async (state, handler) => {
    const srv = String(state.node.whereis('fx_srv'));
    const second = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(second.processes, 0, 'nothing could migrate it');
    assert.deepEqual(second.stranded, [{ pid: srv, module: 'fx/srv' }], 'the report names it as left on the old code');
    const third = (await (handler.install as Install)('3', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(third.killed, [{ pid: srv, module: 'fx/srv' }], 'the purge of version 1 killed it, and says so');
  });
});
