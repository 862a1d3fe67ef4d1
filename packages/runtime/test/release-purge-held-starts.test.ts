// An exported supervisor given child-start closures another module made (passed through its args) cannot restart
// those children once that module's version is purged. OTP's purge deals with it during the upgrade (a soft purge
// refuses, check_old_processes fails the install): a release install that would purge that version is refused before
// its point of no return, naming the supervisor, the child and the fix, and code.softPurge / code.purge refuse too,
// instead of the tree going down at the child's next crash long after the upgrade passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, supervisor, type OtpNode, type Pid } from '../src/index.ts';
import { codeServerOf } from '../src/code/server.ts';
import { withRelease, type FixtureVersion } from './release-fixture.ts';
import type { InstallError } from '../src/release/handler.ts';

// The application starts the exported supervisor fx/sup, registered fx_sup, with the child specs fx/srv makes (closures).
const app = `
import { supervisor } from '@otp-ts/runtime';
import { sup } from './sup';
import { specs } from './srv';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, sup, { children: specs() }, { name: 'fx_sup' }) };`;

const sup = `
export const sup = { name: 'fx_sup', init: (args: any) => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 5, period: 5 }, children: args.children }) };`;

const srv = (v: number) => `
import { genServer, ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: () => ok(${v}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s), codeChange: () => ${v} };
export function specs() { return [{ id: 'srv', start: (c: any) => genServer.startLink(c, srv, undefined, { name: 'fx_srv' }) }]; }`;

const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': app, 'fx/sup': sup, 'fx/srv': srv(v) } });
type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;
// Kills fx_srv and waits until its supervisor has started it again under the same name.
async function killAndAwaitRestart(node: OtpNode): Promise<void> {
  await node.run(async (ctx) => {
    const before = ctx.whereis('fx_srv')!;
    ctx.exit(before, 'kill');
    for (const deadline = Date.now() + 10_000; ; await ctx.receive(null, 5)) {
      const now = ctx.whereis('fx_srv');
      if (now !== undefined && !now.equals(before)) break;
      if (Date.now() > deadline) assert.fail('fx_srv was not restarted');
    }
  });
}

const installError = (e: unknown): InstallError => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError;

test("a release install that would purge the code of a supervisor's child-start closures is refused before it changes anything", async () => {
  await withRelease([version(1), version(2), version(3)], async (state, handler) => {
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get'));
    const code = codeServerOf(state.node);
    const first = code.versions('fx/srv').current;
    await (handler.install as Install)('2', { probeMs: 0 });
    assert.equal(await call(), 2, 'version 2 runs; version 1 is only old, its closures still run');
    const loaded = code.versions('fx/srv');
    assert.equal(loaded.old, first);
    const error = await (handler.install as Install)('3', { probeMs: 0 }).then(() => assert.fail('the install purging version 1 succeeded'), installError);
    assert.equal(error.stage, 'check');
    assert.match(error.message, /^3 was not installed, nothing was changed: supervisor fx_sup starts child 'srv' with a closure of fx\/srv of release version 1 \(lib\/fx-1\), which.*make the child's start an exported function/);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    assert.deepEqual(code.versions('fx/srv'), loaded, 'nothing was loaded or purged');
    assert.equal(await call(), 2, 'the node still serves');
    // The restart still works: version 1 was not purged under it.
    await killAndAwaitRestart(state.node);
    // By hand: a soft purge refuses, and a purge says why rather than leave the supervisor unable to restart.
    assert.equal(code.softPurge('fx/srv'), false);
    // The version is named as a person knows it (its file, and when it was loaded), never by its source hash.
    assert.throws(() => code.purge('fx/srv'), (e: Error) => {
      assert.match(e.message, /^cannot purge fx\/srv: supervisor fx_sup starts child 'srv' with a closure of fx\/srv \(loaded from \S+lib\/fx-1\/src\/srv\.js at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\), which.*make the child's start an exported function/);
      assert.doesNotMatch(e.message, new RegExp(first!), 'no source hash');
      assert.doesNotMatch(e.message, /\n/, 'one line');
      return true;
    });
    assert.deepEqual(code.versions('fx/srv'), loaded);
    // Given an exported start, the purge goes through.
    await state.node.run(async (ctx) => {
      const supPid = ctx.whereis('fx_sup') as Pid;
      await supervisor.terminateChild(ctx, supPid, 'srv');
      await supervisor.deleteChild(ctx, supPid, 'srv');
    });
    assert.equal(code.softPurge('fx/srv'), true, 'with the child replaced the old version is free');
  });
});

test('a downgrade back to the version whose closures a supervisor holds brings that very version back instead of purging it', async () => {
  await withRelease([version(1), version(2)], async (state, handler) => {
    const call = () => state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get'));
    const code = codeServerOf(state.node);
    const first = code.versions('fx/srv').current;
    await (handler.install as Install)('2', { probeMs: 0 });
    const second = code.versions('fx/srv').current;
    await (handler.install as Install)('1', { probeMs: 0 });
    assert.equal(await call(), 2, "the state version 2's codeChange ({ down }) made, as OTP runs it before loading");
    assert.equal(code.versions('fx/srv').current, first, 'the version the closures belong to is current again, not a copy');
    assert.equal(code.versions('fx/srv').old, second);
    // Its restart runs: the closure's code was never purged.
    await killAndAwaitRestart(state.node);
    assert.equal(await call(), 1, "the restart ran version 1's closure: its init");
  });
});
