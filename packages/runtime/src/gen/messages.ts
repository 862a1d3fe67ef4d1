import { Pid, Ref } from '../pid.js';
import { Exit } from '../messages.js';
import { markReplyClass, registerWireClass } from '../wire.js';

/** Internal: how a From that arrived from another node sends its reply back. */
export const REMOTE_REPLY: unique symbol = Symbol('remoteReply');

/** Who made a call: the caller's pid and the call's tag. Reply with `reply(from, value)`. */
export class From<R = unknown> {
  /** Carries the reply type for the compiler only. */
  declare readonly replyType?: R;
  constructor(
    /** The calling process. */
    readonly pid: Pid,
    /** Unique per call; a reply carrying an expired tag is dropped. */
    readonly tag: Ref,
  ) {}
}

/** A synchronous request (`$gen_call`). */
export class CallMessage {
  constructor(
    readonly from: From,
    readonly request: unknown,
  ) {}
}

/** An asynchronous request (`$gen_cast`). */
export class CastMessage {
  constructor(readonly request: unknown) {}
}

// Casts of a primitive request (what an atom is in Erlang: 'inc', true) share one frozen message per value, so such
// a cast allocates nothing and a mailbox of queued casts holds no young object for the collector to promote.
const sharedCasts = new Map<unknown, CastMessage>();
const SHARED_CASTS = 1024;
const SHARED_CAST_LENGTH = 64;

/** The message of a cast of `request`: shared for short strings, booleans, null and undefined, else a new one. */
export function castMessage(request: unknown): CastMessage {
  if (typeof request === 'string' ? request.length > SHARED_CAST_LENGTH : typeof request !== 'boolean' && request != null) return new CastMessage(request);
  let m = sharedCasts.get(request);
  if (m === undefined) {
    m = Object.freeze(new CastMessage(request));
    if (sharedCasts.size < SHARED_CASTS) sharedCasts.set(request, m);
  }
  return m;
}

/** The answer to a call, matched by the caller on its tag. */
export class ReplyMessage {
  constructor(
    readonly tag: Ref,
    readonly value: unknown,
  ) {}
}

/** A request of the sys protocol (`system`), handled by every behaviour's loop. */
export class SystemMessage {
  constructor(
    readonly from: From,
    readonly request: SystemRequest,
  ) {}
}

/** True for a sys request: what a suspended loop without a parent waits on (see suspendedWait). */
export const isSystemMessage = (m: unknown): m is SystemMessage => m instanceof SystemMessage;

// The matchers suspendedWait made for loops with a parent, so isSuspendedWait knows them.
const parentWaits = new WeakSet<object>();

/**
 * What a suspended behaviour loop waits on: sys requests and, as OTP's sys suspend loop, its parent's exit
 * signal, on which a process trapping exits terminates while suspended (a supervisor's shutdown of it).
 */
export function suspendedWait(parent: Pid | null): (m: unknown) => boolean {
  if (parent === null) return isSystemMessage;
  const matcher = (m: unknown): boolean => m instanceof SystemMessage || (m instanceof Exit && m.from === parent);
  parentWaits.add(matcher);
  return matcher;
}

/** Whether a receive's matcher is a suspended loop's wait: how an upgrade tells a process is suspended. */
export function isSuspendedWait(matcher: unknown): boolean {
  return matcher === isSystemMessage || (typeof matcher === 'function' && parentWaits.has(matcher));
}

/** What sys can ask a behaviour process. */
export type SystemRequest =
  | { type: 'getState' }
  | { type: 'replaceState'; fn: (state: unknown) => unknown }
  | { type: 'getStatus' }
  | { type: 'suspend'; withState?: boolean }
  | { type: 'resume' }
  | {
      type: 'changeCode';
      module: unknown;
      oldVsn: unknown;
      extra: unknown;
      /** A downgrade: the callback module whose codeChange migrates the state (the version being left). */
      migrateWith?: unknown;
      /** The callback module being replaced, for a process that runs several (a gen_event manager's handlers). */
      replaces?: unknown;
      /** sys.changeCode's: a callback module without codeChange is an error (OTP's undef); an upgrade's request keeps the state. */
      required?: boolean;
      /** The state codeChange works on, in getState's shape: an upgrade sends a copy, so a rollback finds the original untouched. */
      state?: unknown;
    }
  | { type: 'restore'; snapshot: unknown }
  | { type: 'statistics'; flag: boolean | 'get' }
  | { type: 'trace'; flag: boolean }
  | { type: 'logToFile'; file: string | false }
  | { type: 'log'; flag: boolean | { max: number } | 'get' }
  | { type: 'install'; id: unknown; fn: (funState: unknown, event: never, procState: unknown) => unknown; state: unknown }
  | { type: 'remove'; id: unknown }
  | { type: 'noDebug' }
  | { type: 'terminate'; reason: unknown }
  | { type: 'setModule'; module: unknown };

/** The message `startLink` waits for: the child's init finished (`ok`) or failed. */
export class InitAck {
  constructor(
    readonly tag: Ref,
    readonly ok: boolean,
    readonly value: unknown,
  ) {}
}

// Calls, casts, replies and system messages cross nodes (remote gen_server calls, sys on remote processes).
// What arrives is checked before it is built: a call, reply or sys request of the wrong shape from a peer
// would otherwise reach a server that trusts its fields (a From that is no From ends it on reply), so the
// codec refuses the frame (a line, and the connection closes) as it refuses a control message of the wrong shape.
function wrongShape(tag: string): Error {
  return new Error(`a '${tag}' message of the wrong shape`);
}
registerWireClass('from', From, (f, enc) => ({ pid: enc(f.pid), tag: enc(f.tag) }), (p, dec, t) => {
  if (!(p.pid instanceof Pid) || !(p.tag instanceof Ref)) throw wrongShape('from');
  const from = new From(dec(p.pid) as Pid, dec(p.tag) as Ref);
  Object.defineProperty(from, REMOTE_REPLY, { value: t, enumerable: false });
  return from;
});
registerWireClass('call', CallMessage, (m, enc) => ({ from: enc(m.from), request: enc(m.request) }), (p, dec) => {
  if (!(p.from instanceof From)) throw wrongShape('call');
  return new CallMessage(dec(p.from) as From, dec(p.request));
});
registerWireClass('cast', CastMessage, (m, enc) => ({ request: enc(m.request) }), (p, dec) => new CastMessage(dec(p.request)));
markReplyClass(ReplyMessage);
registerWireClass('reply', ReplyMessage, (m, enc) => ({ tag: enc(m.tag), value: enc(m.value) }), (p, dec) => {
  if (!(p.tag instanceof Ref)) throw wrongShape('reply');
  return new ReplyMessage(dec(p.tag) as Ref, dec(p.value));
});
registerWireClass('system', SystemMessage, (m, enc) => ({ from: enc(m.from), request: enc(m.request) }), (p, dec) => {
  const request = p.request as { type?: unknown } | null;
  if (!(p.from instanceof From) || typeof request !== 'object' || request === null || typeof request.type !== 'string') throw wrongShape('system');
  return new SystemMessage(dec(p.from) as From, dec(p.request) as SystemRequest);
});

/**
 * Internal: the code server tells a gen_event manager that the code some of its handlers ran was purged. The manager
 * removes them as crashed handlers (no terminate: that code is gone; `reason` to their supervisors), and lives on, as
 * an OTP manager, which calls its handlers by module, loses a handler whose module is gone at its next callback.
 */
export class PurgedHandlers {
  constructor(
    readonly handlers: readonly object[],
    readonly reason: Error,
  ) {}
}
