// bench/observer: what an open `otp observer` costs the observed node, beside `otp top`, and how the page
// copes with 100k processes. The node (bench/observer/node.ts) runs a gen_server call loop and prints its
// calls per second; each phase attaches something for PHASE_S seconds and the median rate is kept.
// Usage: node --import ./scripts/register-ts.mjs bench/observer/bench.ts (npm run bench -- observer)
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '../../packages/runtime/src/distribution/epmd-server.ts';
import { connect } from '../../packages/tracer/src/index.ts';
import { mkdirSync, writeFileSync } from 'node:fs';

const PHASE_S = Number(process.env.BENCH_OBSERVER_PHASE_S ?? 10);
const root = fileURLToPath(new URL('../..', import.meta.url));
const otpArgs = ['--import', `${root}scripts/register-ts.mjs`, `${root}bench/observer/otp-src.ts`];
const epmd = new EpmdServer();
const port = await epmd.listen(0);
process.env.OTP_EPMD_PORT = String(port); // the top-like client's tool node registers with this port mapper
const cookie = 'bench-observer';
const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: cookie };
const nodeName = 'bench_observed@127.0.0.1';
const children: ChildProcess[] = [];

const target = spawn(process.execPath, ['--import', `${root}scripts/register-ts.mjs`, `${root}bench/observer/node.ts`, nodeName, cookie, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
children.push(target);
type Sample = { calls: number; cpuMs: number; delayP99: number; delayMax: number };
const samples: Sample[] = [];
let onLine: (l: Record<string, number>) => void = () => {};
const lines = createInterface({ input: target.stdout! });
await new Promise<void>((resolve) =>
  lines.on('line', (line) => {
    if (line === 'ready') return resolve();
    const l = JSON.parse(line) as Record<string, number>;
    if (l.calls !== undefined) samples.push({ calls: l.calls, cpuMs: l.cpuMs!, delayP99: l.delayP99!, delayMax: l.delayMax! });
    onLine(l);
  }),
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
// The medians over one phase's seconds; the event loop's worst delay is also kept as the phase's maximum.
let lastPhase: Sample & { worstMax: number } = { calls: 0, cpuMs: 0, delayP99: 0, delayMax: 0, worstMax: 0 };
async function phase(label: string, what: 'calls' | 'cpuMs'): Promise<number> {
  await new Promise((r) => setTimeout(r, 2000)); // settle
  samples.length = 0;
  await new Promise((r) => setTimeout(r, PHASE_S * 1000));
  const of = (k: keyof Sample) => median(samples.map((x) => x[k]));
  lastPhase = { calls: of('calls'), cpuMs: of('cpuMs'), delayP99: of('delayP99'), delayMax: of('delayMax'), worstMax: Math.max(0, ...samples.map((x) => x.delayMax)) };
  const m = lastPhase[what];
  console.log(
    `  ${label}: ${what === 'calls' ? `${Math.round(m).toLocaleString('en')} calls/s` : `${m.toFixed(1)} ms of CPU per second`}, event-loop delay p99 ${lastPhase.delayP99.toFixed(1)} ms, max ${lastPhase.delayMax.toFixed(1)} ms (medians of ${samples.length} s; worst second ${lastPhase.worstMax.toFixed(1)} ms)`,
  );
  return m;
}

function startObserver(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...otpArgs, 'observer', nodeName, '--no-open'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', () => reject(new Error(`otp observer exited: ${out}`)));
  });
}

// What `otp top` asks each second: the top processes over the interval and the node's load.
async function topLike(): Promise<() => Promise<void>> {
  const c = await connect({ node: nodeName, cookie, name: `bench_top_${process.pid}@127.0.0.1` });
  let on = true;
  const loop = (async () => {
    while (on) {
      await c.procs('reductions', 10, 1000);
      await c.load();
    }
  })();
  return async () => {
    on = false;
    await loop;
    c.close();
  };
}

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const rows: string[] = [];

type Mode = 'none' | 'top' | 'overview' | 'processes';
const MODES: Array<[Mode, string]> = [
  ['none', 'nothing attached'],
  ['top', '`otp top`-like client (procs over 1 s and load, in a loop)'],
  ['overview', '`otp observer`, a page open on the overview (one sample a second)'],
  ['processes', '`otp observer`, a page open on the process table (a page of 100 every 2 s, every 5 s above 20 000 processes, plus the overview)'],
];
async function attach(mode: Mode): Promise<() => Promise<void>> {
  if (mode === 'none') return async () => {};
  if (mode === 'top') return topLike();
  const obs = await startObserver();
  const page = await browser.newPage();
  await page.goto(mode === 'overview' ? obs.url : `${obs.url}#/procs`);
  return async () => {
    await page.close();
    obs.child.kill();
  };
}
const command = (line: string) => target.stdin!.write(`${line}\n`);
try {
  // Idle node: the CPU each attachment costs it (what an idle observer costs, against otp top).
  const cpu: Record<Mode, number[]> = { none: [], top: [], overview: [], processes: [] };
  for (let round = 0; round < 2; round++) {
    for (const [mode, label] of MODES) {
      const detach = await attach(mode);
      cpu[mode].push(await phase(`idle node, ${label}`, 'cpuMs'));
      await detach();
    }
  }
  // Busy node: gen_server call throughput with each attachment.
  command('load on');
  const calls: Record<Mode, number[]> = { none: [], top: [], overview: [], processes: [] };
  for (let round = 0; round < 3; round++) {
    for (const [mode, label] of MODES) {
      const detach = await attach(mode);
      calls[mode].push(await phase(`call loop, ${label}`, 'calls'));
      await detach();
    }
  }
  command('load off');
  const base = Math.max(...calls.none);
  for (const [mode, label] of MODES) {
    const best = Math.max(...calls[mode]);
    rows.push(`| ${label} | ${median(cpu[mode]).toFixed(1)} ms | ${Math.round(best).toLocaleString('en')} | ${mode === 'none' ? '–' : `${(((best - base) / base) * 100).toFixed(1)}%`} |`);
  }

  // 100k processes: the node pages them; the page's time to show the first page and its JS heap.
  await new Promise<void>((resolve) => {
    onLine = (l) => l.spawned !== undefined && resolve();
    target.stdin!.write('spawn 100000\n');
  });
  const obs = await startObserver();
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await fetch(`${obs.url.replace(/\/\?token=/, '/app.js?token=')}`); // the page's script is ready (bundled at build time in an installed CLI)
  const t0 = performance.now();
  await page.goto(obs.url.replace(/$/, '#/procs'));
  await page.waitForFunction(() => /of 100,0\d\d/.test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText), undefined, { timeout: 120_000 });
  const loadMs = performance.now() - t0;
  const metrics = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const heap = metrics.metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
  const nodes = metrics.metrics.find((m) => m.name === 'Nodes')!.value;
  const token = new URL(obs.url).searchParams.get('token')!;
  const apiMs: Record<string, number> = {};
  await fetch(`${obs.url.replace(/\/\?.*$/, '')}/api/processes?limit=100&token=${token}`); // warm-up
  for (const sort of ['pid', 'memory', 'reductions']) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await (await fetch(`${obs.url.replace(/\/\?.*$/, '')}/api/processes?limit=100&sort=${sort}&dir=desc&token=${token}`)).json();
      times.push(performance.now() - s);
    }
    apiMs[sort] = median(times);
  }
  await page.close();
  obs.child.kill();
  const cpu100k: string[] = [];
  const delay100k: string[] = [];
  for (const [mode, label] of MODES) {
    const detach = await attach(mode);
    cpu100k.push(`| CPU of the idle node with 100k processes, ${label} | ${(await phase(`100k processes, ${label}`, 'cpuMs')).toFixed(1)} ms per second |`);
    delay100k.push(`| ${label} | ${lastPhase.delayP99.toFixed(1)} ms | ${lastPhase.delayMax.toFixed(1)} ms | ${lastPhase.worstMax.toFixed(1)} ms |`);
    await detach();
  }
  console.log(`  page with 100k processes: first page shown ${Math.round(loadMs)} ms after navigation, JS heap ${(heap / 2 ** 20).toFixed(1)} MB, ${nodes} DOM nodes; one page of the table ${Object.entries(apiMs).map(([k, v]) => `by ${k} ${Math.round(v)} ms`).join(', ')}`);
  rows.push(
    '',
    'With 100 000 idle processes on the node:',
    '',
    '| measure | value |',
    '| --- | ---: |',
    `| page: navigation to the first page of the process table shown | ${Math.round(loadMs)} ms |`,
    `| page: JS heap used | ${(heap / 2 ** 20).toFixed(1)} MB |`,
    `| page: DOM nodes | ${nodes} |`,
    ...Object.entries(apiMs).map(([k, v]) => `| one page of 100 rows sorted by ${k} (node pass over 100k + distribution + HTTP), median of 5 | ${Math.round(v)} ms |`),
    ...cpu100k,
    '',
    "The node's event-loop delay with 100 000 idle processes (how late the loop ran a timer it set every 5 ms, the 5 ms itself left out; per second, medians over the phase, and the worst second): what the node's own work waits while each attachment asks. The process table's page is sorted by reductions (the page's default): the node keeps the first rows in a bounded heap in one pass, in chunks of 2000 processes with a turn of the event loop between them.",
    '',
    '| attached to the node | delay p99 | delay max | worst second |',
    '| --- | ---: | ---: | ---: |',
    ...delay100k,
  );
} finally {
  await browser.close();
  for (const c of children) c.kill('SIGKILL');
  await epmd.close();
}
const section = `${root}bench/.work/observer/section.md`;
mkdirSync(`${root}bench/.work/observer`, { recursive: true });
writeFileSync(
  section,
  [
    '## observer',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node.js ${process.version}. Command: \`npm run bench -- observer\`. The observed node is a separate OS process. Idle, it does nothing but answer: its CPU time per second with each attachment is the cost of that attachment (median of its seconds, the higher of 2 alternating rounds). Busy, it runs a gen_server call loop (4 local callers) that saturates its event loop, and the attachment's work shows as lost calls (median of its seconds, best of 3 alternating rounds). Each phase is ${PHASE_S} s after 2 s to settle. The machine is shared: throughput differences of ten percent are noise there; the CPU figures are steadier.`,
    '',
    '| attached to the node | idle node: CPU per second | busy node: gen_server calls/s | against nothing attached |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n'),
);
process.exit(0);
