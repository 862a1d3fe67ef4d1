// CPU profiles of connection set-up, this checkout's runtime and the one before handshake version 3 (versions.mjs),
// one after the other: a peer (listener) and a dialling process, each under `node --cpu-prof`, the dialler
// reconnecting SAMPLES times (20 ms after each disconnect) then making SAMPLES first contacts; prints each
// side's top frames by self time and the distribution functions' time per set-up.
// Usage: node bench/dist/profile-setup.mjs [--samples N] [--top N] [--keep DIR] — not part of `npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stopEpmd } from './epmd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SAMPLES = Number(flag('--samples', '300'));
const TOP = Number(flag('--top', '12'));
const COOKIE = 'bench_prof';
// A port mapper port of its own, so the dist suite running at the same time keeps its own.
const EPMD_PORT = 4388;
const env = { ...process.env, ERL_EPMD_PORT: String(EPMD_PORT), OTP_EPMD_PORT: String(EPMD_PORT) };

// The dialling process: run as `node profile-setup.mjs --dial RUNTIME PEER SAMPLES`.
async function dial(runtime, peer, samples) {
  const { createNode } = await import(pathToFileURL(runtime).href);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const node = createNode();
  await node.startDistribution({ name: 'bench_prof_d@127.0.0.1', cookie: COOKIE, log: () => {} });
  if (!(await node.ping(peer))) throw new Error(`${peer} did not answer`);
  for (let i = 0; i < samples; i++) {
    node.dist.disconnect(peer);
    await sleep(20);
    if (!(await node.ping(peer))) throw new Error(`reconnection ${i} to ${peer} failed`);
  }
  for (let i = 0; i < samples; i++) {
    const fresh = createNode();
    await fresh.startDistribution({ name: `bench_prof_f${i}@127.0.0.1`, cookie: COOKIE, log: () => {} });
    await sleep(20);
    if (!(await fresh.ping(peer))) throw new Error(`first contact ${i} with ${peer} failed`);
    fresh.shutdown();
  }
  node.shutdown();
}

// The listening process: `--listen RUNTIME NAME`; says ready, and stops (writing its profile) at a line on stdin.
async function listen(runtime, name) {
  const { createNode } = await import(pathToFileURL(runtime).href);
  const node = createNode();
  await node.startDistribution({ name, cookie: COOKIE, log: () => {} });
  process.stdout.write('ready\n');
  process.stdin.once('data', () => {
    node.shutdown();
    process.exit(0);
  });
}

// Self time per frame and inclusive time per function of the runtime's bundle, from one .cpuprofile.
function summarise(file, bundle) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const time = new Map();
  p.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\//, '') || ''}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  const self = new Map();
  const inclusive = new Map();
  let busy = 0;
  for (const [id, t] of time) {
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + t);
    if (n.callFrame.functionName === '(idle)') continue;
    busy += t;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur).callFrame;
      if (!c.url.endsWith(bundle) || seen.has(c.functionName)) continue;
      seen.add(c.functionName);
      inclusive.set(c.functionName, (inclusive.get(c.functionName) ?? 0) + t);
    }
  }
  return { busy, self: [...self].sort((a, b) => b[1] - a[1]), inclusive: [...inclusive].sort((a, b) => b[1] - a[1]) };
}

async function profile(label, runtime, dir) {
  const peer = `bench_prof_${label}@127.0.0.1`;
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'listener')}`, fileURLToPath(import.meta.url), '--listen', runtime, peer], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => c.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the ${label} listener exited with ${code}`)));
  });
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'dialler')}`, fileURLToPath(import.meta.url), '--dial', runtime, peer, String(SAMPLES)], { cwd: root, env, stdio: 'inherit', timeout: 600_000 });
  child.stdin.write('stop\n');
  await new Promise((resolve) => child.once('exit', resolve));
  if (r.status !== 0) throw new Error(`the ${label} dialler failed`);
  const bundle = runtime.replace(/^.*\/([^/]+\/[^/]+)$/, '$1');
  const ms = (us) => (us / 1000).toFixed(1).padStart(8);
  for (const side of ['dialler', 'listener']) {
    const d = join(dir, side);
    const s = summarise(join(d, readdirSync(d)[0]), bundle);
    console.log(`\n${label}, ${side}: ${ms(s.busy)} ms busy over ${2 * SAMPLES} set-ups (startup included); top frames by self time:`);
    for (const [f, t] of s.self.slice(0, TOP)) console.log(`  ${ms(t)} ms  ${f}`);
    console.log(`  the runtime's functions, inclusive, µs per set-up:`);
    console.log(`  ${s.inclusive.filter(([f]) => f !== '').slice(0, TOP).map(([f, t]) => `${f} ${Math.round(t / (2 * SAMPLES))}`).join(', ')}`);
  }
}

if (process.argv[2] === '--dial') await dial(process.argv[3], process.argv[4], Number(process.argv[5]));
else if (process.argv[2] === '--listen') await listen(process.argv[3], process.argv[4]);
else {
  // Imported here only: the profiled processes (this script with --dial or --listen) do not load esbuild.
  const { buildRuntimes, toolsOf } = await import('./versions.mjs');
  const work = join(root, 'bench', '.work', 'dist');
  mkdirSync(work, { recursive: true });
  const runtimes = await buildRuntimes(root, work);
  const keep = flag('--keep', undefined);
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'otp-setup-profile-'));
  const epmd = spawnSync('epmd', ['-port', String(EPMD_PORT), '-daemon']).status === 0;
  console.log(`set-up profiles, ${SAMPLES} reconnections and ${SAMPLES} first contacts each; load average ${loadavg()[0].toFixed(1)}${epmd ? '' : ' (no Erlang epmd: the built-in port mapper)'}`);
  try {
    await profile('now', runtimes.now, join(dir, 'now'));
    await profile(`before_${runtimes.beforeCommit}`, runtimes.before, join(dir, 'before'));
  } finally {
    if (epmd) await stopEpmd(EPMD_PORT);
    else await (await import(pathToFileURL(toolsOf(runtimes.now)).href)).killPortMapper('127.0.0.1', EPMD_PORT).catch(() => false);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average at the end ${loadavg()[0].toFixed(1)}${keep ? `; profiles in ${dir}` : ''}`);
}
