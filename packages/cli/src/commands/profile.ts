import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { OTHER_WORK, PROFILE_MAX_MS, PROFILE_RPC_MODULE, type CpuProfile, type ProcessTime, type ProfileFilter, type ProfileResult } from '@otp-ts/runtime/tools';
import { TracerError } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import { checkOutputFile } from '../cli/output-file.js';
import { OtpError } from '../errors/otp-error.js';
import { withConnection } from '../tracer/connect.js';
import type { Io } from '../cli/io.js';
import { nodeConnectionOptions, snameOption } from '../project/node-connection.js';

/** One function of a profile: its self and total time (ms) and where it is. */
export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

/** The code server's module of each TypeScript source (what the node answered), to name and filter functions by. */
export type SourceModules = Record<string, { name: string; vsn: string }>;

type Ok = Extract<ProfileResult, { ok: true }>;

/** Milliseconds from `10s`, `500ms`, `2m` or a bare number of milliseconds (as every other tool's --time MS); a usage error otherwise. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new OtpError('usage', `--time ${text} is not a duration: write e.g. --time 10s, --time 500ms or --time 1m`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  if (ms < 1 || ms > PROFILE_MAX_MS) throw new OtpError('usage', `--time ${text} is outside 1ms..${PROFILE_MAX_MS / 60_000}m: the node profiles for at most ${PROFILE_MAX_MS / 60_000} minutes`);
  // The node takes whole milliseconds (a fraction such as 1.0005s is rounded, never refused there).
  return Math.round(ms);
}

const where = (f: CpuProfile['nodes'][number]['callFrame']): string => (f.url ? `${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1}` : '');
const nameOf = (f: CpuProfile['nodes'][number]['callFrame']): string => f.functionName || '(anonymous)';

const sourceOf = (where: string): string => where.replace(/:\d+$/, '');

/** Self and total time per function (by name and place), from the samples; recursion counts once in total. Idle and `(other work)` (outside a --pid selection) count for no function. */
export function functionTimes(profile: CpuProfile): { functions: FunctionTime[]; totalMs: number; idleMs: number; otherMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const tick = profile.samples.length ? totalMs / profile.samples.length : 0;
  const self = new Map<string, FunctionTime>();
  const total = new Map<string, number>();
  let idleMs = 0;
  let otherMs = 0;
  const keyOf = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${nameOf(f)}\u0000${where(f)}`;
  };
  const entry = (id: number): FunctionTime => {
    const key = keyOf(id);
    let e = self.get(key);
    if (!e) {
      const f = byId.get(id)!.callFrame;
      self.set(key, (e = { name: nameOf(f), where: where(f), selfMs: 0, totalMs: 0 }));
    }
    return e;
  };
  for (const s of profile.samples) {
    const node = byId.get(s);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += tick;
      continue;
    }
    if (node.callFrame.functionName === OTHER_WORK) {
      otherMs += tick;
      continue;
    }
    entry(s).selfMs += tick;
    const seen = new Set<string>();
    for (let id: number | undefined = s; id !== undefined; id = parent.get(id)) {
      const k = keyOf(id);
      if (seen.has(k) || byId.get(id)!.callFrame.functionName === '(root)') continue;
      seen.add(k);
      entry(id);
      total.set(k, (total.get(k) ?? 0) + tick);
    }
  }
  for (const [k, e] of self) e.totalMs = total.get(k) ?? e.selfMs;
  return { functions: [...self.values()], totalMs, idleMs, otherMs };
}

const pctOf = (ms: number, of: number): string => `${((100 * ms) / Math.max(of, 1e-9)).toFixed(1).padStart(5)}%`;

function table(title: string, rows: FunctionTime[], totalMs: number, modules: SourceModules): string[] {
  const pct = (ms: number) => pctOf(ms, totalMs);
  const mod = (r: FunctionTime): string => {
    const m = modules[sourceOf(r.where)];
    return m ? ` (${m.name} ${m.vsn.slice(0, 12)})` : '';
  };
  if (rows.length === 0) return [title, '  (none sampled)'];
  return [title, `  ${'self ms'.padStart(9)} ${'self'.padStart(6)} ${'total ms'.padStart(9)} ${'total'.padStart(6)}  function`, ...rows.map((r) => `  ${r.selfMs.toFixed(1).padStart(9)} ${pct(r.selfMs)} ${r.totalMs.toFixed(1).padStart(9)} ${pct(r.totalMs)}  ${r.name}${r.where ? ` ${r.where}` : ''}${mod(r)}`)];
}

const processLabel = (p: ProcessTime): string => `${p.pid}${p.name ? ` ${p.name}` : ''} ${p.label}`;

/** The process view (eprof's): the top `n` processes by the time the scheduler measured in their runs. */
export function processTable(result: Pick<Ok, 'processes' | 'processCount' | 'processMs'>, totalMs: number, n: number): string[] {
  const rows = result.processes.slice(0, n);
  const head = `by process (measured by the node's scheduler: ${result.processMs.toFixed(1)} ms in ${result.processCount} process${result.processCount === 1 ? '' : 'es'}, ${pctOf(result.processMs, totalMs).trim()} of the profile):`;
  if (rows.length === 0) return [head, '  (no process ran)'];
  return [
    head,
    `  ${'ms'.padStart(9)} ${'share'.padStart(6)} ${'runs'.padStart(8)} ${'reductions'.padStart(10)}  process`,
    ...rows.map((p) => `  ${p.ms.toFixed(1).padStart(9)} ${pctOf(p.ms, totalMs)} ${String(p.runs).padStart(8)} ${String(p.reductions).padStart(10)}  ${processLabel(p)}`),
  ];
}

/** Keeps the functions of the named modules (by the module of their TypeScript source). */
export function onlyModules(functions: FunctionTime[], modules: SourceModules, names: string[]): FunctionTime[] {
  return functions.filter((f) => names.includes(modules[sourceOf(f.where)]?.name ?? ''));
}

/** The terminal summary: the processes by time, then the top `n` functions by self time and by total time. */
export function summariseProfile(node: string, result: Ok, n: number): string {
  const { profile, mapped } = result;
  const modules = result.modules ?? {};
  const { functions: all, totalMs, idleMs, otherMs } = functionTimes(profile);
  const functions = result.moduleNames ? onlyModules(all, modules, result.moduleNames) : all;
  const bySelf = [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, n);
  const byTotal = [...functions].filter((f) => !f.name.startsWith('(')).sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
  const sel = result.selection;
  const only = [
    ...(sel ? [`only ${sel.pid}${sel.name ? ` (${sel.name})` : ''}: ${sel.samples} of ${profile.samples.length} samples fell in its ${sel.runs} runs, ${pctOf(otherMs, totalMs).trim()} of the time went to other work${sel.segmentsDropped ? ' (its runs past the first million were not kept: later samples count as other work)' : ''}`] : []),
    ...(result.moduleNames ? [`only the functions of ${result.moduleNames.join(', ')}`] : []),
  ];
  const cost = result.overhead ? [`overhead: the scheduler's process timer about ${result.overhead.timerMs.toFixed(1)} ms (${pctOf(result.overhead.timerMs, totalMs).trim()}) in ${result.overhead.timerCalls} calls; V8's sampling every ${result.intervalUs} µs on top (bench/profile measures both)`] : [];
  return [
    `profiled ${node} for ${totalMs.toFixed(0)} ms: ${profile.samples.length} samples, ${pctOf(idleMs, totalMs).trim()} idle; ${mapped} call frames mapped to TypeScript`,
    ...cost,
    ...only,
    '',
    ...processTable(result, totalMs, n),
    '',
    ...table('by self time:', bySelf, totalMs, modules),
    '',
    ...table('by total time:', byTotal, totalMs, modules),
  ].join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function processRowsHtml(result: Pick<Ok, 'processes' | 'processCount' | 'processMs'>, totalMs: number, n: number): string {
  const rows = result.processes.slice(0, n);
  if (rows.length === 0) return '<p>No process ran while the node was profiled.</p>';
  const cells = rows.map((p) => `<tr><td>${esc(p.pid)}</td><td>${esc(p.name ?? '')}</td><td>${esc(p.label)}</td><td class="n">${p.ms.toFixed(1)}</td><td class="n">${pctOf(p.ms, totalMs).trim()}</td><td class="n">${p.runs}</td><td class="n">${p.reductions}</td></tr>`);
  return `<h2>By process</h2>
<p>Time measured by the node's scheduler in each process's runs: ${result.processMs.toFixed(1)} ms in ${result.processCount} process${result.processCount === 1 ? '' : 'es'}${result.processCount > rows.length ? ` (the top ${rows.length} shown)` : ''}.</p>
<table><thead><tr><th>pid</th><th>name</th><th>behaviour</th><th>ms</th><th>share</th><th>runs</th><th>reductions</th></tr></thead>
<tbody>
${cells.join('\n')}
</tbody></table>`;
}

/**
 * A self-contained HTML page (no script, no CDN) with the profile's flame graph as SVG (width is time,
 * hover for the figures) and, given the node's answer, the processes by time.
 */
export function flameGraphHtml(node: string, profile: CpuProfile, processes?: Pick<Ok, 'processes' | 'processCount' | 'processMs'>): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const totals = new Map<number, number>();
  const total = (id: number): number => {
    let t = totals.get(id);
    if (t === undefined) {
      t = (hits.get(id) ?? 0) + (byId.get(id)?.children ?? []).reduce((sum, c) => sum + total(c), 0);
      totals.set(id, t);
    }
    return t;
  };
  const root = profile.nodes[0]!;
  const all = total(root.id) || 1;
  const width = 1200;
  const row = 18;
  const tick = profile.samples.length ? (profile.endTime - profile.startTime) / 1000 / profile.samples.length : 0;
  const rects: string[] = [];
  let depthMax = 0;
  const draw = (id: number, x: number, depth: number): void => {
    const n = byId.get(id)!;
    const t = total(id);
    const w = (t / all) * width;
    if (w < 0.5) return;
    depthMax = Math.max(depthMax, depth);
    const f = n.callFrame;
    const label = `${nameOf(f)}${f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : ''}`;
    const hue = f.url.endsWith('.ts') ? 25 : f.url.startsWith('node:') || f.url === '' ? 200 : 45;
    const tip = `${nameOf(f)} ${where(f)}\n${(t * tick).toFixed(1)} ms total (${((100 * t) / all).toFixed(1)}%), ${((hits.get(id) ?? 0) * tick).toFixed(1)} ms self`;
    rects.push(`<g><title>${esc(tip)}</title><rect x="${x.toFixed(1)}" y="${depth * row}" width="${w.toFixed(1)}" height="${row - 1}" fill="hsl(${hue},80%,${60 + (depth % 3) * 6}%)"/>${w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${depth * row + 13}">${esc(label.slice(0, Math.floor(w / 7)))}</text>` : ''}</g>`);
    let cx = x;
    for (const c of n.children ?? []) {
      draw(c, cx, depth + 1);
      cx += (total(c) / all) * width;
    }
  };
  draw(root.id, 0, 0);
  const height = (depthMax + 1) * row;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>otp profile ${esc(node)}</title>
<style>body{font:13px system-ui,sans-serif;margin:16px}svg text{font:11px ui-monospace,monospace;pointer-events:none}svg g:hover rect{stroke:#000}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}</style></head>
<body><h1>otp profile ${esc(node)}</h1>
${processes ? processRowsHtml(processes, (profile.endTime - profile.startTime) / 1000, 50) : ''}
<h2>By function</h2>
<p>${profile.samples.length} samples over ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms. Callers above callees; width is time; hover a frame for its figures. Orange: TypeScript of the node's modules.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${rects.join('\n')}
</svg></body></html>
`;
}

/** The node went down while it profiled: no profile comes; say so, and where to look for why. */
function diedDuring(node: string, ms: number): (error: unknown) => never {
  const started = Date.now();
  return (error) => {
    if (!(error instanceof TracerError && error.code === 'nodedown')) throw error;
    const after = `${((Date.now() - started) / 1000).toFixed(1)} s of the ${ms / 1000} s profile`;
    throw new OtpError('failed', `${node} died during profiling (after ${after}), so no profile was taken: its log or crash dump says why`, {
      hint: "a release's node writes otp_crash.dump in the release root (or its --crash-dump file): read it with otp crashdump FILE",
      cause: error,
    });
  };
}

// The signals that stop a profile as Ctrl-C does: a supervisor's or a CI job's SIGTERM, a closed terminal's SIGHUP.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT: Record<(typeof STOP_SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Resolves with the first stop signal while a profile runs (the same signal again leaves at once, its default action). */
function onStopSignal(): { stopped: Promise<(typeof STOP_SIGNALS)[number]>; release(): void } {
  let handler!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<(typeof STOP_SIGNALS)[number]>((resolve) => {
    handler = (signal) => {
      for (const s of STOP_SIGNALS) process.removeListener(s, handler);
      resolve(signal as (typeof STOP_SIGNALS)[number]);
    };
  });
  for (const s of STOP_SIGNALS) process.once(s, handler);
  return { stopped, release: () => STOP_SIGNALS.forEach((s) => process.removeListener(s, handler)) };
}

/**
 * After Ctrl-C: this tool's node has left, which stops the profile on the node (it monitors its client). A second,
 * short connection asks the node until no profile of ours runs, so the line printed says what is true.
 */
async function confirmStopped(io: Io, node: string, flags: Parameters<typeof withConnection>[2], client: string): Promise<boolean> {
  const [name, host] = client.split('@');
  try {
    return await withConnection(io, node, { ...flags, name: `${name}_stop@${host}`, sname: undefined }, async (check) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const running = (await check.rpc(PROFILE_RPC_MODULE, 'running', [], 5_000)) as { by: string } | null;
        if (running === null || running.by !== client) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  } catch {
    return false;
  }
}

/** `otp profile NODE [--time 10s] [--pid P | --name N | --module M] [--top N] [--cpuprofile FILE] [--html FILE]`: where a live node spends its CPU time. */
export const profileCommand = defineProvider({
  name: 'profile',
  description: "CPU-profile a running node through its own inspector for a while (one profile at a time per node, stopped by the node at its time limit or when this tool goes), and print the processes that used the CPU (measured by the node's scheduler) and the top functions by self and total time with their TypeScript files.",
  deps: [],
  // `--time 1s --time 5m` or two --pid: refused, not profiled with the last one without a word.
  once: true,
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [
    { name: 'time', type: 'string', value: 'DURATION', default: '10s', description: 'how long to profile (e.g. 500ms, 10s, 1m; a bare number is milliseconds; at most 5m)' },
    { name: 'pid', type: 'string', value: 'P', description: 'only this process: the functions sampled while it ran (a pid as the node prints it, <0.42.0>)' },
    { name: 'name', type: 'string', value: 'N', description: 'only the process registered as N (as --pid)' },
    { name: 'module', type: 'string', value: 'M', description: 'only the functions of module M (as the code server names it, app/module, or its last part)' },
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 15, integer: true, min: 1, description: 'how many processes and functions to list' },
    { name: 'cpuprofile', type: 'string', value: 'FILE', description: 'write the profile as a .cpuprofile (Chrome DevTools, speedscope)' },
    { name: 'html', type: 'string', value: 'FILE', description: 'write a self-contained HTML page: the processes by time and a flame graph' },
    ...nodeConnectionOptions,
    snameOption,
  ],
  examples: [
    { command: 'otp profile shop@127.0.0.1', description: 'where shop spends its time, over 10 s: by process and by function' },
    { command: 'otp profile shop@127.0.0.1 --time 30s --html flame.html --cpuprofile shop.cpuprofile', description: 'and keep the flame graph and the profile' },
    { command: 'otp profile shop@127.0.0.1 --name shop_server', description: 'the functions the shop_server process ran' },
    { command: 'otp profile shop@127.0.0.1 --module shop_server', description: 'only the functions of the module shop/shop_server' },
  ],
  async run(args, io) {
    const ms = parseDuration(args.time);
    if (args.pid !== undefined && args.name !== undefined) throw new OtpError('usage', '--pid and --name both pick the process to profile: give one of them');
    const filter: ProfileFilter = {};
    if (args.pid !== undefined) filter.pid = args.pid;
    if (args.name !== undefined) filter.name = args.name;
    if (args.module !== undefined) filter.module = args.module;
    // Checked now, not after the profile ran for its --time and then could not be saved.
    if (args.cpuprofile) checkOutputFile('--cpuprofile', args.cpuprofile, 'node.cpuprofile');
    if (args.html) checkOutputFile('--html', args.html, 'flame.html');
    // --name picks the process here: this tool's own node is named by --sname only (as otp trace).
    const flags = { ...args, name: undefined };
    const signal = onStopSignal();
    return withConnection(io, args.node, flags, async (c) => {
      const client = c.localNode;
      const profiling = c.rpc(PROFILE_RPC_MODULE, 'run', [ms, client, 1000, filter], ms + 60_000).catch(diedDuring(args.node, ms)) as Promise<ProfileResult>;
      const result = await Promise.race([profiling, signal.stopped]).finally(signal.release);
      if (typeof result === 'string') {
        profiling.catch(() => {});
        c.close();
        const clean = await confirmStopped(io, args.node, flags, client);
        const how = result === 'SIGINT' ? 'Ctrl-C' : result;
        io.stderr.write(`otp: profile of ${args.node} stopped (${how}), no profile was taken: ${clean ? `nothing is left running on ${args.node}` : `${args.node} did not confirm it stopped; it stops by itself when it sees this tool gone, at the latest after --time`}\n`);
        return SIGNAL_EXIT[result];
      }
      // A process or module the node does not have is bad input (exit 2), as in otp trace and otp info.
      if (!result.ok) throw new OtpError(result.badInput ? 'usage' : 'failed', result.error);
      const top = args.top;
      if (args.cpuprofile) writeFileSync(args.cpuprofile, JSON.stringify(result.profile));
      if (args.html) writeFileSync(args.html, flameGraphHtml(args.node, result.profile, result));
      io.stdout.write(`${summariseProfile(args.node, result, top)}\n`);
      if (args.cpuprofile) io.stdout.write(`\nwrote ${args.cpuprofile} (open it in Chrome DevTools' Performance panel or speedscope)\n`);
      if (args.html) io.stdout.write(`${args.cpuprofile ? '' : '\n'}wrote ${args.html}\n`);
      return 0;
    });
  },
});
