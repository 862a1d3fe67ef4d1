// A release whose permanent application fails to start at boot leaves a crash dump, as a BEAM node whose boot
// fails writes erl_crash.dump ("Kernel pid terminated ... application_start_failure").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootRelease } from '../src/release/boot.ts';
import type { CrashDump } from '../src/release/crashdump.ts';
import { writeVersion } from './release-fixture.ts';

// The application's top supervisor throws in its init: the application cannot start.
const FAILING_APP = `
import { supervisor } from '@otp-ts/runtime';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, { init: () => { throw new Error('fx top supervisor refuses to start'); } }, undefined) };`;

test('a release whose permanent application fails to start at boot writes a crash dump naming the application and why, and where it threw', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-boot-dump-'));
  try {
    writeVersion(root, { vsn: '1.0.0', modules: { 'fx/app': FAILING_APP } });
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases: [{ vsn: '1.0.0', status: 'permanent', applications: [{ name: 'fx', vsn: '1.0.0' }] }] }));
    await assert.rejects(bootRelease({ root, env: {}, log: () => undefined }));
    const file = join(root, 'otp_crash.dump');
    assert.ok(existsSync(file), 'a crash dump in the release root');
    const dump = JSON.parse(readFileSync(file, 'utf8')) as CrashDump;
    assert.equal(dump.kind, 'application_exit');
    assert.match(dump.reason, /applicationStartFailure[\s\S]*fx[\s\S]*fx top supervisor refuses to start/);
    assert.match(dump.where ?? '', /^Error: fx top supervisor refuses to start\n\s+at .*fx-1\.0\.0[/\\]src[/\\]app\.js:\d+/, 'where: the stack of the error the application failed with');
    assert.deepEqual(dump.versions.release, { name: 'fx', vsn: '1.0.0' });
    assert.ok(dump.log.some((l) => l.includes('application fx failed to start')), dump.log.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
