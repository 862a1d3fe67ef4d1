// A release install rolled back brings back the version that ran before, itself: the plain processes spawned with its
// functions (an exported one or a closure) before the install live on and still answer, as rolled back is the old state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer, type Pid } from '../src/index.ts';
import { codeServerOf } from '../src/code/server.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';

// Version v of fx/srv: 'closure' and 'export' start a worker (a closure, or the exported function) answering pings with v.
const srv = (v: number) => `
import { ok, reply, type ProcessContext } from '@otp-ts/runtime';
export async function work(ctx: ProcessContext): Promise<void> {
  for (;;) { const m: any = await ctx.receive(); ctx.send(m.from, { pong: ${v} }); }
}
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any, ctx: ProcessContext) =>
    req === 'closure' ? reply(ctx.spawn((c) => work(c)), s) : req === 'export' ? reply(ctx.spawn(work), s) : reply(s, s),
  codeChange: (o: unknown, s: any) => ({ ...s, v: o !== null && typeof o === 'object' ? ${v - 1} : ${v} }),
};`;

const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v) } });
type Install = (vsn: string, options?: { probeMs?: number; holdFile?: string }) => Promise<unknown>;

test('a release install rolled back keeps the plain workers the version it rolled back to spawned, exported function or closure', async () => {
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    const call = (req: string) => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', req));
    const ping = (pid: Pid) => state.node.run(async (ctx) => (ctx.send(pid, { from: ctx.self() }), ctx.receive(null, 10_000)));
    const workers = [(await call('closure')) as Pid, (await call('export')) as Pid];
    const before = codeServerOf(state.node).record('fx/srv').current;
    const hold = join(root, 'probe.hold');
    writeFileSync(hold, '');
    const install = (handler.install as Install)('2', { probeMs: 0, holdFile: hold }).then(
      () => assert.fail('the install succeeded'),
      (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as Error,
    );
    const deadline = Date.now() + 10_000;
    while (((await call('get')) as { v: number }).v !== 2) {
      if (Date.now() > deadline) throw new Error('the server never ran version 2');
      await new Promise((resolve) => setImmediate(resolve));
    }
    // RELEASES.json unwritable in the probe window: the install cannot be made permanent and rolls back.
    mkdirSync(join(root, 'releases', 'RELEASES.json.tmp'));
    rmSync(hold);
    assert.match((await install).message, /^upgrade to 2 rolled back, 1 still runs: 2 could not be made permanent/);
    assert.deepEqual(await call('get'), { v: 1 });
    for (const w of workers) {
      await state.node.run(async (ctx) => assert.equal(ctx.isAlive(w), true, `the worker ${w} running 1's code outlived the rollback`));
      assert.deepEqual(await ping(w), { pong: 1 });
    }
    assert.equal(codeServerOf(state.node).record('fx/srv').current, before, 'the version that ran before is current again, not a copy');
  });
});
