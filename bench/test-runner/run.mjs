// The test-runner suite: one generated suite (200 files × 10 small tests + 50 files of process-heavy tests)
// run by `otp test`, node:test and vitest side by side: cold run, warm rerun, one file run alone, one-file watch rerun, coverage overhead.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from '../results.mjs';
import { generate, SMALL_FILES, SMALL_TESTS, PROC_FILES, PROC_TESTS } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work', 'test-runner');
const otpBin = join(root, 'packages', 'cli', 'bin', 'otp.js');
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const TOTAL = SMALL_FILES * SMALL_TESTS + PROC_FILES * PROC_TESTS;

// How each tool runs the suite, how to clear its caches, and the line that ends each of its runs.
const tools = {
  otp: { label: '`otp test`', args: ['test'], single: ['test', 'test/small/s7.test.ts'], bin: otpBin, cover: ['test', '--cover'], clear: (r) => rmSync(join(r, '_build'), { recursive: true, force: true }), done: /^\d+ passed, \d+ failed/m, watch: ['test', '--watch'] },
  nodetest: { label: 'node:test', args: ['--test', 'test/'], single: ['--test', 'test/small/s7.test.mjs'], cover: ['--test', '--experimental-test-coverage', 'test/'], clear: () => {}, done: /^# fail \d+/m, watch: ['--test', '--watch', 'test/'] },
  vitest: { label: 'vitest 3', args: ['run'], single: ['run', 'test/small/s7.test.ts'], bin: vitestBin, cover: undefined, clear: (r) => rmSync(join(r, '.vite-cache'), { recursive: true, force: true }), done: /Duration\s+[\d.]+m?s/, watch: ['watch'] },
};

const argv = (t, args) => (t.bin ? [t.bin, ...args] : args);

function timed(t, dir, args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, argv(t, args), { cwd: dir, encoding: 'utf8', timeout: 900_000, maxBuffer: 256 * 2 ** 20, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${t.label} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-3000)}`);
  return ms;
}

// Coverage may fail where the tool's support is experimental (node:test on Node.js 20): then there is no figure.
function tryTimed(t, dir, args) {
  try {
    return timed(t, dir, args);
  } catch (error) {
    console.log(`  ${t.label} ${args.join(' ')}: no figure (${error.message.split('\n')[0]})`);
    return undefined;
  }
}

// Starts watch mode, waits for its first run, changes one file, and times the rerun until its closing line.
async function watchRerun(t, dir) {
  const child = spawn(process.execPath, argv(t, t.watch), { cwd: dir, env: { ...process.env, CI: '', NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const runs = () => (out.match(new RegExp(t.done.source, 'gm')) ?? []).length;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const until = async (n, ms) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (runs() >= n) return true;
      await new Promise((r) => setTimeout(r, 5));
    }
    return false;
  };
  try {
    if (!(await until(1, 300_000))) return undefined;
    await new Promise((r) => setTimeout(r, 1500));
    const started = performance.now();
    appendFileSync(join(dir, 'test', 'small', `s7${t.args[0] === '--test' ? '.test.mjs' : '.test.ts'}`), '\n// touched\n');
    return (await until(2, 120_000)) ? performance.now() - started : undefined;
  } finally {
    child.kill('SIGKILL');
  }
}

const fmt = (ms) => (ms === undefined ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  console.log('test-runner bench: building otp-ts…');
  spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  const dirs = generate(work, root);
  const rows = {};
  for (const [name, t] of Object.entries(tools)) {
    t.clear(dirs[name]);
    const cold = timed(t, dirs[name], t.args);
    const warm = Math.min(timed(t, dirs[name], t.args), timed(t, dirs[name], t.args));
    // One file of the 250 given as a path, warm: what a developer rerunning one test waits for.
    const single = Math.min(timed(t, dirs[name], t.single), timed(t, dirs[name], t.single), timed(t, dirs[name], t.single));
    const cover = t.cover ? tryTimed(t, dirs[name], t.cover) : undefined;
    const watch = await watchRerun(t, dirs[name]);
    rows[name] = { cold, warm, single, cover, watch };
    console.log(`  ${t.label}: cold ${fmt(cold)}, warm ${fmt(warm)}, one file ${fmt(single)}, watch rerun ${fmt(watch)}, --cover ${fmt(cover)}`);
  }
  const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
  const o = rows.otp;
  const line = (name) => {
    const r = rows[name];
    return `| ${tools[name].label} | ${fmt(r.cold)} | ${fmt(r.warm)} | ${fmt(r.single)} | ${fmt(r.watch)} | ${fmt(r.cover)} | ${r.cover ? `+${Math.round((r.cover / r.warm - 1) * 100)}%` : '–'} |`;
  };
  const lines = [
    '## test-runner',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}. Command: \`npm run bench -- test-runner\`.`,
    '',
    `One generated suite written three times (bench/test-runner/generate.mjs): ${SMALL_FILES} files × ${SMALL_TESTS} small tests (arithmetic and deep equality) plus ${PROC_FILES} files × ${PROC_TESTS} process-heavy tests (a ring of 200 otp-ts processes passing a token round 10 times), ${TOTAL.toLocaleString('en')} tests in all. Each tool uses its defaults (otp test: a worker thread per file, jobs = cores; node:test: a child process per file; vitest: its default \`forks\` pool); node:test runs the same code as \`.mjs\` (Node.js 20 cannot run TypeScript). Wall time of the whole command, from a fresh process: *cold* with the tool's caches removed (otp's \`_build/test\`, vitest's cache dir), *warm* the best of two reruns, *watch rerun* the time from changing one small test file to the end of the rerun in watch mode, *coverage* a warm run with coverage (\`otp test --cover\`; node:test's \`--experimental-test-coverage\`, which on Node.js 20 fails to report on this suite, hence no figure; vitest needs @vitest/coverage-v8, not installed). A changed file makes \`otp test --watch\` rerun only the test files that import it (through each test bundle's import graph); here one test file changes, so one file reruns. *One file alone* is the best of three warm runs of one small test file given as a path (\`otp test test/small/s7.test.ts\`, \`node --test test/small/s7.test.mjs\`, \`vitest run test/small/s7.test.ts\`): otp test compiles and starts a worker for that file only.`,
    '',
    '| runner | cold run | warm rerun | one file alone | one-file watch rerun | with coverage | coverage overhead |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    line('otp'),
    line('nodetest'),
    line('vitest'),
    '',
    `otp test against vitest: cold ${ratio(o.cold, rows.vitest.cold)}, warm ${ratio(o.warm, rows.vitest.warm)}, one file ${ratio(o.single, rows.vitest.single)}, watch rerun ${ratio(o.watch, rows.vitest.watch)} (below 1× is faster). Against node:test: cold ${ratio(o.cold, rows.nodetest.cold)} (target: within 1.5×), warm ${ratio(o.warm, rows.nodetest.warm)}, one file ${ratio(o.single, rows.nodetest.single)}.`,
  ];
  console.log(`test-runner bench: wrote ${writeSection('test-runner', lines.join('\n'))}`);
}
