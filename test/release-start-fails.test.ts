// An application whose start() throws, booted with bin/<name> foreground: the operator sees one line (what failed and
// where its report and stack went, the crash dump), not the report, the critical line and a stack before it. An error
// reported during a boot that goes on to succeed is still printed, once the boot has ended. Under daemon, a failed boot
// is one line as well: the reason and where the full log and the crash dump are, no stack frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrashDump } from '@otp-ts/runtime/tools';
import { ok } from './support/run.ts';
import { waitFor, replaceOrFail } from './support/wait.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

const epmdPort = await privatePortMapper();

test("a start() that throws under foreground prints one line naming the failure and the crash dump that keeps its report and stack; a boot's error report is printed once the boot succeeds", { timeout: 300_000 }, async () => {
  const project = releaseProject('boom', { prefix: 'startfail-' });
  const { base, dir, rel } = project;
  try {
    await project.create();
    const appFile = join(dir, 'src', 'boom_app.ts');
    let source = readFileSync(appFile, 'utf8');
    source = replaceOrFail(source, "import { supervisor, type ApplicationModule } from '@otp-ts/runtime';", "import { loggerOf, supervisor, type ApplicationModule } from '@otp-ts/runtime';");
    source = replaceOrFail(
      source,
      "start: (_type, _args, ctx) => supervisor.startLink(ctx, sup, undefined, { name: 'boom_sup' }),",
      "start: (_type, _args, ctx) => {\n    if (process.env.BOOM === 'throw') throw new Error('the database at db.local:5432 refused the connection');\n    if (process.env.BOOM === 'late') void Promise.reject(new TypeError('the cache went away'));\n    if (process.env.BOOM === 'report') loggerOf(ctx.node).error('the cache is cold, starting anyway');\n    return supervisor.startLink(ctx, sup, undefined, { name: 'boom_sup' });\n  },",
    );
    writeFileSync(appFile, source);
    await ok(project.otp(['release']), 'otp release');
    const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };

    const failed = await project.run(['foreground'], { ...env, BOOM: 'throw' });
    assert.equal(failed.status, 1, failed.out);
    const dump = join(rel, 'otp_crash.dump');
    assert.equal(failed.stdout, '');
    assert.equal(failed.stderr, `boom: application 'boom' failed to start: the database at db.local:5432 refused the connection (its report and stack are in ${dump})`);
    const dumped = JSON.parse(readFileSync(dump, 'utf8')) as CrashDump;
    assert.match(dumped.where ?? '', /the database at db\.local:5432 refused the connection\n\s+at .*boom_app\.ts/);
    assert.ok(dumped.log.some((l) => l.includes('application report') && l.includes('boom_app.ts')), dumped.log.join('\n'));
    rmSync(dump);

    // Under daemon the same failure is one line too: the reason, then where the full log and the crash dump are; the
    // reports and stacks stay in the log. An uncaught error after the boot is said by its own line, not its frames.
    for (const [boom, reason] of [
      ['throw', "application 'boom' failed to start: the database at db.local:5432 refused the connection"],
      ['late', 'TypeError: the cache went away'],
    ] as const) {
      const daemon = await project.run(['daemon'], { ...env, BOOM: boom });
      assert.equal(daemon.status, 1, daemon.out);
      assert.match(daemon.stderr, new RegExp(`^boom: boom@127\\.0\\.0\\.1 did not start: ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(os pid \\d+ exited with code 1\\); its full log is log/boom\\.log and its crash dump ${dump.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      assert.match(readFileSync(join(rel, 'log', 'boom.log'), 'utf8'), /\n\s+at /);
      rmSync(dump);
    }

    // A boot that succeeds prints the error reported during it, after all.
    const child = spawn(join(rel, 'bin', 'boom'), ['foreground'], { cwd: rel, env: { ...env, BOOM: 'report' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor('the node to start and print the held report', () => (/started boom 0\.1\.0/.test(out) && /the cache is cold, starting anyway/.test(out)) || undefined, { ms: 60_000 });
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
