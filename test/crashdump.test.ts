// Crash dumps end to end: a real release crashed on purpose three ways (an uncaught error, its permanent
// application exiting, the heap limit) leaves a readable dump that `otp crashdump` summarises; and a dump
// of a node with 100k processes stays within its size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode } from '@otp-ts/runtime';
import { installCrashDump, type CrashDump } from '@otp-ts/runtime/tools';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

// The application crashes as DUMP_MODE says, a moment after it started, with a hoarding process (50 messages
// in its mailbox) and a table to be found in the dump.
const crashOnPurpose = `
const mode = process.env.DUMP_MODE;
function crashLater(ctx: ProcessContext): void {
  const hoarder = ctx.spawn(async (c) => {
    await c.receive((m) => (m === 'never' ? m : undefined));
  }, { name: 'dump_hoarder' });
  for (let i = 0; i < 50; i++) ctx.send(hoarder, { order: i, item: 'widget' });
  setTimeout(() => {
    if (mode === 'uncaught') throw new Error('dumpy crashed on purpose');
    if (mode === 'exit') ctx.node.exit(ctx.node.whereis('dumpy_sup')!, 'kill');
    if (mode === 'oom') {
      const keep: unknown[] = [];
      const grow = (): void => {
        for (let i = 0; i < 20_000; i++) keep.push({ i, s: 'x'.repeat(64) + String(i) });
        setImmediate(grow);
      };
      grow();
    }
  }, 300);
}
`;

async function releasedApp(): Promise<{ rel: string; base: string }> {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'dump-'));
  const dir = join(base, 'dumpy');
  await ok(run(process.execPath, [otp, 'new', 'app', 'dumpy', '--quiet'], base), 'otp new');
  const appFile = join(dir, 'src', 'dumpy_app.ts');
  let source = readFileSync(appFile, 'utf8');
  source = replaceOrFail(source, "import { supervisor, type ApplicationModule } from '@otp-ts/runtime';", "import { supervisor, type ApplicationModule, type ProcessContext } from '@otp-ts/runtime';");
  source = replaceOrFail(source, "start: (_type, _args, ctx) => supervisor.startLink(ctx, sup, undefined, { name: 'dumpy_sup' }),", "start: async (_type, _args, ctx) => {\n    const started = await supervisor.startLink(ctx, sup, undefined, { name: 'dumpy_sup' });\n    if (mode) crashLater(ctx);\n    return started;\n  },");
  writeFileSync(appFile, `${source}\n${crashOnPurpose}`);
  await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
  return { rel: join(dir, '_build', 'prod', 'rel', 'dumpy'), base };
}

const summary = async (file: string, more: string[] = []) => ok(run(process.execPath, [otp, 'crashdump', file, ...more], repo), `otp crashdump ${file}`);

test('a release crashed by an uncaught error, by its permanent application exiting and by the heap limit leaves a dump otp crashdump summarises', { timeout: 600_000 }, async () => {
  const { rel, base } = await releasedApp();
  try {
    const foreground = (mode: string, dump: string) => run(join(rel, 'bin', 'dumpy'), ['foreground'], rel, { ...process.env, DUMP_MODE: mode, OTP_CRASH_DUMP: dump });

    // 1. An uncaught error: the dump names it and where it was thrown (the TypeScript file), and shows the hoarder.
    const uncaught = join(rel, 'uncaught.dump');
    const r1 = await foreground('uncaught', uncaught);
    assert.notEqual(r1.status, 0, r1.out);
    assert.match(r1.stderr, /crash dump written to .*uncaught\.dump/);
    const d1 = JSON.parse(readFileSync(uncaught, 'utf8')) as CrashDump;
    assert.equal(d1.kind, 'uncaught_error');
    assert.match(d1.reason, /Error: dumpy crashed on purpose/);
    assert.match(d1.where ?? '', /dumpy_app\.ts/);
    assert.equal(d1.node, 'dumpy@127.0.0.1');
    assert.equal(d1.versions.release?.name, 'dumpy');
    assert.deepEqual(d1.versions.applications.map((a) => a.name), ['dumpy']);
    assert.equal(d1.versions.node, process.version);
    assert.ok(d1.registered.dumpy_sup && d1.registered.dump_hoarder, JSON.stringify(d1.registered));
    assert.ok(d1.modules.some((m) => m.name.includes('dumpy_server')), JSON.stringify(d1.modules));
    assert.ok((d1.report as { header?: unknown }).header, 'Node.js diagnostic report included');
    assert.equal(existsSync(`${uncaught}.${d1.osPid}.tmp`), false, 'written through a renamed temporary file');
    const s1 = await summary(uncaught);
    assert.match(s1, /reason \(uncaught_error\): Error: dumpy crashed on purpose/);
    assert.match(s1, /versions: Node\.js v[\d.]+, otp-ts \S+, release dumpy 0\.1\.0 \(dumpy 0\.1\.0\)/);
    // The hoarder is first by mailbox; the tree at death shows the application, its supervisor and worker.
    assert.match(s1, /by mailbox length:\n\s+<0\.\d+\.\d+>\s+dump_hoarder\s+.*mailbox\s+50/);
    assert.match(s1, /supervision tree at death:\n\s+dumpy \(application\)\n\s+dumpy_sup <0\.\d+\.\d+> \(supervisor:dumpy_sup\)\n\s+dumpy_server <0\.\d+\.\d+> \(gen_server/);
    // The behaviours' states, read from their loops although the node was dying: dumpy_server's counts.
    assert.match(s1, /states: \d+ of \d+ behaviours' states, as each loop kept it between messages/);
    assert.match(await summary(uncaught, ['--pid', 'dumpy_server']), /state:\s+\{ counts: \{\} \}/);
    assert.deepEqual(d1.tree.map((a) => a.label), ['dumpy']);
    const detail = await summary(uncaught, ['--pid', 'dump_hoarder']);
    assert.match(detail, /mailbox:\s+50 message\(s\), the first 5:\n\s+\{ order: 0, item: "widget" \}/);

    // 2. The permanent application exits: the node stops, and the dump says which application and why.
    const exited = join(rel, 'exit.dump');
    const r2 = await foreground('exit', exited);
    assert.notEqual(r2.status, 0, r2.out);
    const s2 = await summary(exited);
    assert.match(s2, /reason \(application_exit\): .*applicationTerminated: "dumpy"/);
    assert.match(s2, /last log lines:[\s\S]*the node stops: permanent application dumpy exited/);

    // 3. The heap limit: no JavaScript runs then, so the file is Node.js' diagnostic report, which otp crashdump reads too.
    const oom = join(rel, 'oom.dump');
    appendFileSync(join(rel, 'releases', '0.1.0', 'node.args'), '\n--max-old-space-size=48\n');
    const r3 = await foreground('oom', oom);
    assert.notEqual(r3.status, 0, r3.out);
    assert.ok(existsSync(oom), `no dump after the heap limit: ${r3.out.slice(-2000)}`);
    const s3 = await summary(oom);
    assert.match(s3, /Node\.js diagnostic report of os pid \d+/);
    assert.match(s3, /reason \(\w+\): .*heap out of memory/i);
    assert.match(s3, /--max-old-space-size=48/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a crash dump of a node with 100k processes stays within its size limit, listing the longest mailboxes first with a note', { timeout: 300_000 }, async () => {
  const node = createNode();
  const dir = mkdtempSync(join(repo, '_build', 'dump-big-'));
  const file = join(dir, 'otp_crash.dump');
  const dumper = installCrashDump(node, { file, maxBytes: 2_000_000 });
  try {
    const waiting = async (ctx: { receive: (m: (x: unknown) => unknown) => Promise<unknown> }) => {
      await ctx.receive((m) => (m === 'stop' ? m : undefined));
    };
    const pids = [];
    for (let i = 0; i < 100_000; i++) pids.push(node.spawn(waiting));
    const busy = pids[77_777]!;
    for (let i = 0; i < 30; i++) node.send(busy, { n: i });
    await new Promise((r) => setImmediate(r));
    assert.equal(dumper.write('other', new Error('dump of 100k processes')), file);
    assert.equal(dumper.write('other', new Error('a second crash')), undefined, 'never more than one dump');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.length <= 2_000_000, `the dump is ${text.length} bytes`);
    const dump = JSON.parse(text) as CrashDump;
    assert.equal(dump.processCount, 100_000);
    assert.ok(dump.truncated && dump.truncated.listed > 1000 && dump.truncated.listed < 100_000, JSON.stringify(dump.truncated));
    assert.equal(dump.processes[0]!.pid, busy.toString());
    assert.equal(dump.processes[0]!.mailboxLength, 30);
    const s = await summary(file);
    assert.match(s, /processes: 100000 \(\d+ listed: the size limit/);
  } finally {
    dumper.uninstall();
    node.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a permanent application exiting leaves a dump with the supervision tree and the behaviours\' states as the exit left them, before the other applications stopped', { timeout: 600_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'dumpz-'));
  const root = join(base, 'dumpz');
  try {
    await ok(run(process.execPath, [otp, 'new', 'umbrella', 'dumpz', '--quiet'], base), 'otp new umbrella');
    await ok(run(process.execPath, [otp, 'new', 'app', 'dumpz_extra', '--dir', 'apps/dumpz_extra', '--quiet'], root), 'otp new app in the umbrella');
    // dumpz's top supervisor is killed once dumpz_extra runs: the permanent application dumpz exits while dumpz_extra still runs.
    const appFile = join(root, 'apps', 'dumpz', 'src', 'dumpz_app.ts');
    let source = readFileSync(appFile, 'utf8');
    source = replaceOrFail(source, "start: (_type, _args, ctx) => supervisor.startLink(ctx, sup, undefined, { name: 'dumpz_sup' }),", "start: async (_type, _args, ctx) => {\n    const started = await supervisor.startLink(ctx, sup, undefined, { name: 'dumpz_sup' });\n    const node = ctx.node;\n    const poll = setInterval(() => {\n      if (!node.whereis('dumpz_extra_server')) return;\n      clearInterval(poll);\n      node.exit(node.whereis('dumpz_sup')!, 'kill');\n    }, 100);\n    return started;\n  },");
    writeFileSync(appFile, source);
    await ok(run(process.execPath, [otp, 'release'], root), 'otp release');
    const rel = join(root, '_build', 'prod', 'rel', 'dumpz');
    const file = join(rel, 'exit.dump');
    const r = await run(join(rel, 'bin', 'dumpz'), ['foreground'], rel, { ...process.env, OTP_CRASH_DUMP: file });
    assert.notEqual(r.status, 0, r.out);
    const dump = JSON.parse(readFileSync(file, 'utf8')) as CrashDump;
    assert.equal(dump.kind, 'application_exit');
    assert.ok(dump.states.read >= 2, JSON.stringify(dump.states));
    const s = await summary(file);
    assert.match(s, /reason \(application_exit\): .*applicationTerminated: "dumpz"/);
    // The other application's tree as it stood when dumpz exited (it is stopped only after the dump).
    // (dumpz's own master may still be listed, exiting, with no children left.)
    assert.match(s, /supervision tree at death:\n(?:\s+dumpz \(application\)\n)?\s+dumpz_extra \(application\)\n\s+dumpz_extra_sup <0\.\d+\.\d+> \(supervisor:dumpz_extra_sup\)\n\s+dumpz_extra_server <0\.\d+\.\d+> \(gen_server:dumpz_extra_server\)/);
    assert.match(s, /states: \d+ of \d+ behaviours' states/);
    const detail = await summary(file, ['--pid', 'dumpz_extra_server']);
    assert.match(detail, /state:\s+\{ counts: \{\} \}/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
