// The node side of `otp profile`: a CPU profile through the inspector inside this node (node:inspector's
// Session, no port opened), started and stopped over distribution. Safe on a production node: one profile
// at a time per Node.js process, a hard time limit the node enforces whatever the client asked, and it
// stops as soon as the client's node goes down. Call frames of modules the code server loaded are mapped
// to their TypeScript sources here, where the source maps are. While a profile runs, the scheduler also
// times each process's runs (run-timing.ts): eprof's view, which processes used the CPU.
import { clearTimeout, setTimeout } from 'node:timers';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import type { ProcessContext } from '../types.js';
import { runTiming, type RunTimer } from '../run-timing.js';
import { codeServerOf } from '../code/server.js';
import { findProcess } from './inspect.js';
import { heapReport, snapshotClose, snapshotOpen, snapshotRead } from './heap.js';
import { CTX_FIRST_KEY } from '../rpc/index.js';
import { NodeDown } from '../distribution/node-dist.js';
import { originalPosition } from '../code/source-maps.js';
import { loggerOf } from '../logger.js';

/** The rpc module `otp profile` reaches a node through. */
export const PROFILE_RPC_MODULE = 'otp_profile';
/** The longest profile a node takes, whatever the client asks (ms). */
export const PROFILE_MAX_MS = 300_000;

/** One node of a V8 CPU profile (the .cpuprofile format Chrome DevTools opens). */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A V8 CPU profile: its call tree, the sampled node of each tick and the time between ticks (µs). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One process's share of a profile: the time the scheduler measured between its wake-ups and its yields. */
export interface ProcessTime {
  pid: string;
  name?: string;
  /** behaviour:module, else the function it was spawned with. */
  label: string;
  ms: number;
  /** How many times it ran (yielded in a receive). */
  runs: number;
  /** Reductions during the profile. */
  reductions: number;
}

/** What a profile is narrowed to: one process (`pid` or `name`), and/or the functions of one module. */
export interface ProfileFilter {
  /** A pid as the node prints it (<0.N.M>) or a registered name. */
  pid?: string;
  name?: string;
  /** A module the code server loaded: its full name (app/module) or its last part. */
  module?: string;
}

/** What `run` answers: the profile (frames mapped to TypeScript), the time per process, or why there is none. */
export type ProfileResult =
  | {
      ok: true;
      profile: CpuProfile;
      ms: number;
      mapped: number;
      intervalUs: number;
      /** The processes that ran, most time first (at most PROFILE_PROCESS_ROWS). */
      processes: ProcessTime[];
      /** How many processes ran, and their time together (ms). */
      processCount: number;
      processMs: number;
      /** The code server's module (name and version) of each mapped TypeScript source. */
      modules: Record<string, { name: string; vsn: string }>;
      /** With --pid/--name: the process, and how many of the profile's samples fell in its runs (the others point at an `(other work)` node). */
      selection?: { pid: string; name?: string; samples: number; runs: number; segmentsDropped: boolean };
      /** With --module: the full names of the modules it matched. */
      moduleNames?: string[];
      /** What the scheduler's process timer cost: how many calls, and their time estimated from one call's cost measured on the node (ms). */
      overhead: { timerCalls: number; timerMs: number };
    }
  | { ok: false; error: string; /** True when what was asked names nothing on the node (a process, a module): bad input, not a failure. */ badInput?: true };

/** The call frame name samples outside a --pid/--name selection are given. */
export const OTHER_WORK = '(other work)';
/** At most this many processes are answered, most time first. */
export const PROFILE_PROCESS_ROWS = 500;
// A selected process's runs kept for the sample filter: at most this many (start, end) pairs.
const MAX_SEGMENTS = 1_000_000;

const nodeTiming = performance.nodeTiming;
// Gaps between two yields shorter than this (ms) are taken to hold no idle time of the event loop.
const IDLE_GAP_MS = 0.05;

interface Slot {
  ready: number;
  ms: number;
  runs: number;
  red0: number;
  segs: number[] | null;
}

/**
 * Times each process's runs while a profile runs. A run starts when the process is woken, or when the
 * last process yielded if that was later (it waited its turn behind it), and ends when it yields in a
 * receive; time the event loop spent idle in between is left out. Work outside any process (timers and
 * I/O callbacks of the node's own) counts for no process.
 */
class ProcessTimer implements RunTimer {
  readonly slots = new Map<ProcessImpl, Slot>();
  /** How many times the scheduler called it (its overhead is this times the cost of one call). */
  calls = 0;
  private last = performance.now();
  private idle = nodeTiming.idleTime;
  dropped = false;

  constructor(
    private readonly base: Map<ProcessImpl, number>,
    private readonly selected: ProcessImpl | null,
    /** The profiling process itself, which the view leaves out. */
    readonly self: ProcessImpl,
  ) {}

  private slot(p: ProcessImpl): Slot {
    let s = this.slots.get(p);
    if (s === undefined) {
      s = { ready: -Infinity, ms: 0, runs: 0, red0: this.base.get(p) ?? 0, segs: p === this.selected ? [] : null };
      this.slots.set(p, s);
    }
    return s;
  }

  woke(p: ProcessImpl): void {
    this.calls++;
    this.slot(p).ready = performance.now();
  }

  yielded(p: ProcessImpl): void {
    this.calls++;
    const now = performance.now();
    const s = this.slot(p);
    let ms = now - (s.ready > this.last ? s.ready : this.last);
    // The event loop can only have idled in a gap long enough to reach its poll phase: reading the idle
    // time (a native call) only then keeps a call loop's runs cheap; the gaps skipped held no idle time.
    if (now - this.last > IDLE_GAP_MS) {
      const idle = nodeTiming.idleTime;
      const bound = now - this.last - (idle - this.idle);
      if (bound < ms) ms = bound > 0 ? bound : 0;
      this.idle = idle;
    }
    s.ms += ms;
    s.runs++;
    if (s.segs !== null && ms > 0) {
      if (s.segs.length < 2 * MAX_SEGMENTS) s.segs.push(now - ms, now);
      else this.dropped = true;
    }
    s.ready = now;
    this.last = now;
  }
}

// The process timer's cost per call, measured on this node after the profile on a throwaway timer (ms).
function costPerCall(p: ProcessImpl): number {
  const t = new ProcessTimer(new Map(), null, p);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    t.woke(p);
    t.yielded(p);
  }
  return (performance.now() - t0) / (2 * n);
}

const labelOf = (p: ProcessImpl): string => (p.label?.behaviour ? `${p.label.behaviour}:${p.label.module ?? '?'}` : p.initialCall);

function processTimes(node: OtpNode, timer: ProcessTimer, only: ProcessImpl | null): { rows: ProcessTime[]; count: number; ms: number } {
  const rows: ProcessTime[] = [];
  let ms = 0;
  for (const [p, s] of timer.slots) {
    if (p.node !== node || p === timer.self || (only !== null && p !== only)) continue;
    ms += s.ms;
    const row: ProcessTime = { pid: p.pid.toString(), label: labelOf(p), ms: s.ms, runs: s.runs, reductions: p.reductions - s.red0 };
    if (p.name !== undefined) row.name = p.name;
    rows.push(row);
  }
  rows.sort((a, b) => b.ms - a.ms || b.reductions - a.reductions);
  return { rows: rows.slice(0, PROFILE_PROCESS_ROWS), count: rows.length, ms };
}

// Points every sample taken outside the selected process's runs (idle aside) at one `(other work)` node.
function keepSelected(profile: CpuProfile, segs: number[], offsetUs: number): number {
  const root = profile.nodes[0]!;
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const other: CpuProfileNode = { id: profile.nodes.reduce((m, n) => Math.max(m, n.id), 0) + 1, callFrame: { functionName: OTHER_WORK, scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] };
  let t = profile.startTime;
  let k = 0;
  let inside = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (idle.has(profile.samples[i]!)) continue;
    // Segments are in time order: skip those that ended before this sample.
    while (k < segs.length && segs[k + 1]! * 1000 + offsetUs < t) k += 2;
    if (k < segs.length && segs[k]! * 1000 + offsetUs <= t) {
      inside++;
      continue;
    }
    profile.samples[i] = other.id;
    other.hitCount!++;
  }
  profile.nodes.push(other);
  (root.children ??= []).push(other.id);
  return inside;
}

// The code server's module (name, version) of each compiled file, by its path.
function moduleFiles(node: OtpNode): Map<string, { name: string; vsn: string }> {
  const out = new Map<string, { name: string; vsn: string }>();
  const code = codeServerOf(node);
  for (const name of code.loaded()) {
    const { current, old } = code.record(name);
    for (const v of [old, current]) if (v) out.set(v.filename, { name, vsn: v.vsn });
  }
  return out;
}

function matchModules(node: OtpNode, wanted: string): string[] | string {
  const loaded = codeServerOf(node).loaded();
  const hits = loaded.filter((n) => n === wanted || n.endsWith(`/${wanted}`));
  if (hits.length) return hits;
  const near = loaded.filter((n) => n.toLowerCase().includes(wanted.toLowerCase())).slice(0, 5);
  return `no module ${wanted} is loaded on ${node.name}${near.length ? ` (closest: ${near.join(', ')})` : loaded.length ? '' : ': its code server loaded none'}: give a module's name as the code server knows it (app/module, or its last part)`;
}

/** Internal: the clock (ms) `run` takes a profile's deadline and its reported duration from; tests replace `now`. */
export const profileClock = { now: (): number => performance.now() };

// One inspector profiler per Node.js process: held here while a profile runs.
let running: { by: string; until: number } | null = null;

function mapFrames(profile: CpuProfile, files: Map<string, { name: string; vsn: string }>, modules: Record<string, { name: string; vsn: string }>): number {
  let mapped = 0;
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (!f.url || f.url.startsWith('node:')) continue;
    const at = originalPosition(f.url, f.lineNumber, f.columnNumber);
    if (!at) continue;
    const mod = files.get(f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url);
    if (mod) modules[at.source] = mod;
    if (at.name) f.functionName = at.name;
    f.url = at.source;
    f.lineNumber = at.line;
    f.columnNumber = at.column;
    mapped++;
  }
  return mapped;
}

// The process (by pid or name) and the module names a filter narrows a profile to; a string says why not.
function narrow(node: OtpNode, filter: ProfileFilter): { selected: ProcessImpl | null; moduleNames?: string[] } | string {
  let selected: ProcessImpl | null = null;
  const target = filter?.pid ?? filter?.name;
  if (target !== undefined) {
    const pid = findProcess(node, String(target));
    if (typeof pid === 'string') return pid;
    selected = (node.localProcess(pid) as ProcessImpl | undefined) ?? null;
    if (selected === null) return `process ${String(target)} exited`;
  }
  if (filter?.module === undefined) return { selected };
  const hits = matchModules(node, String(filter.module));
  return typeof hits === 'string' ? hits : { selected, moduleNames: hits };
}

// The selected process's part of a profile: the samples taken while it ran, and how often it ran.
function selectionOf(profile: CpuProfile, timer: ProcessTimer, selected: ProcessImpl, offsetUs: number): NonNullable<Extract<ProfileResult, { ok: true }>['selection']> {
  const slot = timer.slots.get(selected);
  const samples = keepSelected(profile, slot?.segs ?? [], offsetUs);
  return { pid: selected.pid.toString(), samples, runs: slot?.runs ?? 0, segmentsDropped: timer.dropped, ...(selected.name !== undefined ? { name: selected.name } : {}) };
}

// The sampling interval a profile takes (µs): finer costs the node too much, coarser says too little.
const PROFILE_MIN_INTERVAL_US = 100;
const PROFILE_MAX_INTERVAL_US = 100_000;

/** Whether `v` is a whole number from `min` to `max`: a number over rpc out of range is refused, never cut down unseen. */
const wholeIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const shown = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 100);

// A profile's time and sampling interval, defaults applied, or why they are refused (`bad`).
function runArgs(ms: unknown, intervalUs: unknown): { limit: number; interval: number; bad?: string } {
  const limit = ms ?? 10_000;
  const interval = intervalUs ?? 1000;
  if (!wholeIn(limit, 1, PROFILE_MAX_MS)) return { limit: 0, interval: 0, bad: `run profiles for a whole number of milliseconds from 1 to ${PROFILE_MAX_MS} (otp profile --time, at most ${PROFILE_MAX_MS / 60_000}m), got ${shown(ms)}: give e.g. 10000` };
  if (!wholeIn(interval, PROFILE_MIN_INTERVAL_US, PROFILE_MAX_INTERVAL_US)) return { limit: 0, interval: 0, bad: `run samples every ${PROFILE_MIN_INTERVAL_US} to ${PROFILE_MAX_INTERVAL_US} µs, a whole number, got ${shown(intervalUs)}: give e.g. 1000` };
  return { limit, interval };
}

/**
 * Profiles this node for `ms` (1 to PROFILE_MAX_MS, default 10 000; out of range is refused) and answers the profile and the time per process;
 * `client` is the asking node: its going down stops the profile at once. Sampling every `intervalUs` µs
 * (100 to 100 000, default 1000). `filter` narrows it to one process (its runs only) or names a module (checked here).
 */
async function run(ctx: ProcessContext, ms?: number, client?: string, intervalUs?: number, filter: ProfileFilter = {}): Promise<ProfileResult> {
  const node = ctx.node;
  const { limit, interval, bad } = runArgs(ms, intervalUs);
  if (bad !== undefined) return { ok: false, error: bad, badInput: true };
  if (running) return { ok: false, error: `a profile is already running on ${node.name} (asked by ${running.by}, ${Math.max(0, Math.ceil((running.until - Date.now()) / 1000))} s left): one at a time per node` };
  const narrowed = narrow(node, filter);
  if (typeof narrowed === 'string') return { ok: false, error: narrowed, badInput: true };
  const { selected, moduleNames } = narrowed;
  running = { by: client ?? 'an unnamed client', until: Date.now() + limit };
  const session = new Session();
  const base = new Map<ProcessImpl, number>();
  for (const p of node.liveProcesses()) base.set(p, p.reductions);
  let timer: ProcessTimer | null = null;
  // A backstop: should this process be killed mid-profile, the profiler still stops past the hard limit.
  const backstop = setTimeout(() => {
    session.disconnect();
    if (timer !== null && runTiming.on === timer) runTiming.on = null;
    running = null;
  }, limit + 10_000).unref();
  try {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval });
    await session.post('Profiler.start');
    // The deadline runs from here: what follows (the notice, the monitor) is part of the profile's time.
    const started = profileClock.now();
    // The same clock as the profile's timestamps (µs), for the selected process's runs.
    const offsetUs = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000;
    runTiming.on = timer = new ProcessTimer(base, selected, ctx as ProcessImpl);
    loggerOf(node).notice(`otp profile (${running.by}): profiling for ${limit} ms${selected ? ` ${selected.pid.toString()} only` : ''}`, { module: PROFILE_RPC_MODULE });
    if (client && node.dist) ctx.monitorNode(client);
    const down = await ctx.receive((m) => m instanceof NodeDown && m.node === client, Math.max(0, started + limit - profileClock.now()));
    runTiming.on = null;
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    const ms = profileClock.now() - started;
    if (down instanceof NodeDown) {
      loggerOf(node).notice(`otp profile (${running.by}): stopped, the client went down`, { module: PROFILE_RPC_MODULE });
      return { ok: false, error: `the client ${client} went down: the profile stopped` };
    }
    const modules: Record<string, { name: string; vsn: string }> = {};
    const mapped = mapFrames(profile, moduleFiles(node), modules);
    const times = processTimes(node, timer, selected);
    const overhead = { timerCalls: timer.calls, timerMs: timer.calls * costPerCall(ctx as ProcessImpl) };
    const result: ProfileResult = { ok: true, profile, ms, mapped, intervalUs: interval, processes: times.rows, processCount: times.count, processMs: times.ms, modules, overhead };
    if (selected !== null) result.selection = selectionOf(profile, timer, selected, offsetUs);
    if (moduleNames) result.moduleNames = moduleNames;
    return result;
  } catch (error) {
    return { ok: false, error: `the profiler failed on ${node.name}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (timer !== null && runTiming.on === timer) runTiming.on = null;
    clearTimeout(backstop);
    session.disconnect();
    running = null;
  }
}

/**
 * The functions `otp_profile` offers over rpc: `run(ms, client?, intervalUs?, filter?)` and `running()`
 * for `otp profile`; `heap(top)`, `snapshotOpen(by, maxBytes)`, `snapshotRead(id)` and `snapshotClose(id)`
 * for `otp heap`.
 */
export function profileRpcModule(node: OtpNode): Record<string, unknown> {
  return {
    run,
    running: () => (running ? { by: running.by, leftMs: Math.max(0, running.until - Date.now()) } : null),
    heap: (ctx: ProcessContext, top?: number | null) => heapReport(ctx.node, top ?? undefined, ctx as ProcessImpl),
    snapshotOpen: (by: string, maxBytes: number) => snapshotOpen(node, by, maxBytes),
    snapshotRead: (id: number) => snapshotRead(node, id),
    snapshotClose: (id: number) => snapshotClose(id),
    [Symbol.for(CTX_FIRST_KEY)]: ['run', 'heap'],
  };
}
