import { setImmediate, setTimeout } from 'node:timers';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import { Pid } from '../pid.js';
import type { ProcessContext, ProcessInfo } from '../types.js';
import { sys } from '../sys.js';
import { call } from '../gen-server/api.js';
import type { ServerRef } from '../gen/call.js';
import { formatBounded, type FormatBounds } from './format.js';
import { closest, closestRegistered } from './functions.js';

/** What `procs` ranks by. */
export type ProcsSort = 'memory' | 'mailbox' | 'reductions';

/** One line of `procs`: a process and its figures; `value` is what it was ranked by (a difference over a window). */
export interface ProcRow {
  pid: string;
  name: string | undefined;
  label: string;
  memory: number;
  mailbox: number;
  reductions: number;
  value: number;
}

/** One process as `info` shows it: everything bounded (a prefix of the mailbox, a formatted state). */
export interface ProcessDetails {
  pid: string;
  name: string | undefined;
  status: string;
  behaviour: string | undefined;
  module: string | undefined;
  initialCall: string;
  /** processInfo's currentFunction: a behaviour's loop, the callback it is in, or a plain process's function. */
  currentFunction: string;
  memory: number;
  reductions: number;
  trapExit: boolean;
  links: string[];
  monitors: string[];
  monitoredBy: string[];
  mailboxLength: number;
  /** The first messages, formatted. */
  mailbox: string[];
  /** The state through sys.getStatus (formatStatus applied), formatted; undefined for plain processes. */
  state: string | undefined;
  sysStatus: string | undefined;
  parent: string | undefined;
  /** The pids of other nodes among links, monitors, monitored-by and parent: the node each lives on and its pid there. */
  remote: Record<string, { node: string; pid: string }>;
}

/** A node of `tree`: an application, a supervisor or a worker. */
export interface TreeNode {
  kind: 'application' | 'supervisor' | 'worker';
  label: string;
  pid: string | undefined;
  name: string | undefined;
  module: string | undefined;
  /** For a supervisor: the restarts of its children within its intensity period. */
  restarts: number | undefined;
  /** For a supervisor: its restart strategy, and more than `intensity` restarts in `period` seconds take it down. */
  strategy?: { strategy: string; intensity: number; period: number };
  /** How many times its supervisor restarted it (whichChildren's restarts); undefined for an application's top supervisor. */
  restarted: number | undefined;
  children: TreeNode[];
  /** For a supervisor of more children than the tree was asked to hold: how many were left out after `children`. */
  more?: number;
}

// How one tree is walked: in a process of the node, holding at most `maxChildren` children of each supervisor.
interface Walk {
  ctx: ProcessContext;
  node: OtpNode;
  maxChildren: number;
}

const STATE_BOUNDS: FormatBounds = { depth: 4, items: 20, chars: 2000 };
const ASK_MS = 2000;

/** The longest window `topProcesses` measures over (recon's proc_window samples; the caller waits it out). */
export const PROCS_MAX_WINDOW_MS = 60_000;

/** The most messages `otp_trace info` shows of a mailbox: each is formatted on the node, and a mailbox may hold millions. */
export const INFO_MAX_MESSAGES = 100;

/** The most children of one supervisor `otp_trace tree` (`otp tree`) holds; the rest are counted (a pool of 100 000 workers is one line). */
export const TREE_MAX_CHILDREN = 1000;

/** The most rows `otp_trace procs` answers with (`otp procs -n`, `otp top -n`): a node of 100 000 processes never lists them all in one answer. */
export const PROCS_MAX_ROWS = 1000;

// A process's figure, read from its record as processInfo reads it (without building the rest of its info).
const figureOf = (p: ProcessImpl, by: ProcsSort): number => (by === 'memory' ? p.memoryEstimate() : by === 'mailbox' ? p.queueLength : p.reductions);

// The pass over the processes yields to the event loop after this many: a node of 100 000 processes is never held for the whole pass.
const PROCS_CHUNK = 2000;

/** Calls `fn` with every live process, `chunk` per turn of the event loop (processes spawned meanwhile come later; those that exited are left out). */
export async function eachChunked(node: OtpNode, fn: (p: ProcessImpl) => void, chunk = PROCS_CHUNK): Promise<void> {
  let n = 0;
  for (const p of node.liveProcesses()) {
    if (p.dead) continue;
    fn(p);
    if (++n % chunk === 0) await new Promise<void>((r) => setImmediate(r));
  }
}

/**
 * The top `n` processes by memory, mailbox length or reductions; over a window, by how much each grew in it. The pass
 * runs in chunks and keeps only the best `n`, so `otp top` on a node of 100 000 processes does not stall it at each sample.
 */
export async function topProcesses(node: OtpNode, by: ProcsSort = 'memory', n = 10, windowMs = 0): Promise<ProcRow[]> {
  const base = new Map<ProcessImpl, number>();
  if (windowMs > 0) {
    await eachChunked(node, (p) => base.set(p, figureOf(p, by)));
    await new Promise((r) => setTimeout(r, Math.min(windowMs, PROCS_MAX_WINDOW_MS)));
  }
  const want = Math.max(1, n);
  // The best so far, best first; a process equal to one kept comes after it (the order of the pass, as a stable sort).
  const best: Array<{ p: ProcessImpl; value: number }> = [];
  // Past a few hundred rows, an insertion per process would cost more than one sort of them all.
  const select = want <= 500;
  await eachChunked(node, (p) => {
    const value = figureOf(p, by) - (base.get(p) ?? 0);
    if (!select) return void best.push({ p, value });
    if (best.length >= want && value <= best[best.length - 1]!.value) return;
    let at = best.length;
    while (at > 0 && best[at - 1]!.value < value) at--;
    best.splice(at, 0, { p, value });
    if (best.length > want) best.pop();
  });
  if (!select) best.sort((a, b) => b.value - a.value).splice(want);
  return best.map(({ p, value }) => ({ pid: p.pid.toString(), name: p.name, label: p.label?.behaviour ? `${p.label.behaviour}:${p.label.module ?? '?'}` : p.initialCall, memory: p.memoryEstimate(), mailbox: p.queueLength, reductions: p.reductions, value }));
}

/** The node a pid of another node (as `node` prints it, `<N.id.serial>`, N > 0) belongs to, and the pid as that node prints it. */
export function remotePid(node: OtpNode, pid: string): { node: string; pid: string } | undefined {
  const m = /^<(\d+)\.(\d+)\.(\d+)>$/.exec(pid.trim());
  if (!m || m[1] === '0' || !node.dist) return undefined;
  try {
    return { node: node.dist.nameOf(Number(m[1])), pid: `<0.${m[2]}.${m[3]}>` };
  } catch {
    return undefined;
  }
}

/**
 * Why `target` can never name a process of this node, whatever runs on it: a pid of another node, or something like
 * a pid that is none (a shell ate its <>, a number is missing), with the form it takes; undefined when it may.
 */
export function targetProblem(node: OtpNode, target: string): string | undefined {
  const t = target.trim();
  if (/^<0\.\d+\.\d+>$/.test(t)) return undefined;
  if (/^<\d+\.\d+\.\d+>$/.test(t)) {
    const other = remotePid(node, t);
    return other
      ? `${target} is a process of ${other.node}, not of ${node.name}: ask ${other.node} about it, where it is ${other.pid}`
      : `${target} is not a pid of ${node.name}: its pids start with <0.`;
  }
  if (node.whereis(target) === undefined && (/^<|>$/.test(t) || /^\d+\.\d+\.\d+$/.test(t))) {
    const bare = /^<?(\d+\.\d+\.\d+)>?$/.exec(t)?.[1];
    return `'${target}' is not a pid: write a pid as the node prints it, <0.N.M>${bare ? ` (here '<${bare}>')` : ', e.g. <0.42.0>'}, quoted in a shell, or give a registered name`;
  }
  return undefined;
}

/** The process a user named: a pid as the node prints it, or a registered name; an error sentence otherwise. */
export function findProcess(node: OtpNode, target: string): Pid | string {
  const problem = targetProblem(node, target);
  if (problem) return problem;
  const m = /^<0\.(\d+)\.(\d+)>$/.exec(target.trim());
  if (m) {
    const pid = new Pid(0, Number(m[1]), Number(m[2]));
    return node.isAlive(pid) ? pid : `no process ${target} is alive on ${node.name}`;
  }
  const pid = node.whereis(target);
  if (pid) return pid;
  const near = closestRegistered(node, target);
  return `no process is registered as '${target}' on ${node.name}${near.length ? ` (closest: ${near.join(', ')})` : ''}`;
}

/** One process in detail, reading bounded prefixes only; a behaviour's state comes through sys (formatStatus). */
export async function processDetails(node: OtpNode, target: string, messages = 10): Promise<{ ok: true; details: ProcessDetails } | { ok: false; error: string }> {
  const pid = findProcess(node, target);
  if (typeof pid === 'string') return { ok: false, error: pid };
  const i = node.processInfo(pid);
  if (!i) return { ok: false, error: `process ${target} exited` };
  let state: string | undefined;
  let sysStatus: string | undefined;
  let parent: string | undefined;
  if (i.behaviour && i.behaviour !== 'application_master') {
    await node.run(async (ctx) => {
      try {
        const status = await sys.getStatus(ctx, pid, ASK_MS);
        state = formatBounded(status.state, STATE_BOUNDS);
        sysStatus = status.status;
        parent = status.parent?.toString();
      } catch (error) {
        state = `(no answer from sys.getStatus: ${formatBounded(error, { depth: 2, items: 5, chars: 200 })})`;
      }
    });
  }
  const str = (xs: Array<Pid | string>) => xs.map(String);
  const remote: ProcessDetails['remote'] = {};
  for (const p of [...str(i.links), ...str(i.monitors), ...str(i.monitoredBy), parent ?? '']) {
    const other = remotePid(node, p);
    if (other) remote[p] = other;
  }
  return {
    ok: true,
    details: {
      pid: i.pid.toString(),
      name: i.registeredName,
      status: i.status,
      behaviour: i.behaviour,
      module: i.module,
      initialCall: i.initialCall,
      currentFunction: i.currentFunction,
      memory: i.memory,
      reductions: i.reductions,
      trapExit: i.trapExit,
      links: str(i.links),
      monitors: str(i.monitors),
      monitoredBy: str(i.monitoredBy),
      mailboxLength: i.messageQueueLen,
      mailbox: node.messages(pid, messages).map((m) => formatBounded(m)),
      state,
      sysStatus,
      parent,
      remote,
    },
  };
}

interface ChildRow {
  id: string | undefined;
  pid: Pid | 'restarting' | undefined;
  type: 'worker' | 'supervisor';
  restarts: number;
}

async function children(ctx: ProcessContext, sup: Pid): Promise<ChildRow[]> {
  try {
    const answer = (await call(ctx, sup as ServerRef<unknown, never, { ok: boolean; value: unknown }>, { op: 'whichChildren' }, ASK_MS)) as { ok: boolean; value: ChildRow[] };
    return answer.ok ? answer.value : [];
  } catch {
    return [];
  }
}

// A supervisor's restarts within its period and its flags, read from its state through sys.
async function restartsOf(ctx: ProcessContext, sup: Pid): Promise<{ restarts: number | undefined; strategy: TreeNode['strategy'] }> {
  try {
    const state = await sys.getState<{ restarts?: unknown[]; flags?: { strategy?: unknown; intensity?: unknown; period?: unknown } }>(ctx, sup, ASK_MS);
    const f = state?.flags;
    return {
      restarts: Array.isArray(state?.restarts) ? state.restarts.length : undefined,
      strategy: f && typeof f.strategy === 'string' ? { strategy: f.strategy, intensity: Number(f.intensity), period: Number(f.period) } : undefined,
    };
  } catch {
    return { restarts: undefined, strategy: undefined };
  }
}

async function subtree(walk: Walk, pid: Pid, row: ChildRow | undefined, depth: number): Promise<TreeNode> {
  const { ctx, node } = walk;
  const i = node.processInfo(pid);
  const isSup = i?.behaviour === 'supervisor';
  const label = row?.id ?? i?.registeredName ?? pid.toString();
  const out: TreeNode = { kind: isSup ? 'supervisor' : 'worker', label, pid: pid.toString(), name: i?.registeredName, module: i?.module, restarts: undefined, restarted: row?.restarts, children: [] };
  if (!isSup || depth > 20) return out;
  const flags = await restartsOf(ctx, pid);
  out.restarts = flags.restarts;
  if (flags.strategy) out.strategy = flags.strategy;
  const rows = await children(ctx, pid);
  if (rows.length > walk.maxChildren) out.more = rows.length - walk.maxChildren;
  for (const c of rows.slice(0, walk.maxChildren)) {
    if (c.pid instanceof Pid && node.isAlive(c.pid)) out.children.push(await subtree(walk, c.pid, c, depth + 1));
    else out.children.push({ kind: c.type, label: c.id ?? '?', pid: undefined, name: undefined, module: undefined, restarts: undefined, restarted: c.restarts, children: [] });
  }
  return out;
}

/**
 * The supervision trees of the running applications (or of one), drawn from each application's top supervisor;
 * each supervisor with its first `maxChildren` children (all by default) and a count of the rest.
 */
export async function supervisionTree(node: OtpNode, app?: string, maxChildren = Infinity): Promise<{ ok: true; apps: TreeNode[] } | { ok: false; error: string }> {
  // The masters are found by their label alone: the full info of every process would hold the node's loop for
  // a node of 100 000 processes, every 2 s while the observer's Applications view is open.
  const masters: ProcessInfo[] = [];
  node.eachProcess((p) => {
    const info = p.label?.behaviour === 'application_master' ? node.processInfo(p.pid) : undefined;
    if (info) masters.push(info);
  });
  const wanted = app === undefined ? masters : masters.filter((m) => m.module === app);
  if (app !== undefined && wanted.length === 0) {
    const near = closest(app, masters.map((m) => m.module ?? ''));
    return { ok: false, error: `no application '${app}' is running on ${node.name}${near.length ? ` (closest: ${near.join(', ')})` : masters.length ? ` (running: ${masters.map((m) => m.module).join(', ')})` : ''}` };
  }
  return node.run(async (ctx) => {
    const apps: TreeNode[] = [];
    for (const m of wanted) {
      const tops = m.links.filter((l) => node.processInfo(l)?.behaviour === 'supervisor');
      const children: TreeNode[] = [];
      for (const top of tops) children.push(await subtree({ ctx, node, maxChildren }, top, undefined, 0));
      apps.push({ kind: 'application', label: m.module ?? '?', pid: m.pid.toString(), name: undefined, module: m.module, restarts: undefined, restarted: undefined, children });
    }
    return { ok: true as const, apps };
  });
}
