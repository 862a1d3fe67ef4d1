// The start script's own cost per invocation: `bin/<name> ping`, `pid`, … are what operators, scripts, the heart
// and `daemon` run again and again, so the program behind them (packages/release's dist/control.js, copied into a
// release as bin/<name>.mjs) should start quickly. This runs the same commands through two (or more) copies of one
// release that differ only in that program, interleaved in one run, against one running node:
//   before: the start script of REV (default 6b55dfc^, before it shared otp's yargs-based adapter), bundled from
//           its sources in git as the build then did (tar inlined);
//   now:    packages/release/dist/control.js as built (node scripts/build.mjs --quiet first);
//   --also REV adds the start script of another commit, bundled the same way as before's;
//   --variant LABEL=FILE adds any other build of it (experiments).
// Per command it reports the median wall time and the CPU time (user + system, read from this process's
// children's times after each run is reaped: 10 ms ticks, so the mean over the runs is given beside the median).
// Usage: node bench/release/startup.mjs [--runs N] [--before REV] [--also REV].. [--variant LABEL=FILE].. [--no-write]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeSection } from '../results.mjs';
import { newApp, otp, relRoot } from './project.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const work = join(repo, 'bench', '.work', 'startup');
const APP = 'rbstart';
const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Number(flag('--runs', '20'));
const BEFORE = flag('--before', '6b55dfc^');
const variants = args.flatMap((a, i) => (args[i - 1] === '--variant' ? [a.split('=')] : []));
const also = args.filter((_, i) => args[i - 1] === '--also');
// What is run: the common client commands against the running node, then the help and a refusal (yargs' path).
const COMMANDS = [['ping'], ['pid'], ['versions'], ['--help'], ['ping', '--bogus']];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const git = (...a) => spawnSync('git', a, { cwd: repo, encoding: 'utf8' });

// This process's children's CPU time so far (ms): cutime + cstime of /proc/self/stat, in ticks of 10 ms.
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

// The start script of `rev`, bundled from its sources as scripts/build.mjs bundled it then (its package.json's
// otpBuild entry: the dependencies it names inlined, the rest external), into work/before-<commit>.js.
async function bundleAt(rev) {
  const commit = git('rev-parse', '--short', rev).stdout.trim();
  if (!commit) throw new Error(`bench/release/startup: git does not know ${rev}: run it from a clone with the history`);
  const out = join(work, `control-${commit}.js`);
  if (existsSync(out)) return { commit, file: out };
  // Inside the repository, so its node_modules resolve the inlined packages.
  const src = join(work, `src-${commit}`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const r = spawnSync('sh', ['-c', `git archive --format=tar ${commit} packages/release | tar -x -C "${src}"`], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/release/startup: could not take packages/release of ${commit} from git: ${r.stderr}`);
  const pkg = JSON.parse(readFileSync(join(src, 'packages', 'release', 'package.json'), 'utf8'));
  const entry = pkg.otpBuild.entries['control.js'];
  const external = Object.keys(pkg.dependencies).filter((d) => !entry.bundle.includes(d)).flatMap((d) => [d, `${d}/*`]).concat(['node:*']);
  await build({ entryPoints: [join(src, 'packages', 'release', entry.src)], outfile: out, bundle: true, external, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, minify: entry.minify === true, logLevel: 'warning' });
  return { commit, file: out };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The built-in port mapper on a port of the bench's own, so nothing is left on 4369.
async function portMapper() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repo, 'packages', 'runtime', 'dist', 'epmd.js'), '--port', String(port), '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => /listening/.test(c.toString()) && resolve());
    child.once('exit', (code) => reject(new Error(`the port mapper exited (${code})`)));
  });
  return { port, child };
}

/** Runs the bench; returns the figures per command and side. */
async function main() {
  const control = join(repo, 'packages', 'release', 'dist', 'control.js');
  if (!existsSync(control)) throw new Error('bench/release/startup: packages/release/dist/control.js is missing: run node scripts/build.mjs --quiet first');
  mkdirSync(work, { recursive: true });
  const before = await bundleAt(BEFORE);
  const dir = join(work, APP);
  if (!existsSync(relRoot(dir, APP))) {
    rmSync(dir, { recursive: true, force: true });
    await newApp(repo, work, APP);
    await otp(repo, dir, ['release']);
  }
  // One copy of the release per side, identical but for bin/<name>.mjs.
  const sides = [
    { label: `before (${before.commit})`, file: before.file },
    { label: `now (${git('rev-parse', '--short', 'HEAD').stdout.trim()})`, file: control },
    ...(await Promise.all(also.map(bundleAt))).map((b) => ({ label: b.commit, file: b.file })),
    ...variants.map(([label, file]) => ({ label, file })),
  ].map((side, i) => {
    const rel = join(work, `rel-${i}`);
    rmSync(rel, { recursive: true, force: true });
    cpSync(relRoot(dir, APP), rel, { recursive: true });
    copyFileSync(side.file, join(rel, 'bin', `${APP}.mjs`));
    return { ...side, rel, bytes: statSync(side.file).size, runs: Object.fromEntries(COMMANDS.map((c) => [c.join(' '), { wall: [], cpu: [], status: new Set() }])) };
  });
  const mapper = await portMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(mapper.port) };
  delete env.OTP_RELEASE_ROOT;
  const script = (side) => join(side.rel, 'bin', APP);
  const load = [loadavg()[0]];
  try {
    const up = spawnSync(script(sides[1]), ['daemon'], { env, encoding: 'utf8', timeout: 120_000 });
    if (up.status !== 0) throw new Error(`bin/${APP} daemon failed: ${up.stderr}`);
    for (let i = 0; i < RUNS; i++) {
      for (const command of COMMANDS) {
        const order = i % 2 ? [...sides].reverse() : sides;
        for (const side of order) {
          const cpu0 = childrenCpuMs();
          const t0 = performance.now();
          const r = spawnSync(script(side), command, { env, encoding: 'utf8', timeout: 120_000 });
          const run = side.runs[command.join(' ')];
          run.wall.push(performance.now() - t0);
          run.cpu.push(childrenCpuMs() - cpu0);
          run.status.add(r.status);
        }
      }
      if (i % 5 === 4) {
        load.push(loadavg()[0]);
        console.log(`  ${i + 1} of ${RUNS} runs (load ${load.at(-1).toFixed(1)})`);
      }
    }
  } finally {
    spawnSync(script(sides[1]), ['stop'], { env, encoding: 'utf8', timeout: 120_000 });
    mapper.child.kill();
  }
  return { before, sides, load };
}

const { before, sides, load } = await main();
const ms = (v) => `${v.toFixed(0)} ms`;
const x = (v) => `${v.toFixed(2)}×`;
const rows = COMMANDS.map((c) => c.join(' ')).map((command) => {
  const stat = (side) => {
    const r = side.runs[command];
    return { wall: median(r.wall), cpu: median(r.cpu), cpuMean: mean(r.cpu), status: [...r.status].join('/') };
  };
  return { command, sides: sides.map(stat) };
});
for (const r of rows) {
  console.log(`  ${r.command}: ${r.sides.map((s, i) => `${sides[i].label} wall ${ms(s.wall)} cpu ${ms(s.cpu)} (mean ${s.cpuMean.toFixed(1)}) exit ${s.status}`).join('; ')}`);
}
const headers = sides.map((s) => s.label);
const lines = [
  '## release: start script',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}; load average (1 minute) ${load.map((l) => l.toFixed(1)).join(', ')} over the run. Command: \`node bench/release/startup.mjs\` (after \`node scripts/build.mjs --quiet\`).`,
  `The cost of one \`bin/${APP} COMMAND\` of the template release, through copies of the release that differ only in bin/${APP}.mjs: the start script of ${before.commit} (before it shared otp's adapter), this checkout's${also.length ? ` and that of ${also.join(', ')}` : ''} (${sides.map((s) => `${s.label} ${Math.round(s.bytes / 1024)} KiB`).join(', ')}), ${RUNS} runs of each command per side, the sides interleaved (alternating which goes first), against one node started by \`bin/${APP} daemon\`. CPU is the process's user + system time (10 ms ticks: median and mean of the runs); wall time includes the node's answer and, on a loaded machine, the wait for a core.`,
  '',
  `| command | ${headers.map((h) => `${h}: wall, CPU median (mean)`).join(' | ')} | CPU now / before (means) |`,
  `| --- | ${headers.map(() => '---:').join(' | ')} | ---: |`,
  ...rows.map((r) => `| \`bin/${APP} ${r.command}\` | ${r.sides.map((s) => `${ms(s.wall)}, ${ms(s.cpu)} (${s.cpuMean.toFixed(1)} ms)`).join(' | ')} | ${x(r.sides[1].cpuMean / r.sides[0].cpuMean)} |`),
  '',
  `Exit codes seen (before / now): ${rows.map((r) => `${r.command} ${r.sides[0].status} / ${r.sides[1].status}`).join('; ')}. The old start script answered \`--help\` with its own short list and ignored \`--bogus\`; the adapter's help and refusal load yargs, the other commands parse without it.`,
];
const ping = rows[0];
const ratios = [{ measure: '`bin/<name> ping` CPU per invocation: now / before the shared adapter', value: ping.sides[1].cpuMean / ping.sides[0].cpuMean, goal: '<= 1.05', source: 'issue 18' }];
if (args.includes('--no-write')) console.log(lines.join('\n'));
else console.log(`release startup bench: wrote ${writeSection('release-startup', lines.join('\n'), ratios)}`);
