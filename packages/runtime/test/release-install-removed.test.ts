// The release handler's install removing modules and applications: what its report says it killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRelease, writeVersion, APP, type FixtureVersion } from './release-fixture.ts';
import type { InstallReport } from '../src/release/handler.ts';
import type { RelupStep } from '../src/release/types.ts';
import { codeServerOf } from '../src/code/server.ts';

type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

const SRV = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = { name: 'srv', init: () => ok({ v: ${v} }), handleCall: (_r: unknown, _f: unknown, s: any) => reply(s.v, s), codeChange: (_o: unknown, s: any) => ({ v: ${v} }) };`;
// fx/aux: a loop a plain process runs (version v, so that each version is new code).
const AUX = (v: number) => `export async function loop(ctx: any) { for (;;) await ctx.receive(); }\nexport const vsn = ${v};`;

// The relup step from `from` to `to` changing fx/srv, removing `removed` and changing `auxChanged`.
const stepOf = (vsn: string, from: string, to: string, changed: string[], removed: string[], added: string[]): RelupStep => ({
  vsn,
  apps: [{ kind: 'change', app: 'fx', from, to, added, removed, changed: changed.map((module) => ({ module })) }],
});

test("an upgrade that removes a module whose previous version a process still runs reports that process among the killed, pid and module", async () => {
  // 1 → 2 changes fx/aux (a process spawned from 1's runs on, on the old version); 3 removes fx/aux, purging 1's.
  const v = (n: number, aux: boolean): FixtureVersion => ({ vsn: String(n), modules: { 'fx/app': APP, 'fx/srv': SRV(n), ...(aux ? { 'fx/aux': AUX(n) } : {}) }, changed: ['fx/srv', 'fx/aux'] });
  await withRelease([v(1, true), v(2, true)], async (state, handler, root) => {
    writeVersion(root, v(3, false), { up: [stepOf('2', '2', '3', ['fx/srv'], ['fx/aux'], [])], down: [stepOf('2', '3', '2', ['fx/srv'], [], ['fx/aux'])] });
    const file = join(root, 'releases', 'RELEASES.json');
    const releases = JSON.parse(readFileSync(file, 'utf8')) as { releases: unknown[] };
    releases.releases.push({ vsn: '3', status: 'unpacked', applications: [{ name: 'fx', vsn: '3' }] });
    writeFileSync(file, JSON.stringify(releases));
    const loop = codeServerOf(state.node).exportsOf('fx/aux').loop as never;
    const worker = state.node.spawn(loop);
    const second = (await (handler.install as Install)('2', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(second.killed, []);
    assert.ok(state.node.processInfo(worker), "the process on 1's fx/aux runs on at 2");
    const third = (await (handler.install as Install)('3', { probeMs: 0 })) as InstallReport;
    assert.deepEqual(third.modules.removed, ['fx/aux']);
    assert.equal(state.node.processInfo(worker), undefined, "removing fx/aux purged 1's version, killing the process");
    assert.deepEqual(third.killed, [{ pid: String(worker), module: 'fx/aux' }]);
  });
});
