// A migrated server that crashes on the new code before the install's health probe starts watching it (a message that
// waited through the suspend crashes it at once on resume) rolls the install back with its real exit reason, not the
// `noproc` a monitor set after its death would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer } from '../src/index.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';

const srv = (v: number, codeChange: string, handleInfo: string) => `
import { ok, reply, noreply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (_req: unknown, _f: unknown, s: any) => reply({ code: ${v} }, s),
  handleInfo: (m: unknown, s: any) => { ${handleInfo} return noreply(s); },
  ${codeChange}
};`;

test('a migrated server that crashes on resume, before the probe watches it, is reported with its own exit reason', async () => {
  const versions: FixtureVersion[] = [
    { vsn: '1', modules: { 'fx/app': APP, 'fx/srv': srv(1, '', '') } },
    // The codeChange (running while the server is suspended) has a message sent to it, which waits for the resume and then crashes version 2.
    { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv(2, `codeChange: (_o: unknown, s: any) => { (globalThis as any).fxPoke?.(); return { ...s, v: 2 }; },`, `if (m === 'poke') throw new Error('version 2 cannot take a poke');`) }, changed: ['fx/srv'] },
  ];
  try {
    await withRelease(versions, async (state, handler) => {
      const server = await state.node.run((ctx) => ctx.whereis('fx_srv')!);
      (globalThis as { fxPoke?: () => void }).fxPoke = () => state.node.send(server, 'poke');
      const error = await (handler.install as (vsn: string, o?: { probeMs?: number }) => Promise<unknown>)('2', { probeMs: 200 }).then(
        () => assert.fail('the install succeeded'),
        (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as Error,
      );
      assert.match(error.message, /^upgrade to 2 rolled back, 1 still runs: /);
      assert.doesNotMatch(error.message, /noproc/);
      assert.match(error.message, new RegExp(`${String(server).replace(/[.<>]/g, '\\$&')} crashed after the upgrade: version 2 cannot take a poke`));
      assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { code: 1 }, 'version 1 runs again');
    });
  } finally {
    delete (globalThis as { fxPoke?: unknown }).fxPoke;
  }
});
