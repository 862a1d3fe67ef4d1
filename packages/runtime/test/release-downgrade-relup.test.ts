// A downgrade leaves the running version by its relup.json as the root has it at downgrade time, as OTP's release
// handler reads the relup of the release it leaves: one replaced, broken or removed since the upgrade is the one seen,
// not the copy the node read when it installed that version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genServer } from '../src/index.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';

// fx/srv of version v: answers its state and the version of the code answering; its codeChange counts the code changes.
const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ changes: 0 }),
  handleCall: (_r: unknown, _f: unknown, s: any) => reply({ ...s, code: ${v} }, s),
  codeChange: (_o: unknown, s: any) => ({ changes: s.changes + 1 }),
};`;

const version = (v: number): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v) } });

type Install = (vsn: string, options?: { probeMs?: number; expect?: 'up' | 'down' }) => Promise<unknown>;
const refusal = (r: unknown): string | undefined => (r as { refused?: string } | undefined)?.refused;

test('a downgrade refuses a relup.json broken or removed since the upgrade, naming the file and the fix, and uses one replaced since', async () => {
  await withRelease([version(1), version(2)], async (state, handler, root) => {
    const install = handler.install as Install;
    const file = join(root, 'releases', '2', 'relup.json');
    const good = readFileSync(file, 'utf8');
    await install('2', { probeMs: 0, expect: 'up' });
    assert.equal(state.files.release.vsn, '2');

    writeFileSync(file, '{"vsn": "2",');
    const broken = refusal(await install('1', { probeMs: 0, expect: 'down' }));
    assert.match(broken ?? '', /^1 was not installed, nothing was changed: .*relup\.json is not valid JSON at line 1, column \d+ .*: restore it from the version's tarball/);
    assert.equal(state.files.release.vsn, '2', 'a broken relup.json installs nothing');

    rmSync(file);
    const missing = refusal(await install('1', { probeMs: 0, expect: 'down' }));
    assert.match(missing ?? '', /^1 was not installed, nothing was changed: .*relup\.json is missing, and it holds the way down from 2: restore it from 2's tarball/);
    assert.equal(state.files.release.vsn, '2', 'a removed relup.json installs nothing');

    // Replaced by a relup whose way down changes no module: the server keeps 2's code and its state, its codeChange not run.
    const relup = JSON.parse(good) as { down: Array<{ apps: Array<{ changed: unknown[] }> }> };
    for (const step of relup.down) for (const app of step.apps) app.changed = [];
    writeFileSync(file, JSON.stringify(relup));
    assert.equal(refusal(await install('1', { probeMs: 0, expect: 'down' })), undefined);
    assert.equal(state.files.release.vsn, '1');
    assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { changes: 1, code: 2 }, 'the relup on disk (no module changed) was used, not the one read at the upgrade');
  });
});

test("a downgrade with the relup.json it had reaches the version before and changes the server's code", async () => {
  await withRelease([version(1), version(2)], async (state, handler) => {
    const install = handler.install as Install;
    await install('2', { probeMs: 0, expect: 'up' });
    assert.equal(refusal(await install('1', { probeMs: 0, expect: 'down' })), undefined);
    assert.equal(state.files.release.vsn, '1');
    assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { changes: 2, code: 1 });
  });
});
