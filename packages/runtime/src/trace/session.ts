import { Down } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessImpl } from '../process.js';
import type { ProcessContext } from '../types.js';
import type { FormatBounds } from './format.js';
import type { TraceEndReason, TraceEvent, TraceMessage } from './types.js';

/** Which processes a session follows: every one, a set, and/or those that existed (or not) when it started. */
export interface Selection {
  all: boolean;
  set: Set<ProcessImpl>;
  /** Where the node's next pid was at the start, when `existing` or `new` was asked for: a process below it existed then (no set of them is kept, nor walked). */
  snapshot: { serial: number; id: number } | null;
  existing: boolean;
  newOnes: boolean;
  /** True when the user named processes: calls from unknown callers are then not reported. */
  explicit: boolean;
}

/** A session's settings once validated, defaults applied. */
export interface SessionSettings {
  limit: number | undefined;
  rate: { count: number; ms: number } | undefined;
  timeMs: number;
  bufferSize: number;
  bounds: FormatBounds;
  messages: boolean;
  procs: boolean;
  returns: boolean;
  client: Pid | undefined;
  /** The process that started the session (an rpc caller): with no client, the session ends when it goes. */
  owner: Pid | undefined;
}

// Batches in flight before the session waits for the client's acks: a slow client costs buffer space, never node memory.
const CREDIT = 2;
const RETURN_GRACE_MS = 1000;
// Notices (a function a load left untraced, or traced again) a full buffer still takes: one per function per load,
// so a client that reads nothing holds at most this many past the buffer; beyond, they are dropped and counted.
const NOTICE_RESERVE = 1000;

/** One client's trace: its own limits, buffer and patterns; ending it touches no other session. */
export class Session {
  state: 'active' | 'ended' | 'closed' = 'active';
  reason: TraceEndReason | undefined = undefined;
  /** Events counted against the limits: calls, messages, process events. */
  count = 0;
  /** Returns and exceptions recorded (not counted against the limits). */
  returns = 0;
  /** Events and returns the buffer had no room for. */
  dropped = 0;
  buffer: TraceEvent[] = [];
  /** Async traced calls whose return is still to come. */
  pending = 0;
  /** The session's process on the node (sends batches, watches the client and the clock). */
  pid: Pid | undefined = undefined;
  functions: string[] = [];
  readonly deadline: number;
  // Notices in the buffer (they may go past bufferSize, up to NOTICE_RESERVE).
  private notices = 0;
  private windowStart = 0;
  private windowCount = 0;
  // True once the process was told events wait: one wake-up per batch, none while nothing happens.
  private nudged = false;

  constructor(
    readonly id: string,
    readonly settings: SessionSettings,
    readonly selection: Selection,
    private readonly isOwn: (p: ProcessImpl) => boolean,
    private readonly onEnd: (s: Session) => void,
    private readonly wake: (s: Session) => void,
  ) {
    this.deadline = Date.now() + settings.timeMs;
  }

  /** True when this session follows `p`'s messages, process events or calls. */
  selects(p: ProcessImpl): boolean {
    if (this.isOwn(p)) return false;
    const s = this.selection;
    if (s.all || s.set.has(p)) return true;
    if (s.snapshot === null) return false;
    const { serial, id } = p.pid;
    const existed = serial < s.snapshot.serial || (serial === s.snapshot.serial && id < s.snapshot.id);
    return existed ? s.existing : s.newOnes;
  }

  /** Counts an event against the limits and buffers it (formatted only when there is room); may end the session. */
  record(make: () => TraceEvent): void {
    if (this.state !== 'active') return;
    this.count++;
    this.push(make);
    const { limit, rate } = this.settings;
    if (limit !== undefined && this.count >= limit) this.end('limit');
    else if (rate !== undefined && this.overRate(rate)) this.end('rate');
  }

  /** Buffers a return or exception: not counted, accepted until the session's last batch leaves. */
  recordReturn(make: () => TraceEvent): void {
    if (this.state === 'closed') return;
    this.returns++;
    this.push(make);
  }

  /** Buffers a notice about the session's patterns (a function a load left untraced): not counted, sent while the session runs. */
  notify(make: () => TraceEvent): void {
    if (this.state !== 'active') return;
    // What the trace no longer shows is said even when a slow client let the buffer fill: notices have room of their own.
    this.push(make, this.notices < NOTICE_RESERVE);
    this.notices++;
  }

  private push(make: () => TraceEvent, reserved = false): void {
    if (reserved || this.buffer.length < this.settings.bufferSize) this.buffer.push(make());
    else this.dropped++;
    if (!this.nudged) {
      this.nudged = true;
      this.wake(this);
    }
  }

  /** Ends the session: the agent removes its patterns at once; the process sends what is left and `done`. */
  end(reason: TraceEndReason): void {
    if (this.state !== 'active') return;
    this.state = 'ended';
    this.reason = reason;
    this.onEnd(this);
  }

  private overRate(rate: { count: number; ms: number }): boolean {
    const now = Date.now();
    if (now - this.windowStart >= rate.ms) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount > rate.count;
  }

  /** Hands the buffered events over as one message. */
  takeBatch(): TraceMessage {
    const events = this.buffer;
    this.buffer = [];
    this.notices = 0;
    this.nudged = false;
    return { otpTrace: 'events', session: this.id, events, dropped: this.dropped };
  }
}

/** A message from the client or the agent to a session's process. */
export type SessionControl = { otpTrace: 'ack' | 'stop' | 'wake'; session?: string };

const isControl = (m: unknown): m is SessionControl => typeof m === 'object' && m !== null && 'otpTrace' in m;

// The monitors of the processes a session named (pids, names), when it follows those only; null when it
// follows all, or the new ones, or none in particular (calls from any process).
function followedProcesses(ctx: ProcessContext, sel: Selection): Set<unknown> | null {
  if (!sel.explicit || sel.all || sel.snapshot !== null || sel.set.size === 0) return null;
  return new Set([...sel.set].map((p) => ctx.monitor(p.pid)));
}

/** The body of a session's process: flushes batches under flow control, enforces the clock, watches the client. */
export async function runSession(ctx: ProcessContext, s: Session): Promise<void> {
  // The client, or else the starter: a session no one is left to stop does not run on to its time limit.
  const watched = s.settings.client ?? s.settings.owner;
  const clientRef = watched ? ctx.monitor(watched) : undefined;
  const followed = followedProcesses(ctx, s.selection);
  let credit = CREDIT;
  try {
    while (s.state === 'active') {
      // No periodic wake-up: events nudge the process, and the one timer is the session's deadline.
      const m = await ctx.receive(null, Math.max(0, s.deadline - Date.now()));
      if (m instanceof Down && m.ref === clientRef) s.end('client down');
      // The last of the processes it named is gone: nothing more can come (as a trace on a pid ends with it).
      else if (m instanceof Down && followed?.delete(m.ref) && followed.size === 0) s.end('processes gone');
      else if (isControl(m) && m.otpTrace === 'ack') credit++;
      else if (isControl(m) && m.otpTrace === 'stop') s.end('stopped');
      if (s.state === 'active' && Date.now() >= s.deadline) s.end('time');
      if (credit > 0 && s.buffer.length > 0 && s.settings.client && s.state === 'active') {
        ctx.send(s.settings.client, s.takeBatch());
        credit--;
      }
    }
    // Async calls traced before the end may still return: give them a moment.
    for (const until = Date.now() + RETURN_GRACE_MS; s.pending > 0 && Date.now() < until; ) await ctx.sleep(10);
    s.state = 'closed';
    // A client that is gone is not written to: a send would reconnect to its node.
    if (s.settings.client && s.reason !== 'client down') {
      if (s.buffer.length > 0) ctx.send(s.settings.client, s.takeBatch());
      ctx.send(s.settings.client, { otpTrace: 'done', session: s.id, reason: s.reason!, events: s.count, returns: s.returns, dropped: s.dropped } satisfies TraceMessage);
    }
  } finally {
    s.end('crashed');
    s.state = 'closed';
  }
}
