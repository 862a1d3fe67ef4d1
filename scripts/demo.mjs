// `npm run demo`: the main job end to end (SPEC §8), on a fresh temporary project, through the built
// `otp` binary and the release's own start script: otp new → otp test → release 0.1.0 → daemon → load →
// a new state shape → release 0.2.0 --upgrade-from 0.1.0 → hot upgrade under load → the migrated state
// and the call counts → a trace on the live node (otp trace, 5 events) → stop. Each step prints what it did and its figures;
// any failed step stops the demo with a non-zero exit code.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portMapperNames, killPortMapper } from '@otp-ts/runtime/tools';
import { startLoad } from '../bench/lib/call-load.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const name = 'counter';
let stepNo = 0;
let root;
let rel;

const step = (text) => console.log(`\n▶ ${++stepNo}. ${text}`);
const say = (text) => console.log(`  ${text}`);
function fail(text) {
  console.error(`\n✖ demo failed at step ${stepNo}: ${text}`);
  throw new Error(text);
}
// Commands run asynchronously: the load generator in this process keeps calling while they work.
function run(cmd, args, cwd, what) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) {
        try {
          fail(`${what} exited with ${status}:\n${out}`);
        } catch (error) {
          reject(error);
        }
      } else resolve({ out: out.trim(), ms: performance.now() - started });
    });
  });
}
const otpCmd = (args, what) => run(process.execPath, [otp, ...args], root, what);
const script = (args, what) => run(join(rel, 'bin', name), args, rel, what);
const lastLine = (text) => text.split('\n').pop();
function sizeOf(path) {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0) : s.size;
}

if (!existsSync(join(repo, 'packages', 'cli', 'dist', 'index.js'))) {
  console.error('demo: the packages are not built: run npm install (or npm run build) first');
  process.exit(2);
}
// A fresh project inside the repository's _build/, so it resolves the workspace's packages as an
// installed project resolves its node_modules.
mkdirSync(join(repo, '_build'), { recursive: true });
const work = mkdtempSync(join(repo, '_build', 'demo-'));
// The release's node starts the built-in port mapper when none runs, as erl starts epmd; one the demo started
// would run on from the deleted project (in the way of Erlang's epmd), so the demo stops it at the end.
const mapperWasRunning = await portMapperNames().then(() => true, () => false);
let load;
let daemonUp = false;
try {
  step(`otp new app ${name}`);
  await run(process.execPath, [otp, 'new', 'app', name, '--quiet'], work, 'otp new');
  root = join(work, name);
  say(`./${relative(repo, root)}: ${readdirSync(join(root, 'src')).join(', ')}`);

  step('otp test');
  const tested = await otpCmd(['test'], 'otp test');
  say(`${lastLine(tested.out)} in ${(tested.ms / 1000).toFixed(1)} s`);

  step('otp release (0.1.0)');
  const r1 = await otpCmd(['release', '--tar'], 'otp release');
  rel = join(root, '_build', 'prod', 'rel', name);
  say(`${lastLine(r1.out)}`);
  say(`assembled in ${r1.ms.toFixed(0)} ms; ${(sizeOf(rel) / 1024).toFixed(0)} KiB; tarball ${(statSync(join(rel, `${name}-0.1.0.tar.gz`)).size / 1024).toFixed(0)} KiB`);

  step(`bin/${name} daemon`);
  const booted = await script(['daemon'], 'daemon');
  daemonUp = true;
  say(`${booted.out} (${booted.ms.toFixed(0)} ms to answering ping)`);
  const args = readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8');
  const node = /--name\s+(\S+)/.exec(args)?.[1] ?? fail('node.args names no node');
  const cookie = /--setcookie\s+(\S+)/.exec(args)?.[1] ?? fail('node.args sets no cookie');

  step('put it under load: 4 clients calling the server over distribution');
  load = await startLoad({ node, cookie, server: `${name}_server`, clients: 4 });
  await new Promise((r) => setTimeout(r, 1500));
  const before = load.counts();
  say(`${before.ok.toLocaleString('en')} calls, ${before.failed} failed, ${Math.round(before.perSecond).toLocaleString('en')} calls/s`);

  step(`edit src/${name}_server.ts: a new state shape (a running total) with its codeChange, version 0.2.0`);
  const serverFile = join(root, 'src', `${name}_server.ts`);
  writeFileSync(serverFile, upgradeServer(readFileSync(serverFile, 'utf8')));
  const pkgFile = join(root, 'package.json');
  writeFileSync(pkgFile, readFileSync(pkgFile, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
  say('state { counts } becomes { counts, total }; codeChange computes total from the counts (and drops it on a downgrade)');

  step('otp release --upgrade-from 0.1.0 (0.2.0)');
  const r2 = await otpCmd(['release', '--upgrade-from', '0.1.0'], 'otp release --upgrade-from');
  say(lastLine(r2.out));
  const relup = JSON.parse(readFileSync(join(rel, 'releases', '0.2.0', 'relup.json'), 'utf8'));
  for (const a of relup.up[0].apps) say(`relup: ${a.kind} ${a.app}${a.kind === 'change' ? ` ${a.from} → ${a.to}: ${a.changed.map((m) => `${m.module}${m.behaviour ? ` (${m.behaviour})` : ''}`).join(', ')}` : ''}`);

  step(`bin/${name} upgrade 0.2.0, under load`);
  const calling = load.counts().ok;
  const up = await script(['upgrade', '0.2.0'], 'upgrade');
  for (const line of up.out.split('\n')) say(line.trim());
  await new Promise((r) => setTimeout(r, 1000));
  const after = await load.stop();
  load = undefined;
  say(`calls during and after the upgrade: ${(after.ok - calling).toLocaleString('en')}`);
  say(`total: ${after.ok.toLocaleString('en')} calls, ${after.failed} failed, ${after.outOfOrder} lost or repeated, ${after.duplicated} answered twice; slowest call ${after.maxLatencyMs.toFixed(1)} ms`);
  if (after.failed || after.outOfOrder || after.duplicated) fail(`the upgrade lost calls: ${after.errors.join('; ')}`);

  step('the migrated state, read on the live node');
  const state = await script(['eval', `sys.getState(ctx, '${name}_server').then((s) => ({ keys: Object.keys(s.counts).length, total: s.total }))`], 'eval');
  say(`${name}_server state: ${state.out.replace(/\s+/g, ' ')}`);
  say(`versions: ${(await script(['versions'], 'versions')).out.replace(/\n/g, '; ').replace(/\s+/g, ' ')}`);
  if (!/total: [1-9]/.test(state.out)) fail('the state has no total: codeChange did not run');

  step(`otp trace: the server's handleCall on the live node, 5 events`);
  const traceLoad = await startLoad({ node, cookie, server: `${name}_server`, clients: 1 });
  try {
    const traced = await otpCmd(['trace', node, `${name}/${name}_server.server.handleCall`, '--limit', '5', '--cookie', cookie], 'otp trace');
    for (const line of traced.out.split('\n')) say(line.length > 150 ? `${line.slice(0, 147)}...` : line);
  } finally {
    await traceLoad.stop();
  }

  step(`bin/${name} stop`);
  const stopped = await script(['stop'], 'stop');
  daemonUp = false;
  say(`${stopped.out} in ${stopped.ms.toFixed(0)} ms; ping now says ${spawnSync(join(rel, 'bin', name), ['ping'], { encoding: 'utf8' }).stdout.trim()}`);
  console.log('\n✔ demo complete');
} catch (error) {
  if (!String(error.message).length) console.error(error);
  process.exitCode = 1;
} finally {
  if (load) await load.stop().catch(() => undefined);
  if (daemonUp) spawnSync(join(rel, 'bin', name), ['stop'], { encoding: 'utf8' });
  if (!mapperWasRunning) await killPortMapper().catch(() => false);
  if (process.exitCode) console.error(`(the project is kept in ${work} for a look)`);
  else rmSync(work, { recursive: true, force: true });
}

// The edit a developer makes for 0.2.0: the state gains a running total, migrated by codeChange.
function upgradeServer(source) {
  const edits = [
    ['export interface State {\n  counts: Record<string, number>;\n}', 'export interface State {\n  counts: Record<string, number>;\n  total: number;\n}'],
    [`init: (_args, ctx) => ok({ counts: { ...application.getEnv<Record<string, number>>(ctx, '${name}', 'initialCounts', {}) } }),`, `init: (_args, ctx) => ok({ counts: { ...application.getEnv<Record<string, number>>(ctx, '${name}', 'initialCounts', {}) }, total: 0 }),`],
    ['return reply(n, { counts: { ...state.counts, [request.key]: n } });', 'return reply(n, { counts: { ...state.counts, [request.key]: n }, total: state.total + request.by });'],
    ['handleCast: () => noreply({ counts: {} }),', 'handleCast: () => noreply({ counts: {}, total: 0 }),'],
    [
      'codeChange: (_oldVsn, state: State | OldState) => (state instanceof Map ? { counts: Object.fromEntries(state) } : state),',
      `codeChange(oldVsn: unknown, state: State | OldState | { counts: Record<string, number> }): State {
    const counts = state instanceof Map ? Object.fromEntries(state) : state.counts;
    // A downgrade ({ down: '0.1.0' }) hands the state back in 0.1.0's shape.
    if (typeof oldVsn === 'object' && oldVsn !== null && 'down' in oldVsn) return { counts } as State;
    return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  },`,
    ],
  ];
  for (const [from, to] of edits) {
    if (!source.includes(from)) fail(`the generated server no longer contains: ${from.split('\n')[0]}`);
    source = source.replace(from, to);
  }
  return source;
}
