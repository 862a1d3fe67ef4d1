// The newcomer suite: how long from nothing to a first passing test, and how fast the command starts.
// - otp-ts: `npm create otp-ts@latest` → `npm install` → `npx otp test`, every package served by a local
//   registry on loopback (verdaccio, as test/registry.test.ts uses it), with an empty npm cache each run.
// - vitest: the same registry serves vitest 3 and its dependencies; the project is a package.json and one
//   test file written by the bench (create-vite cannot be served offline: its templates pin versions this
//   checkout does not have), then `npm install` → `npx vitest run`.
// - rebar3 (when installed): `rebar3 new app` → one EUnit test added → `rebar3 eunit`, with an empty cache.
// Start-up: `otp --version` and `otp --help` (the project's installed otp, and through npx) beside
// `vitest --version` and `rebar3 version`, medians of repeated runs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from '../results.mjs';
import { publishDependencies, publishRepository, registryEnv, startRegistry } from '../../test/support/registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work', 'newcomer');
const RUNS = 3;
const STARTUP_RUNS = 10;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms === undefined ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Runs a command that must succeed; returns its wall time in ms and what it printed. */
function timed(cmd, args, cwd, env, check) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.status !== 0 || (check && !check.test(out))) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}) in ${cwd}:\n${out.slice(-3000)}`);
  return ms;
}

/** A fresh folder and npm environment (empty cache, so npm fetches everything from the registry) for one run. */
function freshRun(registry, label, i) {
  const dir = join(work, `${label}-${i}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { dir, env: { ...registryEnv(join(dir, '.npm'), registry.url), NO_COLOR: '1', CI: '1' } };
}

function otpRun(registry, i) {
  const { dir, env } = freshRun(registry, 'otp', i);
  const name = `bench_new_${i}`;
  const steps = {};
  steps.create = timed('npm', ['create', 'otp-ts@latest', name], dir, env, /next:/);
  const project = join(dir, name);
  steps.install = timed('npm', ['install'], project, env);
  steps.test = timed('npx', ['otp', 'test'], project, env, /^\d+ passed, 0 failed$/m);
  return { ...steps, total: steps.create + steps.install + steps.test, project, env };
}

function vitestRun(registry, i) {
  const { dir, env } = freshRun(registry, 'vitest', i);
  const version = JSON.parse(readFileSync(join(root, 'node_modules', 'vitest', 'package.json'), 'utf8')).version;
  const project = join(dir, 'bench_vitest');
  const started = performance.now();
  mkdirSync(join(project, 'test'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench_vitest', private: true, type: 'module', devDependencies: { vitest: version } }, null, 2));
  writeFileSync(join(project, 'test', 'sum.test.js'), "import { expect, test } from 'vitest';\n\ntest('adds', () => {\n  expect(1 + 2).toBe(3);\n});\n");
  const create = performance.now() - started;
  const install = timed('npm', ['install'], project, env);
  const test = timed('npx', ['vitest', 'run'], project, env, /Tests\s+1 passed/);
  return { create, install, test, total: create + install + test, project, env };
}

function rebar3Run(i) {
  const dir = join(work, `rebar3-${i}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'home'), { recursive: true });
  const env = { ...process.env, HOME: join(dir, 'home') };
  const create = timed('rebar3', ['new', 'app', 'bench_new'], dir, env);
  const project = join(dir, 'bench_new');
  mkdirSync(join(project, 'test'), { recursive: true });
  writeFileSync(join(project, 'test', 'bench_new_tests.erl'), '-module(bench_new_tests).\n-include_lib("eunit/include/eunit.hrl").\n\nadds_test() ->\n    ?assertEqual(3, 1 + 2).\n');
  const test = timed('rebar3', ['eunit'], project, env, /1 tests?, 0 failures/);
  return { create, install: undefined, test, total: create + test, project, env };
}

function startup(cmd, args, cwd, env) {
  timed(cmd, args, cwd, env);
  const times = [];
  for (let i = 0; i < STARTUP_RUNS; i++) times.push(timed(cmd, args, cwd, env));
  return median(times);
}

/** What npm create fetches: create-otp-ts's tarball as npm packs it (a copy with the templates its prepack copies in). */
function createPackage() {
  const stage = join(work, 'create-otp-ts');
  cpSync(join(root, 'packages', 'create-otp-ts'), stage, { recursive: true, filter: (from) => !from.split(sep).includes('node_modules') });
  cpSync(join(root, 'templates'), join(stage, 'templates'), { recursive: true });
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: stage, encoding: 'utf8' });
  const [listing] = packed.status === 0 ? JSON.parse(packed.stdout) : [{}];
  return { count: listing.entryCount ?? 0, bytes: listing.unpackedSize ?? 0 };
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  if (!existsSync(join(root, 'packages', 'create-otp-ts', 'dist', 'create.js'))) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  console.log('newcomer bench: starting a local registry and publishing otp-ts and vitest to it…');
  const registry = await startRegistry(join(work, 'registry'));
  try {
    await publishRepository(registry, join(work, 'registry'));
    await publishDependencies(registry, join(work, 'registry'), ['vitest']);
    const rows = { otp: [], vitest: [], rebar3: [] };
    const rebar3 = has('rebar3');
    for (let i = 0; i < RUNS; i++) {
      rows.otp.push(otpRun(registry, i));
      rows.vitest.push(vitestRun(registry, i));
      if (rebar3) rows.rebar3.push(rebar3Run(i));
      console.log(`  run ${i + 1}/${RUNS}: otp ${fmt(rows.otp[i].total)}, vitest ${fmt(rows.vitest[i].total)}${rebar3 ? `, rebar3 ${fmt(rows.rebar3[i].total)}` : ''}`);
    }
    const med = (list, key) => (list.length && list[0][key] !== undefined ? median(list.map((r) => r[key])) : undefined);
    const otpProject = rows.otp.at(-1);
    const vitestProject = rows.vitest.at(-1);
    const otpBin = join(otpProject.project, 'node_modules', '@otp-ts', 'cli', 'bin', 'otp.js');
    const vitestBin = join(vitestProject.project, 'node_modules', 'vitest', 'vitest.mjs');
    const start = {
      'otp --version': startup(process.execPath, [otpBin, '--version'], otpProject.project, otpProject.env),
      'otp --help': startup(process.execPath, [otpBin, '--help'], otpProject.project, otpProject.env),
      'npx otp --version': startup('npx', ['otp', '--version'], otpProject.project, otpProject.env),
      'vitest --version': startup(process.execPath, [vitestBin, '--version'], vitestProject.project, vitestProject.env),
      'npx vitest --version': startup('npx', ['vitest', '--version'], vitestProject.project, vitestProject.env),
      ...(rebar3 ? { 'rebar3 version': startup('rebar3', ['version'], rows.rebar3.at(-1).project, rows.rebar3.at(-1).env) } : {}),
    };
    const erl = rebar3 ? spawnSync('erl', ['-noshell', '-eval', 'io:format("~s", [erlang:system_info(otp_release)]), halt().'], { encoding: 'utf8' }).stdout : undefined;
    const rebar3Version = rebar3 ? spawnSync('rebar3', ['version'], { encoding: 'utf8' }).stdout.trim() : undefined;
    const tools = [
      ['otp-ts: `npm create otp-ts@latest` → `npm install` → `npx otp test`', rows.otp],
      ['vitest 3: package.json + one test written → `npm install` → `npx vitest run`', rows.vitest],
      ...(rebar3 ? [[`rebar3: \`rebar3 new app\` → one EUnit test written → \`rebar3 eunit\``, rows.rebar3]] : []),
    ];
    const load = loadavg()[1].toFixed(1);
    const createFiles = createPackage();
    const md = [
      '## Newcomer: from nothing to a first passing test, and start-up',
      '',
      `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}${erl ? `, Erlang/OTP ${erl}, ${rebar3Version}` : ''}; load average ${load} (5 min) at the end. \`npm run bench -- newcomer\`.`,
      '',
      `The npm packages come from a local registry on loopback (verdaccio holding this checkout's packages and`,
      `the dependencies' installed versions), with an empty npm cache for every run: a first-time user on a fast`,
      `network. Medians of ${RUNS} runs, wall time. create-vite is not measured: it cannot be served offline (its`,
      `templates pin versions this checkout does not hold), so vitest is anchored on a project of one test file.`,
      `${rebar3 ? '' : 'rebar3 is not installed on this machine: no Erlang figures.'}`,
      '',
      '| path | create | install | first test run | total |',
      '| --- | --- | --- | --- | --- |',
      ...tools.map(([label, list]) => `| ${label} | ${fmt(med(list, 'create'))} | ${fmt(med(list, 'install'))} | ${fmt(med(list, 'test'))} | ${fmt(med(list, 'total'))} |`),
      '',
      `otp-ts / vitest, total: ${(med(rows.otp, 'total') / med(rows.vitest, 'total')).toFixed(2)}× (the medians of runs that alternated with each other).`,
      `\`npm create\` installs create-otp-ts alone (${createFiles.count} files, ${(createFiles.bytes / 1024).toFixed(0)} KiB unpacked: its program inlines \`otp new\`'s`,
      'scaffold and carries the templates); `npm install` then fetches the toolchain (esbuild, yargs, chokidar, tar, c8…) into an empty cache.',
      '',
      `Start-up, median of ${STARTUP_RUNS} runs each (the installed bin run by node; the npx lines add npx's own start):`,
      '',
      '| command | wall |',
      '| --- | --- |',
      ...Object.entries(start).map(([k, v]) => `| \`${k}\` | ${fmt(v)} |`),
    ].join('\n');
    console.log(md);
    console.log(`wrote ${writeSection('newcomer', md)}`);
  } finally {
    await registry.stop();
  }
}
