import { setImmediate } from 'node:timers';
import type { OtpNode } from '../node.js';
import { addDistributionService } from '../distribution/node-dist.js';
import { CTX_FIRST_KEY, registerRpcModule, rpcCallerOf } from '../rpc/index.js';
import type { ProcessContext } from '../types.js';
import { traceAgentOf } from './agent.js';
import { INFO_MAX_MESSAGES, PROCS_MAX_ROWS, TREE_MAX_CHILDREN, PROCS_MAX_WINDOW_MS, processDetails, supervisionTree, topProcesses, type ProcsSort } from './inspect.js';
import type { TraceSpec, TraceStartResult } from './types.js';
import type { Pid } from '../pid.js';
import { loggerOf } from '../logger.js';
import { OBSERVER_RPC_MODULE, observerRpcModule } from './observe.js';
import { PROFILE_RPC_MODULE, profileRpcModule } from './profile.js';

/** The rpc module clients reach the trace agent and the inspection functions through. */
export const TRACE_RPC_MODULE = 'otp_trace';

/** The functions `otp_trace` offers over rpc (every answer is bounded and formatted on the node). */
export function traceRpcModule(node: OtpNode): Record<string, unknown> {
  const agent = () => traceAgentOf(node);
  return {
    // A session started over rpc is tied to the process that called: it ends when that process (or its node) goes, as recon's tracer ends with its shell.
    // Each answers once every process is flagged for the sessions now running (a big node's are set a chunk per turn).
    start: (ctx: ProcessContext, spec: TraceSpec) => startOver(node, spec, rpcCallerOf(ctx)),
    [Symbol.for(CTX_FIRST_KEY)]: ['start'],
    dryRun: (spec: TraceSpec) => agent().start(spec ?? {}, true),
    stop: async (session: string) => {
      const r = agent().stop(session);
      await agent().settled();
      return r;
    },
    sessions: () => agent().list(),
    traced: () => agent().tracedFunctions(),
    hooked: () => node.trace !== null,
    procs: (by?: ProcsSort, n?: number, windowMs?: number) => topProcesses(node, checked(by, SORTS, 'procs sorts by memory, mailbox or reductions'), whole(n, 1, PROCS_MAX_ROWS, `procs shows from 1 to ${PROCS_MAX_ROWS} processes, the most a node lists in one answer`), whole(windowMs, 0, PROCS_MAX_WINDOW_MS, `procs measures growth over a window of 0 to ${PROCS_MAX_WINDOW_MS} ms (a longer one is not measured)`)),
    // Answered as the other refusals are (ok: false), not as a TypeError from deep inside.
    info: (target: string, messages?: number) => infoOf(node, target, messages),
    tree: (app?: string) => (app === undefined || app === null || typeof app === 'string' ? supervisionTree(node, app ?? undefined, TREE_MAX_CHILDREN) : { ok: false, error: `tree takes an application's name, got ${shown(app)}` }),
    load: () => nodeLoad(node),
  };
}

// What `info` answers, refusals included (ok: false): a target that is no name, or more messages than the node formats in one answer.
function infoOf(node: OtpNode, target: unknown, messages: unknown): ReturnType<typeof processDetails> | { ok: false; error: string } {
  if (typeof target !== 'string') return { ok: false, error: `info takes a pid (<0.42.0>) or a registered name, got ${shown(target)}` };
  if (messages === undefined || messages === null) return processDetails(node, target);
  if (typeof messages === 'number' && Number.isInteger(messages) && messages >= 0 && messages <= INFO_MAX_MESSAGES) return processDetails(node, target, messages);
  return { ok: false, error: `info shows 0 to ${INFO_MAX_MESSAGES} messages of a mailbox, the most a node formats in one answer, got ${shown(messages)}` };
}

// A start with no caller (an rpc cast) has no one to answer: what became of it is said in the node's log.
async function startOver(node: OtpNode, spec: TraceSpec, owner: Pid | undefined): Promise<TraceStartResult> {
  const r = await traceAgentOf(node).start(spec ?? {}, false, owner);
  if (owner !== undefined) return r;
  const ended = typeof spec === 'object' && spec !== null && spec.client !== undefined ? 'when its client goes' : 'at its time limit';
  if (r.ok) loggerOf(node).notice(`trace session ${r.session} started by an rpc cast: it ends ${ended}`, { module: TRACE_RPC_MODULE });
  else loggerOf(node).warning(`a trace started by an rpc cast was refused: ${r.error}`, { module: TRACE_RPC_MODULE });
  return r;
}

// A number typed over `otp rpc` outside [min, max] is refused in one sentence, never cut down unseen (a 120 s window measured over 60 s).
function whole(v: number | undefined, min: number, max: number, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  throw new Error(`${what}, got ${shown(v)}`);
}

const SORTS: readonly ProcsSort[] = ['memory', 'mailbox', 'reductions'];
const shown = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 100);

// A value typed over `otp rpc` that is none of `allowed` is refused in one sentence, never taken for another.
function checked<T>(v: T | undefined, allowed: readonly T[], what: string): T | undefined {
  if (v === undefined || v === null || allowed.includes(v)) return v ?? undefined;
  throw new Error(`${what}, got ${shown(v)}`);
}

/** Node-wide figures for `otp top`: process count, memory, event-loop lag and load. */
async function nodeLoad(node: OtpNode): Promise<{ processes: number; heapUsed: number; rss: number; lagMs: number; uptimeS: number; loadavg: number[] }> {
  const t0 = performance.now();
  await new Promise((r) => setImmediate(r));
  const { loadavg } = await import('node:os');
  const mem = process.memoryUsage();
  return { processes: node.processCount, heapUsed: mem.heapUsed, rss: mem.rss, lagMs: performance.now() - t0, uptimeS: process.uptime(), loadavg: loadavg() };
}

addDistributionService('trace', async (node) => {
  registerRpcModule(node, TRACE_RPC_MODULE, traceRpcModule(node));
  registerRpcModule(node, OBSERVER_RPC_MODULE, observerRpcModule(node));
  registerRpcModule(node, PROFILE_RPC_MODULE, profileRpcModule(node));
});
