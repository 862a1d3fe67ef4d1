// The release handler's install over many instances of one server, when the codeChange of one of them throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, sys, type Pid } from '../src/index.ts';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallError, InstallReport } from '../src/release/handler.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;
const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

// fx/app starts a simpleOneForOne pool of 20 fx/srv workers, worker i with state { i, n: 0 }.
const APP = `
import { genServer, supervisor } from '@otp-ts/runtime';
import { srv } from './srv';
export const pool = { name: 'pool', init: () => ({ flags: { strategy: 'simpleOneForOne' }, children: [{ id: 'w', start: (c: any, i: number) => genServer.startLink(c, srv, i) }] }) };
export default { start: async (_t: unknown, _a: unknown, ctx: any) => { const p = await supervisor.startLink(ctx, pool, undefined, { name: 'pool' }); for (let i = 0; i < 20; i++) await supervisor.startChild(ctx, p, [i]); return p; } };`;
// Version v of fx/srv; its codeChange throws for a state whose i is 7.
const SRV = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: (i: number) => ok({ i, n: 0, v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any) => (req === 'bump' ? reply(++s.n, s) : reply(s, s)),
  codeChange: (_o: unknown, s: any) => { if (s.i === 7) throw new Error('cannot migrate worker 7'); return { ...s, v: ${v} }; },
};`;
const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': SRV(v) } });

test('an upgrade whose codeChange throws in one of 20 workers is rolled back naming that worker and the error once, and a second attempt after its state is fixed installs all 20', async () => {
  await withRelease([version(1), version(2)], async (state, handler) => {
    const workers = (await state.node.run((ctx) => supervisor.whichChildren(ctx, 'pool'))).map((c) => c.pid as Pid);
    const call = (pid: Pid, req: string) => state.node.run((ctx) => genServer.call(ctx, pid, req)) as Promise<{ i: number; n: number; v: number }>;
    for (const pid of workers) await call(pid, 'bump');
    const seventh = (await Promise.all(workers.map(async (pid) => ({ pid, s: await call(pid, 'get') })))).find((w) => w.s.i === 7)!.pid;
    const error = installError(await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e));
    assert.equal(error.stage, 'codeChange');
    assert.equal(error.message, `upgrade to 2 rolled back, 1 still runs: codeChange of fx/srv in ${seventh} failed: cannot migrate worker 7`);
    for (const pid of workers) assert.deepEqual(await call(pid, 'get'), { ...(await call(pid, 'get')), n: 1, v: 1 }, `${pid} serves on 1 with its count`);
    await state.node.run((ctx) => sys.replaceState(ctx, seventh, (s: { i: number }) => ({ ...s, i: 70 })));
    const report = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.equal(report.processes, 20, 'the 20 workers');
    for (const pid of workers) assert.equal((await call(pid, 'get')).v, 2);
  });
});
