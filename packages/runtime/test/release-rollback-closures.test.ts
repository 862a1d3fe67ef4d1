// A release install rolled back after its swap leaves no process running the code it rolled back from: one the new
// version's code spawned with a closure during the probe window (a worker its server started) is killed with it, as
// rolled back is the old state, not the old state plus the new version's workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer, type Pid } from '../src/index.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';
import type { InstallError } from '../src/release/handler.ts';

// Version v of fx/srv: 'spawn' starts a worker with a closure of this version's code and answers its pid.
const srv = (v: number) => `
import { ok, reply, type ProcessContext } from '@otp-ts/runtime';
async function work(ctx: ProcessContext): Promise<void> { for (;;) await ctx.receive(); }
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any, ctx: ProcessContext) => (req === 'spawn' ? reply(ctx.spawn((c) => work(c)), s) : reply(s, s)),
  // A downgrade (oldVsn { down }) runs the leaving version's codeChange: back to v - 1.
  codeChange: (o: unknown, s: any) => ({ ...s, v: o !== null && typeof o === 'object' ? ${v - 1} : ${v} }),
};`;

const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v) } });
type Install = (vsn: string, options?: { probeMs?: number; holdFile?: string }) => Promise<unknown>;

test("a release install rolled back in its probe window kills the workers the new version's code spawned with its closures", async () => {
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    const call = (req: string) => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', req));
    // The probe window lasts while the hold file exists: the test ends it once the worker runs.
    const hold = join(root, 'probe.hold');
    writeFileSync(hold, '');
    const install = (handler.install as Install)('2', { probeMs: 0, holdFile: hold }).then(
      () => assert.fail('the install succeeded'),
      (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError,
    );
    const deadline = Date.now() + 10_000;
    while (((await call('get')) as { v: number }).v !== 2) {
      if (Date.now() > deadline) throw new Error('the server never ran version 2');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const worker = (await call('spawn')) as Pid;
    // RELEASES.json made unwritable (a disk filling up) in the probe window: the install cannot be made permanent and rolls back.
    mkdirSync(join(root, 'releases', 'RELEASES.json.tmp'));
    rmSync(hold);
    const error = await install;
    assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: 2 could not be made permanent/);
    await state.node.run(async (ctx) => {
      assert.equal(ctx.isAlive(worker), false, "the worker running 2's code was killed with the rollback");
    });
    assert.deepEqual(await call('get'), { v: 1 });
  });
});
