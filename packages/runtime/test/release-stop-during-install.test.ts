// A release node told to stop (SIGTERM, bin/<name> stop) while an install runs: the stop waits until the install has
// ended (installed, or rolled back), then stops the applications, rather than stopping them under the install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, rpc } from '../src/index.ts';
import { EpmdServer } from '../src/tools.ts';
import { bootRelease } from '../src/release/boot.ts';
import { runtimeVersion } from '../src/release/running.ts';
import { APP, step, writeVersion } from './release-fixture.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Fx = { fxEvents: string[]; fxEntered?: boolean; fxGate: Promise<void> };
const fx = globalThis as unknown as Fx;

// Version 2's codeChange is slow: it waits for the test's gate (an async stage of the install).
const srv = (v: number) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ v: ${v} }),
  handleCall: (_r: unknown, _f: unknown, s: any) => reply(s, s),
  codeChange: async (_o: unknown, s: any) => { const g = globalThis as any; g.fxEntered = true; await g.fxGate; g.fxEvents.push('codeChange ${v}'); return { v: ${v} }; },
};`;
const app = APP.replace('export default { start:', "export default { prepStop: (s: unknown) => { (globalThis as any).fxEvents.push('prepStop'); return s; }, start:");

test('a release node told to stop while an install runs stops its applications only once the install has ended', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-stop-install-'));
  const epmd = new EpmdServer();
  const before = process.env.OTP_EPMD_PORT;
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
  const client = createNode({ onCrash: () => {} });
  let open = (): void => undefined;
  fx.fxEvents = [];
  fx.fxGate = new Promise<void>((resolve) => (open = resolve));
  try {
    assert.notEqual(app, APP, 'the edit applied');
    writeVersion(root, { vsn: '1', modules: { 'fx/app': app, 'fx/srv': srv(1) } });
    writeVersion(root, { vsn: '2', modules: { 'fx/app': app, 'fx/srv': srv(2) } }, { up: [step('1', '1', '2', ['fx/srv'])], down: [step('1', '2', '1', ['fx/srv'])] });
    for (const vsn of ['1', '2']) {
      writeFileSync(join(root, 'releases', vsn, 'node.args'), '--name fxstop@127.0.0.1\n--setcookie fxc\n');
      // Built with the runtime this node runs: an install is refused otherwise.
      const file = join(root, 'releases', vsn, 'release.json');
      writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), runtime: runtimeVersion() ?? '0' }));
    }
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: ['1', '2'].map((vsn, i) => ({ vsn, status: i === 0 ? 'permanent' : 'unpacked', applications: [{ name: 'fx', vsn }] })) }));
    const lines: string[] = [];
    const booted = await bootRelease({ root, env: {}, log: (line) => lines.push(line) });
    await client.startDistribution({ name: 'fxclient@127.0.0.1', cookie: 'fxc', hidden: true, log: () => {} });
    const installed = client.run((ctx) => rpc.call(ctx, 'fxstop@127.0.0.1', 'release_handler', 'install', ['2', { probeMs: 0 }], 30_000)).catch((e: unknown) => e);
    await waitFor('the install in its slow codeChange', async () => fx.fxEntered || (await Promise.race([installed, Promise.resolve('pending')]) !== 'pending' ? assert.fail(JSON.stringify(await installed)) : undefined));
    const stopped = booted.stop('stop');
    await waitFor('the stop saying it waits for the install', () => lines.find((l) => /^stopping fx once the install of 2 over 1 has ended \(installed, or rolled back\)$/.test(l)), { ms: 5000 });
    assert.deepEqual(fx.fxEvents, [], 'no application stopped while the install runs');
    open();
    await stopped;
    assert.deepEqual(fx.fxEvents, ['codeChange 2', 'prepStop'], 'the install ended first, then the applications stopped');
    assert.equal(booted.vsn, '2');
    await installed;
  } finally {
    open();
    client.shutdown();
    await epmd.close();
    if (before === undefined) delete process.env.OTP_EPMD_PORT;
    else process.env.OTP_EPMD_PORT = before;
    rmSync(root, { recursive: true, force: true });
  }
});
