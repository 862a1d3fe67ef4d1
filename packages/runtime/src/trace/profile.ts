// The node side of `otp profile`: a CPU profile through the inspector inside this node (node:inspector's
// Session, no port opened), started and stopped over distribution. Safe on a production node: one profile
// at a time per Node.js process, a hard time limit the node enforces whatever the client asked, and it
// stops as soon as the client's node goes down. Call frames of modules the code server loaded are mapped
// to their TypeScript sources here, where the source maps are.
import { Session } from 'node:inspector/promises';
import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';
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

/** What `run` answers: the profile (frames mapped to TypeScript), or why there is none. */
export type ProfileResult = { ok: true; profile: CpuProfile; ms: number; mapped: number; intervalUs: number } | { ok: false; error: string };

// One inspector profiler per Node.js process: held here while a profile runs.
let running: { by: string; until: number } | null = null;

function mapFrames(profile: CpuProfile): number {
  let mapped = 0;
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (!f.url || f.url.startsWith('node:')) continue;
    const at = originalPosition(f.url, f.lineNumber, f.columnNumber);
    if (!at) continue;
    if (at.name) f.functionName = at.name;
    f.url = at.source;
    f.lineNumber = at.line;
    f.columnNumber = at.column;
    mapped++;
  }
  return mapped;
}

/**
 * Profiles this node for `ms` (at most PROFILE_MAX_MS) and answers the profile; `client` is the asking
 * node: its going down stops the profile at once. Sampling every `intervalUs` µs (default 1000).
 */
async function run(ctx: ProcessContext, ms: number, client?: string, intervalUs = 1000): Promise<ProfileResult> {
  const node = ctx.node;
  if (running) return { ok: false, error: `a profile is already running on ${node.name} (asked by ${running.by}, ${Math.max(0, Math.ceil((running.until - Date.now()) / 1000))} s left): one at a time per node` };
  const limit = Math.min(Math.max(1, Math.floor(Number(ms) || 10_000)), PROFILE_MAX_MS);
  const interval = Math.min(Math.max(100, Math.floor(Number(intervalUs) || 1000)), 100_000);
  running = { by: client ?? 'an unnamed client', until: Date.now() + limit };
  const session = new Session();
  // A backstop: should this process be killed mid-profile, the profiler still stops past the hard limit.
  const backstop = setTimeout(() => {
    session.disconnect();
    running = null;
  }, limit + 10_000);
  backstop.unref();
  try {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval });
    await session.post('Profiler.start');
    loggerOf(node).notice(`otp profile (${running.by}): profiling for ${limit} ms`, { module: PROFILE_RPC_MODULE });
    if (client && node.dist) ctx.monitorNode(client);
    const started = Date.now();
    const down = await ctx.receive((m) => m instanceof NodeDown && m.node === client, limit);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    if (down instanceof NodeDown) {
      loggerOf(node).notice(`otp profile (${running.by}): stopped, the client went down`, { module: PROFILE_RPC_MODULE });
      return { ok: false, error: `the client ${client} went down: the profile stopped` };
    }
    const mapped = mapFrames(profile);
    return { ok: true, profile, ms: Date.now() - started, mapped, intervalUs: interval };
  } catch (error) {
    return { ok: false, error: `the profiler failed on ${node.name}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(backstop);
    session.disconnect();
    running = null;
  }
}

/** The functions `otp_profile` offers over rpc: `run(ms, client?, intervalUs?)` and `running()`. */
export function profileRpcModule(_node: OtpNode): Record<string, unknown> {
  return {
    run,
    running: () => (running ? { by: running.by, leftMs: Math.max(0, running.until - Date.now()) } : null),
    [Symbol.for(CTX_FIRST_KEY)]: ['run'],
  };
}
