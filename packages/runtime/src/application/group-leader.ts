import { RuntimeError } from '../errors.js';
import type { Pid } from '../pid.js';
import { internalsOf, type ProcessInternals } from '../process-internals.js';
import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';

function recordOf(ctx: ProcessContext, pid: Pid): ProcessInternals | undefined {
  if (pid.node !== 0) throw new RuntimeError('badarg', `the group leader of ${pid} is on another node: ask that node`);
  const direct = internalsOf(pid);
  if (direct !== undefined) return direct.node === ctx.node && !direct.dead ? direct : undefined;
  // A pid decoded from elsewhere carries no record: find the live process it names (rare, so a scan).
  for (const p of ctx.node.liveProcesses()) if (p.pid.id === pid.id && p.pid.serial === pid.serial) return p;
  return undefined;
}

/** The group leader of `pid` (default: the calling process), as Erlang's group_leader/0; null when it has none or is not alive. */
export function groupLeader(ctx: ProcessContext, pid: Pid = ctx.self()): Pid | null {
  return recordOf(ctx, pid)?.groupLeader ?? null;
}

/** Makes `leader` the group leader of `pid` (default: the calling process), as Erlang's group_leader/2; processes it spawns later inherit it. */
export function setGroupLeader(ctx: ProcessContext, leader: Pid, pid: Pid = ctx.self()): void {
  const p = recordOf(ctx, pid);
  if (p === undefined) throw new RuntimeError('badarg', `cannot set the group leader of ${pid}: it is not alive`);
  p.groupLeader = leader;
}

// Which application each running master leads, per node: read without asking the controller (as OTP reads
// its ac_tab), so a process may ask during its application's start, while the controller waits on it.
const led = new WeakMap<OtpNode, Map<Pid, string>>();

/** Internal: records that `master` leads `app`'s processes (undefined: no longer). */
export function setLeaderOf(node: OtpNode, master: Pid, app: string | undefined): void {
  let m = led.get(node);
  if (m === undefined) led.set(node, (m = new Map()));
  if (app === undefined) m.delete(master);
  else m.set(master, app);
}

/** The application a leader pid leads, if any. */
export function appLedBy(node: OtpNode, leader: Pid | null): string | undefined {
  return leader === null ? undefined : led.get(node)?.get(leader);
}

/** Internal: kills every process whose group leader is `master`, except the master, until none is left (processes may spawn meanwhile). */
export function killLed(ctx: ProcessContext, master: Pid): number {
  let killed = 0;
  // 'kill' cannot be trapped, so each round leaves only what the killed spawned meanwhile; the bound is a guard.
  for (let round = 0; round < 1000; round++) {
    const victims: Pid[] = [];
    for (const p of ctx.node.liveProcesses()) if (p.groupLeader === master && p.pid !== master && !p.dead) victims.push(p.pid);
    if (victims.length === 0) return killed;
    for (const pid of victims) ctx.exit(pid, 'kill');
    killed += victims.length;
  }
  return killed;
}
