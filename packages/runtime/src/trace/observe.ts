// The node side of `otp observer`: bounded answers to what the observer's page asks, nothing pushed.
// Every list is paged here, on the node, so a page of 100k processes or a million-row table costs the
// node one pass over cheap fields and the tool one page; values are formatted with the tracer's bounds.
import { clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from 'node:timers';
import { createHistogram, performance, type Histogram, type RecordableHistogram } from 'node:perf_hooks';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import type { TableStore } from '../table-store.js';
import { Pid } from '../pid.js';
import { sys } from '../sys.js';
import { estimateSize } from '../terms.js';
import { loggerOf } from '../logger.js';
import { whichApplications } from '../application/api.js';
import type { RunningApp } from '../application/types.js';
import { formatBounded, type FormatBounds } from './format.js';
import { findProcess, supervisionTree, targetProblem } from './inspect.js';

/** The rpc module `otp observer` reaches a node through. */
export const OBSERVER_RPC_MODULE = 'otp_observer';

/** What the process table can be sorted by. */
export type ObservedSort = 'pid' | 'name' | 'label' | 'current' | 'mailbox' | 'memory' | 'reductions' | 'links' | 'status';

/** One page request of the process table. */
export interface ProcessQuery {
  offset?: number;
  /** At most 500. */
  limit?: number;
  sort?: ObservedSort;
  dir?: 'asc' | 'desc';
  /** Case-insensitive text that a row's pid, name, behaviour:module or current function contains. */
  filter?: string;
}

/** One row of the process table. */
export interface ObservedProcess {
  pid: string;
  name: string | undefined;
  label: string;
  current: string;
  status: string;
  mailbox: number;
  memory: number;
  reductions: number;
  links: number;
}

/** One page of the process table: `total` processes, `matched` by the filter, the rows from `offset`. */
export interface ProcessPage {
  total: number;
  matched: number;
  offset: number;
  rows: ObservedProcess[];
}

/** One ETS-like table. */
export interface ObservedTable {
  id: number;
  name: string | undefined;
  type: string;
  access: string;
  owner: string;
  size: number;
  /** Estimated bytes; from a sample of the first 1000 records when the table is larger. */
  memory: number;
}

/** Node-wide figures for the overview, sampled since the previous call. */
export interface Overview {
  node: string;
  time: number;
  versions: { node: string; apps: Array<{ name: string; vsn: string }> };
  uptimeS: number;
  processes: number;
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Event-loop utilisation (0..1) since the previous overview. */
  elu: number;
  /** Event-loop delay since the previous overview, ms; null before the loop was sampled (the first overview after a pause). */
  delay: { mean: number; p99: number; max: number } | null;
  /** Reductions (work units) of all processes per second since the previous overview; null on the first overview (nothing to compare with). */
  reductionsPerS: number | null;
  /** Messages per second since the previous overview: put into the node's mailboxes, and sent by its processes; null on the first overview. */
  messages: { deliveredPerS: number | null; sentPerS: number | null };
  loadavg: number[];
  tables: number;
}

/** A change the observer asks for; `by` names who asked, for the node's log. */
export interface ObserverAction {
  action: 'kill' | 'send' | 'suspend' | 'resume';
  target: string;
  by: string;
  /** kill: the exit reason (default 'kill'). */
  reason?: string;
  /** send: the message. */
  message?: unknown;
}

const ROW_BOUNDS: FormatBounds = { depth: 3, items: 10, chars: 300 };
const MAX_PAGE = 500;
const SAMPLE = 1000;
const ASK_MS = 2000;
// The children of one supervisor the observer's tree holds (the page draws as many and a count of the rest).
const TREE_CHILDREN = 40;
const APPLICATION_CONTROLLER = 'application_controller';
// The delay histogram runs only while someone looks: it stops after this long without an overview.
const IDLE_MS = 10_000;
// The delay histogram's timer: one sample every 100 ms, 10 wake-ups a second, a cost the node does not notice.
const DELAY_RESOLUTION_MS = 100;

/**
 * The event-loop delay in ms (mean, p99, max) from a histogram of the loop sampled every `resolutionMs` (as monitorEventLoopDelay does):
 * Node.js records each sample as the whole time since the previous one, its timer's interval included, so
 * the interval is taken off (an idle loop's delay is near 0, not near the resolution).
 */
export function loopDelay(h: Histogram, resolutionMs: number): { mean: number; p99: number; max: number } {
  if (h.count === 0) return { mean: 0, p99: 0, max: 0 };
  const ms = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
  return { mean: ms(h.mean), p99: ms(h.percentile(99)), max: ms(h.max) };
}

const labelOf = (p: ProcessImpl): string => (p.label?.behaviour ? `${p.label.behaviour}:${p.label.module ?? '?'}` : p.initialCall);

// The name key of a process without one: after every name, whichever the direction (PagePass.cmp).
const NO_NAME = '\uffff';

function key(p: ProcessImpl, by: ObservedSort): string | number {
  switch (by) {
    case 'pid':
      return p.pid.serial * 2 ** 32 + p.pid.id;
    case 'name':
      return p.name ?? NO_NAME;
    case 'label':
      return labelOf(p);
    case 'current':
      return p.currentFunction ?? p.initialCall;
    case 'mailbox':
      return p.queueLength;
    case 'memory':
      return p.memoryEstimate();
    case 'reductions':
      return p.reductions;
    case 'links':
      return p.links?.size ?? 0;
    case 'status':
      return p.status;
  }
}

const row = (p: ProcessImpl): ObservedProcess => ({
  pid: p.pid.toString(),
  name: p.name,
  label: labelOf(p),
  current: p.currentFunction ?? p.initialCall,
  status: p.status,
  mailbox: p.queueLength,
  memory: p.memoryEstimate(),
  reductions: p.reductions,
  links: p.links?.size ?? 0,
});

const clampPage = (offset: unknown, limit: unknown): [number, number] => [Math.max(0, Math.floor(Number(offset) || 0)), Math.min(MAX_PAGE, Math.max(1, Math.floor(Number(limit) || 50)))];

// The processes' spawn order, which is the node's iteration order (its process map keeps insertion order).
const serial = (p: ProcessImpl): number => p.pid.serial * 2 ** 32 + p.pid.id;
// Up to this many leading rows (offset + limit) a page is selected with a bounded heap, O(n log k), instead
// of sorting every process: the first pages, which are the ones people look at, cost one pass.
const SELECT_MAX = 5000;
// The chunked pass yields to the event loop after this many processes, so a page of 100k processes never
// holds the node's event loop for more than a few milliseconds at a time.
const CHUNK = 2000;

type Keyed = { p: ProcessImpl; k: string | number };

// One pass over the processes for a page: filters, then keeps only what the page needs. Sorted by pid (the
// iteration order), the page is cut out of the pass itself; sorted by another key, the first `offset + limit`
// are kept in a bounded heap (worst at its root) while that is small, else every match is kept and sorted.
class PagePass {
  readonly by: ObservedSort;
  readonly dir: 1 | -1;
  readonly offset: number;
  readonly limit: number;
  readonly filter: string;
  total = 0;
  matched = 0;
  private readonly want: number;
  private readonly heap: Keyed[] = [];
  private readonly all: ProcessImpl[] = [];

  constructor(query: ProcessQuery) {
    [this.offset, this.limit] = clampPage(query.offset, query.limit);
    this.by = query.sort ?? 'pid';
    this.dir = query.dir === 'desc' ? -1 : 1;
    this.filter = (query.filter ?? '').trim().toLowerCase();
    this.want = this.offset + this.limit;
  }

  // Negative when a comes first on the page. Unnamed processes come after every name in both directions (as
  // table UIs put blanks last): a big node's first page sorted by name descending shows names, not blanks.
  private cmp(a: Keyed, b: Keyed): number {
    if (this.by === 'name' && (a.k === NO_NAME) !== (b.k === NO_NAME)) return a.k === NO_NAME ? 1 : -1;
    return a.k < b.k ? -this.dir : a.k > b.k ? this.dir : serial(a.p) - serial(b.p);
  }

  add(p: ProcessImpl): void {
    this.total++;
    if (this.filter && !`${p.pid.toString()} ${p.name ?? ''} ${labelOf(p)} ${p.currentFunction ?? ''}`.toLowerCase().includes(this.filter)) return;
    const i = this.matched++;
    if (this.by === 'pid') {
      // Ascending: the page is the matches from offset on. Descending: the last `want` matches, in a ring
      // while that is small (the count is known only at the end), else every match (a pointer each).
      if (this.dir === 1) {
        if (i >= this.offset && i < this.want) this.all.push(p);
      } else if (this.want <= SELECT_MAX) this.all[i % this.want] = p;
      else this.all.push(p);
      return;
    }
    if (this.want > SELECT_MAX) {
      this.all.push(p);
      return;
    }
    const heap = this.heap;
    if (heap.length < this.want) {
      heap.push({ p, k: key(p, this.by) });
      this.up(heap.length - 1);
    } else {
      const entry = { p, k: key(p, this.by) };
      if (this.cmp(entry, heap[0]!) < 0) {
        heap[0] = entry;
        this.down(0);
      }
    }
  }

  // The heap keeps the worst of the best `want` at its root.
  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.cmp(h[i]!, h[parent]!) <= 0) return;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && this.cmp(h[l]!, h[worst]!) > 0) worst = l;
      if (r < h.length && this.cmp(h[r]!, h[worst]!) > 0) worst = r;
      if (worst === i) return;
      [h[i], h[worst]] = [h[worst]!, h[i]!];
      i = worst;
    }
  }

  // The page, once every process went through add; it yields (for the chunked pass to wait a turn) while
  // it sorts a deep page: runs of CHUNK matches sorted one at a time, then merged up to the page.
  *finish(): Generator<void, ProcessPage> {
    let rows: Keyed[];
    if (this.by === 'pid') {
      let ps: ProcessImpl[];
      if (this.dir === 1) ps = this.all;
      else {
        // The matches in pid order: from a ring, its oldest slot first.
        const last = this.want <= SELECT_MAX && this.matched > this.want ? [...this.all.slice(this.matched % this.want), ...this.all.slice(0, this.matched % this.want)] : this.all;
        ps = last.slice(Math.max(0, last.length - this.want), Math.max(0, last.length - this.offset)).reverse();
      }
      return { total: this.total, matched: this.matched, offset: this.offset, rows: ps.map(row) };
    } else if (this.want > SELECT_MAX) {
      const runs: Keyed[][] = [];
      for (let i = 0; i < this.all.length; i += CHUNK) {
        runs.push(this.all.slice(i, i + CHUNK).map((p) => ({ p, k: key(p, this.by) })).sort((a, b) => this.cmp(a, b)));
        yield;
      }
      rows = [];
      // A k-way merge: `at[r]` is run r's next entry; the best head is found by a linear scan of the heads (runs are few).
      const at = runs.map(() => 0);
      for (let n = 0; n < this.want; n++) {
        let best = -1;
        for (let r = 0; r < runs.length; r++) if (at[r]! < runs[r]!.length && (best < 0 || this.cmp(runs[r]![at[r]!]!, runs[best]![at[best]!]!) < 0)) best = r;
        if (best < 0) break;
        if (n >= this.offset) rows.push(runs[best]![at[best]!]!);
        at[best]!++;
        if (n % CHUNK === CHUNK - 1) yield;
      }
    } else {
      rows = this.heap.sort((a, b) => this.cmp(a, b)).slice(this.offset, this.want);
    }
    // The sorted column shows the value the rows were ordered by: a busy process's reductions, memory or mailbox,
    // which grow while the chunked pass goes on, would otherwise show the page out of its own order.
    return { total: this.total, matched: this.matched, offset: this.offset, rows: rows.map(({ p, k }) => ({ ...row(p), [this.by]: this.by === 'name' && k === NO_NAME ? undefined : k })) };
  }
}

/** One page of the processes, filtered and sorted on the node: one pass over each process's cheap fields, full rows for the page only. */
export function processPage(node: OtpNode, query: ProcessQuery = {}): ProcessPage {
  const pass = new PagePass(query);
  for (const p of node.liveProcesses()) pass.add(p);
  const finish = pass.finish();
  for (;;) {
    const step = finish.next();
    if (step.done) return step.value;
  }
}

/** processPage's pass in chunks, yielding to the event loop between them: what the observer asks, so a big node keeps serving while it answers. */
export async function processPageChunked(node: OtpNode, query: ProcessQuery = {}): Promise<ProcessPage> {
  const pass = new PagePass(query);
  let n = 0;
  // The process map's iterator survives the turns in between: processes spawned meanwhile come later, and those that exited are left out.
  for (const p of node.liveProcesses()) {
    if (p.dead) continue;
    pass.add(p);
    if (++n % CHUNK === 0) await turn();
  }
  const finish = pass.finish();
  for (;;) {
    const step = finish.next();
    if (step.done) return step.value;
    await turn();
  }
}

const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

function stores(node: OtpNode): TableStore[] {
  const out: TableStore[] = [];
  for (const p of node.liveProcesses()) for (const s of p.tables ?? []) if (!s.deleted) out.push(s);
  return out.sort((a, b) => a.id - b.id);
}

// The estimate from the first SAMPLE records, read in place: the list of tables, asked every 3 s, copies no table.
function tableMemory(s: TableStore): number {
  const sample = s.slice(0, SAMPLE);
  let bytes = 0;
  for (const r of sample) bytes += estimateSize(r, 100);
  return 200 + 16 * s.data.size + (sample.length === 0 ? 0 : Math.round((bytes / sample.length) * s.count));
}

/** A page of the node's tables, by id. */
export function tablePage(node: OtpNode, offset?: number, limit?: number): { total: number; offset: number; tables: ObservedTable[] } {
  const [from, n] = clampPage(offset, limit);
  const all = stores(node);
  const tables = all.slice(from, from + n).map((s) => ({ id: s.id, name: s.name, type: s.type, access: s.access, owner: s.owner.pid.toString(), size: s.count, memory: tableMemory(s) }));
  return { total: all.length, offset: from, tables };
}

/** A page of one table's records, formatted with the tracer's bounds; a private table's records stay private. */
export function tableRows(node: OtpNode, id: number, offset?: number, limit?: number): { ok: true; size: number; offset: number; rows: string[] } | { ok: false; error: string } {
  const s = stores(node).find((t) => t.id === Number(id));
  if (s === undefined) return { ok: false, error: `no table with id ${String(id)} exists on ${node.name}` };
  if (s.access === 'private') return { ok: false, error: `table '${s.label}' is private to ${s.owner.pid.toString()}: only its owner reads it` };
  const [from, n] = clampPage(offset, limit);
  return { ok: true, size: s.count, offset: from, rows: s.slice(from, n).map((r) => formatBounded(r, ROW_BOUNDS)) };
}

/** Carries out a kill, send, suspend or resume, logging it on the node with who asked. */
export async function act(node: OtpNode, a: ObserverAction): Promise<{ ok: true } | { ok: false; error: string; badTarget?: true }> {
  // A target that can never be a process of this node (another node's pid) is the request's fault, not the node's state.
  const problem = targetProblem(node, String(a.target));
  if (problem) return { ok: false, error: problem, badTarget: true };
  const pid = findProcess(node, String(a.target));
  if (typeof pid === 'string') return { ok: false, error: pid };
  // An exit signal 'normal' is ignored by a process that does not trap exits (as in OTP): said, not reported as done.
  if (a.action === 'kill' && a.reason === 'normal' && !node.processInfo(pid)?.trapExit) {
    return { ok: false, error: `${pid.toString()} does not trap exits, so an exit signal with reason 'normal' leaves it running: give another reason, such as kill or shutdown` };
  }
  const by = String(a.by || 'an unnamed observer');
  const what =
    a.action === 'kill'
      ? `kill ${pid.toString()} with reason ${formatBounded(a.reason ?? 'kill', ROW_BOUNDS)}`
      : a.action === 'send'
        ? `send ${formatBounded(a.message, ROW_BOUNDS)} to ${pid.toString()}`
        : `${String(a.action)} ${pid.toString()}`;
  try {
    if (a.action === 'kill') node.exit(pid, a.reason || 'kill');
    else if (a.action === 'send') node.send(pid, a.message);
    else if (a.action === 'suspend' || a.action === 'resume') {
      const info = node.processInfo(pid);
      if (!info?.behaviour) return { ok: false, error: `${pid.toString()} is a plain process: only processes that speak sys (behaviours) can be suspended and resumed` };
      await node.run((ctx) => (a.action === 'suspend' ? sys.suspend(ctx, pid, ASK_MS) : sys.resume(ctx, pid, ASK_MS)));
    } else return { ok: false, error: `unknown observer action '${String(a.action)}': use kill, send, suspend or resume` };
  } catch (error) {
    return { ok: false, error: `${what} failed: ${formatBounded(error instanceof Error ? error.message : error, ROW_BOUNDS)}` };
  }
  loggerOf(node).notice(`otp observer (${by}): ${what}`, { module: OBSERVER_RPC_MODULE });
  return { ok: true };
}

/**
 * The node's running applications, asked of its application controller at each sample (a start or a stop shows
 * in the next one); `last` when the controller does not answer within ASK_MS, and none when the node has none
 * (the observer starts no controller).
 */
async function runningApps(node: OtpNode, last: RunningApp[]): Promise<RunningApp[]> {
  if (node.whereis(APPLICATION_CONTROLLER) === undefined) return [];
  const asked = await node.run((ctx) => whichApplications(ctx, ASK_MS)).catch(() => undefined);
  return asked ?? last;
}

// The most viewers whose samples the node keeps apart at once: a new one past it is refused, in a sentence, rather
// than taking the window of one still asking (observers asking in turn would each lose theirs at every sample).
const MAX_VIEWERS = 256;
// A viewer's name as the node keeps it: the observers each pass one of their own.
const VIEWER_CHARS = 100;
// The longest lateness a viewer's histogram records (an hour, in ns): a longer stall is recorded as that.
const MAX_LATENESS_NS = 3_600e9;

/** One viewer's sampling window: what it saw at its previous overview, and its own histogram of the loop's delay since. */
interface Viewer {
  elu: ReturnType<typeof performance.eventLoopUtilization>;
  reds: { at: number; total: number; delivered: number; sent: number };
  histogram: RecordableHistogram;
  idle: NodeJS.Timeout | null;
}

/**
 * The viewers' windows, by the name each passes: two observers of one node each see the rates and the delay
 * since their own previous sample, not since the other's. One timer samples the event loop's lateness every
 * DELAY_RESOLUTION_MS for all of them (each viewer's histogram records it: no timer per viewer). A viewer not heard
 * from for IDLE_MS is forgotten; at most MAX_VIEWERS are kept, and a new one past that is refused.
 */
function viewerWindows(nodeName: string): (name: string) => Viewer {
  const viewers = new Map<string, Viewer>();
  let timer: NodeJS.Timeout | undefined;
  let last = 0n;
  const sample = (): void => {
    const now = process.hrtime.bigint();
    const ns = Math.min(MAX_LATENESS_NS, Math.max(1, Number(now - last)));
    last = now;
    for (const v of viewers.values()) v.histogram.record(ns);
  };
  const forget = (name: string): void => {
    const v = viewers.get(name);
    if (!v) return;
    viewers.delete(name);
    if (v.idle) clearTimeout(v.idle);
    if (viewers.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return (name) => {
    let viewer = viewers.get(name);
    if (viewer === undefined) {
      if (viewers.size >= MAX_VIEWERS) throw new Error(`${nodeName} already keeps the samples of ${MAX_VIEWERS} observers, the most it does: close another observer of it (one not asking for 10 s is forgotten) and open this one again`);
      viewer = { elu: performance.eventLoopUtilization(), reds: { at: performance.now(), total: -1, delivered: 0, sent: 0 }, histogram: createHistogram({ lowest: 1, highest: MAX_LATENESS_NS, figures: 3 }), idle: null };
      viewers.set(name, viewer);
      if (timer === undefined) {
        last = process.hrtime.bigint();
        timer = setInterval(sample, DELAY_RESOLUTION_MS);
        timer.unref();
      }
    }
    if (viewer.idle) clearTimeout(viewer.idle);
    viewer.idle = setTimeout(() => forget(name), IDLE_MS);
    viewer.idle.unref();
    return viewer;
  };
}

/** The functions `otp_observer` offers over rpc; the overview keeps each viewer's samples between its calls. */
export function observerRpcModule(node: OtpNode): Record<string, unknown> {
  const window = viewerWindows(node.name);
  let apps: RunningApp[] = [];
  // `viewer` names who asks (each observer passes its own): the rates and the delay are since that viewer's previous overview.
  const overview = async (viewer?: unknown): Promise<Overview> => {
    const v = window(typeof viewer === 'string' && viewer !== '' ? viewer.slice(0, VIEWER_CHARS) : '');
    const now = performance.eventLoopUtilization();
    const used = performance.eventLoopUtilization(now, v.elu).utilization;
    v.elu = now;
    // The work of the processes that exited since counts too: a node whose requests each run in a process of their own is busy.
    let total = node.reductionsExited;
    let tables = 0;
    for (const p of node.liveProcesses()) {
      total += p.reductions;
      if (p.tables) tables += p.tables.size;
    }
    const at = performance.now();
    const reds = v.reds;
    // The first overview has no previous one: its rates are not measured yet (null), not 0.
    const per = (n: number) => (reds.total < 0 ? null : Math.round((Math.max(0, n) * 1000) / Math.max(1, at - reds.at)));
    // The node's counters wrap at 2^30 (they stay small integers): the difference is taken modulo that.
    const rate = per((total - reds.total) & 0x3fffffff);
    const { messagesDelivered: delivered, messagesSent: sent } = node;
    const messages = { deliveredPerS: per((delivered - reds.delivered) & 0x3fffffff), sentPerS: per((sent - reds.sent) & 0x3fffffff) };
    v.reds = { at, total, delivered, sent };
    // No sample yet (the histogram has just started): not measured, rather than a delay of 0.
    const delay = v.histogram.count === 0 ? null : loopDelay(v.histogram, DELAY_RESOLUTION_MS);
    v.histogram.reset();
    const { loadavg } = await import('node:os');
    const m = process.memoryUsage();
    apps = await runningApps(node, apps);
    return {
      node: node.name,
      time: Date.now(),
      versions: { node: process.version, apps: apps.map((a) => ({ name: a.name, vsn: a.vsn })) },
      uptimeS: process.uptime(),
      processes: node.processCount,
      memory: { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers },
      elu: Number.isFinite(used) ? used : 0,
      delay,
      reductionsPerS: rate,
      messages,
      loadavg: loadavg(),
      tables,
    };
  };
  return {
    overview,
    processes: (query?: ProcessQuery) => processPageChunked(node, query),
    tables: (offset?: number, limit?: number) => tablePage(node, offset, limit),
    rows: (id: number, offset?: number, limit?: number) => tableRows(node, id, offset, limit),
    // The Applications view draws 40 children of a supervisor: a pool of 50 000 is not read, nor sent, every 2 s.
    tree: () => supervisionTree(node, undefined, TREE_CHILDREN),
    act: (a: ObserverAction) => act(node, a),
    pid: (target: string) => {
      const p = findProcess(node, target);
      return p instanceof Pid ? p.toString() : undefined;
    },
  };
}
