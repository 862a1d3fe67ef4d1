// The release suite: what `otp release` costs and what a release does on a live node, beside OTP.
// 1. assembly: `otp release` and `otp release --tar` of a template app from a clean _build (wall ms, release
//    folder and tarball size), beside erlc + systools make_script/make_tar of a minimal Erlang release;
// 2. boot: `bin/<name> foreground` from spawn to its `started NAME VSN` line, beside `erl -boot` of the
//    minimal Erlang release (an application, a supervisor, one gen_server) to the line its app prints;
// 3. upgrade: `bin/<name> upgrade 0.2.0` of a daemon running 1,000 gen_servers of one callback module
//    (new state shape, codeChange), beside OTP's sys:suspend/change_code/resume of 1,000 gen_servers;
// 4. heap: the node's heap after a full GC over 20 successive upgrades (each after a downgrade);
// 5. heart: kill -9 of a node under its heart to the restarted node answering ping, beside `erl -heart`
//    (its own section, release-heart; `npm run bench -- release --heart` measures only that).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureErlang } from '../erlang.mjs';
import { writeSection } from '../results.mjs';
import { assembleErlangRelease, beamUpgrades, buildErlangRelease, buildUpgradeAnchor, erlBootArgs } from './anchor.mjs';
import { beamHeartRound, buildHeartAnchor, otpHeartRound } from './heart.mjs';
import { buildFleet, startDaemon, stopDaemon, upgradeRounds } from './fleet.mjs';
import { cleanBuild, newApp, otp, relRoot } from './project.mjs';
import { bestOf, sizeOf, timeToLine } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const APP = 'rbboot';
const FLEET = 'rbfleet';
const HEART = 'rbheart';
const HEART_ROUNDS = 5;
const WORKERS = 1000;
const ROUNDS = 20;

const ms = (v) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const kib = (bytes) => (bytes === undefined ? '–' : `${(bytes / 1024).toFixed(0)} KiB`);
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

// 1. Assembly of the template app, best of 3, each from a clean _build (compile included).
async function assembly(dir, erlDir, erlang) {
  const rel = relRoot(dir, APP);
  const release = await bestOf(3, async () => {
    cleanBuild(dir);
    return otp(repo, dir, ['release']);
  });
  const relBytes = sizeOf(rel);
  const tar = await bestOf(3, async () => {
    cleanBuild(dir);
    return otp(repo, dir, ['release', '--tar']);
  });
  const tarBytes = statSync(join(rel, `${APP}-0.1.0.tar.gz`)).size;
  let beam;
  if (erlang) {
    beam = await bestOf(3, (i) => assembleErlangRelease(join(erlDir, `asm${i}`)), (r) => r.ms);
    beam.bytes = statSync(beam.tarball).size;
  }
  console.log(`  otp release ${ms(release)} (${kib(relBytes)}), --tar ${ms(tar)} (tarball ${kib(tarBytes)})${beam ? `; erlc + systools ${ms(beam.ms)} (tarball ${kib(beam.bytes)})` : ''}`);
  return { release, relBytes, tar, tarBytes, beam };
}

// Boot of one otp-ts release and the Erlang anchor, best of 5 each, runs interleaved so noise hits both alike.
async function bootPair(label, otpBoot, erlBoot) {
  const times = { otp: [], beam: [] };
  for (let i = 0; i < 5; i++) {
    if (otpBoot) times.otp.push((await otpBoot()).ms);
    if (erlBoot) times.beam.push((await erlBoot()).ms);
  }
  const row = { label, otp: times.otp.length ? Math.min(...times.otp) : undefined, beam: times.beam.length ? Math.min(...times.beam) : undefined };
  console.log(`  ${label}: otp-ts ${ms(row.otp)}, BEAM ${ms(row.beam)}`);
  return row;
}

// Kills a foreground node left behind by a failed boot measurement (its pid file names it).
function killLeftover(rel) {
  const file = join(rel, 'run', `${APP}.pid`);
  if (!existsSync(file)) return;
  // An empty or partly written pid file reads as 0, and kill(0) would kill this process's whole group.
  const pid = Number(readFileSync(file, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

// Rewrites the project's config/node.args without the lines matching `pattern`, and releases it again.
async function releaseWithout(dir, pattern) {
  const args = join(dir, 'config', 'node.args');
  writeFileSync(args, readFileSync(args, 'utf8').split('\n').filter((l) => !pattern.test(l)).join('\n'));
  cleanBuild(dir);
  await otp(repo, dir, ['release']);
}

// 2. Boot: the template's foreground to `started`; without Node.js flags; without distribution; the bare runtimes.
async function boot(dir, bootFile) {
  const rel = relRoot(dir, APP);
  const started = new RegExp(`^started ${APP} 0\\.1\\.0`);
  const foreground = () => timeToLine(join(rel, 'bin', APP), ['foreground'], { cwd: rel, pattern: started });
  const erl = (name) => (bootFile ? () => timeToLine('erl', erlBootArgs(bootFile, name), { pattern: /^started bench_release/ }) : undefined);
  const erlDist = erl(`bench_release_${process.pid}@127.0.0.1`);
  try {
    const rows = [];
    rows.push(await bootPair('the template release, with distribution (its node.args has `--enable-source-maps`, switched on inside the booting process) / `erl -boot … -name`', foreground, erlDist));
    await releaseWithout(dir, /^--enable-source-maps/);
    rows.push(await bootPair('the same with no Node.js flag in node.args (one Node.js process) / `erl -boot … -name`', foreground, erlDist));
    await releaseWithout(dir, /^--name|^--setcookie/);
    rows.push(await bootPair('no Node.js flag and no `--name`: no distribution / `erl -boot … -noshell`', foreground, erl()));
    const nodeBare = () => timeToLine(process.execPath, ['-e', "console.log('started'); setInterval(() => {}, 1000)"], { pattern: /^started/ });
    const erlBare = bootFile ? () => timeToLine('erl', ['-noshell', '-eval', 'io:format("started~n")'], { pattern: /^started/ }) : undefined;
    rows.push(await bootPair('the runtime alone: `node -e` / `erl -noshell -eval` to a printed line', nodeBare, erlBare));
    return rows;
  } finally {
    killLeftover(rel);
  }
}

// 3 and 4. The fleet: daemon start, 20 upgrades (with a downgrade before each but the first), the heap.
async function upgrades(base, erlDir, erlang) {
  console.log(`  building ${FLEET} 0.1.0 and 0.2.0 (${WORKERS.toLocaleString('en')} gen_servers)…`);
  const fleet = await buildFleet(repo, base, FLEET, WORKERS);
  let beam;
  if (erlang) {
    await buildUpgradeAnchor(erlDir);
    // As many upgrades of the same servers in one VM as the otp-ts node gets: the first, the median, the best.
    const rounds = (await beamUpgrades(erlDir, WORKERS, ROUNDS)).map((us) => us / 1000);
    beam = { first: rounds[0], median: median(rounds), best: Math.min(...rounds) };
    console.log(`  BEAM: sys:suspend/change_code/resume of ${WORKERS} gen_servers, ${ROUNDS} rounds: first ${ms(beam.first)}, median ${ms(beam.median)}, best ${ms(beam.best)}`);
  }
  const daemonMs = await startDaemon(fleet);
  console.log(`  ${FLEET} daemon answering in ${ms(daemonMs)}`);
  try {
    const rounds = await upgradeRounds(fleet, ROUNDS, (i, up, heap) => {
      console.log(`  upgrade ${i}: ${up.ms} ms, ${up.processes} suspended for ${up.suspendedMs} ms, command ${ms(up.wallMs)}; heap ${(heap / 2 ** 20).toFixed(2)} MB`);
    });
    for (const r of [...rounds.ups, ...rounds.downs]) {
      if (r.processes !== WORKERS) throw new Error(`${r.direction} ${r.from} → ${r.to} suspended ${r.processes} processes, not ${WORKERS}`);
    }
    return { daemonMs, beam, ...rounds };
  } finally {
    await stopDaemon(fleet);
  }
}

// 5. The heart: fresh daemon --heart and `erl -heart` nodes, each killed once, rounds interleaved.
async function heartRounds(base, erlDir, erlang) {
  console.log(`  otp new app ${HEART}; heart restarts (${HEART_ROUNDS} rounds, each a fresh node killed with kill -9)…`);
  const dir = await newApp(repo, base, HEART);
  await otp(repo, dir, ['release']);
  let boot;
  if (erlang) {
    boot = await buildErlangRelease(join(erlDir, 'heart'));
    await buildHeartAnchor(join(erlDir, 'heart'));
  }
  const times = { otp: [], beam: [] };
  for (let i = 0; i < HEART_ROUNDS; i++) {
    times.otp.push(await otpHeartRound(relRoot(dir, HEART), HEART));
    if (boot) times.beam.push(await beamHeartRound(join(erlDir, 'heart'), boot, i));
    console.log(`  round ${i + 1}: otp-ts ${ms(times.otp.at(-1))}, BEAM ${ms(times.beam.at(-1))}`);
  }
  const stat = (xs) => (xs.length ? { median: median(xs), best: Math.min(...xs) } : {});
  return { otp: stat(times.otp), beam: stat(times.beam) };
}

function heartSection(erlang, h) {
  return [
    '## release: heart',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}, Erlang/OTP ${erlang ?? 'not available'}. Command: \`npm run bench -- release\` (or \`npm run bench -- release --heart\` for this section alone).`,
    `Each of ${HEART_ROUNDS} rounds starts a fresh node under its heart, kills its OS process with \`kill -9\` and times from the kill to the first answered ping, polled every 10 ms over distribution: otp-ts is the template app started by \`bin/${HEART} daemon --heart\` and pinged by a hidden node of the bench; BEAM is the minimal release (an application, a supervisor, one gen_server) started by \`erl -boot … -name … -heart -detached\` with \`HEART_COMMAND\` set to that same command, pinged by an Erlang node (bench/release/erl/bench_heart.erl). Rounds alternate between the runtimes; every restart is a heart's first, so the otp-ts back-off (none for the first restart) plays no part. The otp-ts heart is the node's parent and hears its exit at once, then boots the permanent version; Erlang's heart hears the VM's pipe close, then waits for the old VM to be gone before it runs \`HEART_COMMAND\`, checking once a second for up to 5 s (heart.c's \`kill_old_erlang\`), which is most of its figure.`,
    '',
    '| kill -9 to answering ping again | otp-ts | BEAM | otp-ts / BEAM |',
    '| --- | ---: | ---: | ---: |',
    `| median of ${HEART_ROUNDS} | ${ms(h.otp.median)} | ${ms(h.beam.median)} | ${ratio(h.otp.median, h.beam.median)} |`,
    `| best of ${HEART_ROUNDS} | ${ms(h.otp.best)} | ${ms(h.beam.best)} | ${ratio(h.otp.best, h.beam.best)} |`,
  ].join('\n');
}

function assemblyTable(a) {
  return [
    '| assembly (best of 3, from a clean `_build`, compile included) | otp-ts | BEAM | otp-ts / BEAM |',
    '| --- | ---: | ---: | ---: |',
    `| \`otp release\` of the template app (wall) | ${ms(a.release)} | – | – |`,
    `| \`otp release --tar\` (wall; BEAM: the minimal release by erlc, then three \`erl\` runs: base versions, systools make_script, make_tar) | ${ms(a.tar)} | ${ms(a.beam?.ms)} | ${ratio(a.tar, a.beam?.ms)} |`,
    `| release folder (otp-ts: bin/, lib/, releases/, node_modules/@otp-ts/runtime) | ${kib(a.relBytes)} | – | – |`,
    `| tarball (BEAM: kernel, stdlib and the app, without erts) | ${kib(a.tarBytes)} | ${kib(a.beam?.bytes)} | ${ratio(a.tarBytes, a.beam?.bytes)} |`,
  ];
}

function bootTable(rows) {
  return [
    '| boot: spawn to the "started" line (best of 5, otp-ts and BEAM interleaved) | otp-ts | BEAM | otp-ts / BEAM |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.label} | ${ms(r.otp)} | ${ms(r.beam)} | ${ratio(r.otp, r.beam)} |`),
  ];
}

function upgradeTable(u) {
  const first = u.ups[0];
  const med = (list, key) => median(list.map((r) => r[key]));
  return [
    `| upgrade of ${WORKERS.toLocaleString('en')} gen_servers | otp-ts | BEAM +S 1 | otp-ts / BEAM |`,
    '| --- | ---: | ---: | ---: |',
    `| longest suspension, upgrade 1 (BEAM: sys:suspend → change_code → resume of all, the first round in a fresh VM) | ${ms(first.suspendedMs)} | ${ms(u.beam?.first)} | ${ratio(first.suspendedMs, u.beam?.first)} |`,
    `| longest suspension, median of ${u.ups.length} upgrades (BEAM: of ${ROUNDS} rounds in one VM) | ${ms(med(u.ups, 'suspendedMs'))} | ${ms(u.beam?.median)} | ${ratio(med(u.ups, 'suspendedMs'), u.beam?.median)} |`,
    `| longest suspension, best of ${u.ups.length} upgrades (BEAM: of ${ROUNDS} rounds) | ${ms(Math.min(...u.ups.map((r) => r.suspendedMs)))} | ${ms(u.beam?.best)} | ${ratio(Math.min(...u.ups.map((r) => r.suspendedMs)), u.beam?.best)} |`,
    `| longest suspension, median of ${u.downs.length} downgrades | ${ms(med(u.downs, 'suspendedMs'))} | – | – |`,
    `| whole install on the node (check, load, suspend, codeChange, resume, the health probe's watch of the migrated processes, 100 ms here with --probe-ms 100 where the default is 2,000 ms, permanence), upgrade 1 / median | ${ms(first.ms)} / ${ms(med(u.ups, 'ms'))} | – | – |`,
    `| \`bin/${FLEET} upgrade 0.2.0\` command, spawn to exit, upgrade 1 / median | ${ms(first.wallMs)} / ${ms(med(u.ups, 'wallMs'))} | – | – |`,
  ];
}

/** The summary's rows (bench/results.mjs): issue 20's goals for the longest suspension, time otp-ts / BEAM. */
export function upgradeRatios(u) {
  if (!u.beam) return [];
  const suspended = median(u.ups.map((r) => r.suspendedMs));
  return [
    { measure: 'longest suspension, upgrade 1: otp-ts / BEAM', value: u.ups[0].suspendedMs / u.beam.first, goal: '<= 1', source: 'issue 20' },
    { measure: `longest suspension, median of ${u.ups.length}: otp-ts / BEAM`, value: suspended / u.beam.median, goal: '<= 1', source: 'issue 20' },
  ];
}

function heapLines(u) {
  const mb = (b) => `${(b / 2 ** 20).toFixed(2)} MB`;
  const [h1, h10, h20] = [u.heaps[0], u.heaps[9], u.heaps[ROUNDS - 1]];
  return `- Heap of the node (\`process.memoryUsage().heapUsed\` after \`gc()\`, read through \`bin/${FLEET} eval\`) over ${ROUNDS} successive upgrades, each but the first after a downgrade: ${mb(h1)} after upgrade 1, ${mb(h10)} after upgrade 10, ${mb(h20)} after upgrade 20; growth ${((h20 - h1) / 1024).toFixed(0)} KB from 1 to 20, ${((h20 - h10) / 1024).toFixed(0)} KB from 10 to 20 (${((h20 - h10) / 1024 / 10).toFixed(1)} KB an upgrade/downgrade round).`;
}

function section(erlang, a, bootRows, u) {
  return [
    '## release',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg()[0].toFixed(1)} when written), Node.js ${process.version}, Erlang/OTP ${erlang ?? 'not available'}. Command: \`npm run bench -- release\`.`,
    'otp-ts releases are built by `otp release` from a fresh `otp new app` project and driven by their own start script; the BEAM side is a minimal release (an application, a supervisor, one gen_server) booted from a systools boot script, and bench/code\'s `sys:suspend/change_code/resume` for the upgrade. All in one run on a shared, noisy machine: compare the ratios, not the figures of other runs. For times, otp-ts / BEAM below 1× means otp-ts is faster.',
    '',
    ...assemblyTable(a),
    '',
    ...bootTable(bootRows),
    '',
    `Boot rows read otp-ts / BEAM. \`--enable-source-maps\` is switched on inside the booting process; any other Node.js flag in node.args makes \`foreground\` start a second Node.js process with it; the BEAM boots are the minimal release's \`erl -boot\`, with \`-name\` where the otp-ts node starts distribution.`,
    '',
    ...upgradeTable(u),
    '',
    `- The fleet release (${WORKERS.toLocaleString('en')} gen_servers under its top supervisor) answered \`bin/${FLEET} daemon\` ${ms(u.daemonMs)} after the command started.`,
    heapLines(u),
  ].join('\n');
}

// Builds the packages; a failure (say, another build racing in the same tree) is retried once, then
// the packages' existing dist/ is used if there is one.
function build() {
  const once = () => spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' }).status === 0;
  if (once()) return;
  spawnSync('sleep', ['5']);
  if (once()) return;
  if (!existsSync(join(repo, 'packages', 'cli', 'dist', 'index.js'))) throw new Error('release bench: the build failed and no built packages exist');
  console.log('  the build failed: measuring the packages as last built');
}

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run(flags = []) {
  const heartOnly = flags.includes('--heart');
  console.log('release bench: building otp-ts…');
  build();
  const erlang = ensureErlang();
  mkdirSync(join(repo, '_build'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'bench-release-'));
  const erlDir = join(base, 'erl');
  mkdirSync(erlDir);
  // The releases' nodes start the built-in port mapper when none runs (as erl starts epmd): one the bench
  // started would run on from the deleted project, in the way of Erlang's own epmd, so it is stopped at the end.
  const { portMapperNames, killPortMapper } = await import('@otp-ts/runtime/tools');
  const mapperWasRunning = await portMapperNames().then(() => true, () => false);
  try {
    if (heartOnly) {
      console.log(`release bench: wrote ${writeSection('release-heart', heartSection(erlang, await heartRounds(base, erlDir, erlang)))}`);
      return;
    }
    console.log(`  otp new app ${APP}; assembling (best of 3)…`);
    const dir = await newApp(repo, base, APP);
    const a = await assembly(dir, erlDir, erlang);
    console.log('  booting (best of 5)…');
    const bootRows = await boot(dir, a.beam?.boot);
    const u = await upgrades(base, erlDir, erlang);
    console.log(`release bench: wrote ${writeSection('release', section(erlang, a, bootRows, u), upgradeRatios(u))}`);
    console.log(`release bench: wrote ${writeSection('release-heart', heartSection(erlang, await heartRounds(base, erlDir, erlang)))}`);
  } finally {
    if (!mapperWasRunning) await killPortMapper().catch(() => false);
    rmSync(base, { recursive: true, force: true });
  }
}
