// release_handler install is an rpc any connected node may call: arguments of the wrong shape (a version that is no
// label, options that are no object, a probeMs that is no whole number of ms) are refused with one sentence naming the
// argument and the fix, before anything is marked or logged; the node's last upgrade is not reported as rolled back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer } from '../src/index.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';

const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: () => ok(${v}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s), codeChange: () => ${v} };`;

type Install = (vsn: unknown, options?: unknown) => Promise<unknown>;

test('release_handler install refuses a version or options of the wrong shape, changing nothing and claiming no rollback', async () => {
  const versions: FixtureVersion[] = [1, 2].map((v) => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v) } }));
  await withRelease(versions, async (state, handler) => {
    const install = handler.install as Install;
    const cases: Array<[unknown, unknown, RegExp]> = [
      [42, {}, /^release_handler install needs a version label .*got 42, so nothing was installed: run bin\/fx upgrade VSN/],
      [null, {}, /needs a version label .*got null/],
      ['../2', {}, /needs a version label .*got "\.\.\/2"/],
      ['2', null, /needs its options as an object .*got null, so 2 was not installed/],
      ['2', { probeMs: -5 }, /needs probeMs as a whole number of milliseconds from 0 to 3600000 \(one hour: the node installs nothing else while it watches\), got -5, so 2 was not installed/],
      ['2', { probeMs: 1e12 }, /needs probeMs .*from 0 to 3600000 .*got 1000000000000, so 2 was not installed/],
      ['2', { probeMs: 'x' }, /needs probeMs .*got "x"/],
      ['2', { env: { A: 1 } }, /needs env as an object of strings/],
    ];
    for (const [vsn, options, expected] of cases) {
      const answer = (await install(vsn, options)) as { refused?: string };
      assert.match(answer.refused ?? JSON.stringify(answer), expected, `install(${JSON.stringify(vsn)}, ${JSON.stringify(options)})`);
      assert.doesNotMatch(answer.refused!, /\n/);
    }
    assert.equal(state.lastUpgrade, undefined, 'no install was attempted, so none is reported rolled back');
    assert.equal(state.files.release.vsn, '1');
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 1);
    // Well-formed, it installs.
    await install('2', { probeMs: 0 });
    assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), 2);
  });
});
