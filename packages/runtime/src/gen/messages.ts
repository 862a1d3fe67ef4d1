import type { Pid, Ref } from '../pid.js';

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

/** What sys can ask a behaviour process. */
export type SystemRequest =
  | { type: 'getState' }
  | { type: 'replaceState'; fn: (state: unknown) => unknown }
  | { type: 'getStatus' }
  | { type: 'suspend' }
  | { type: 'resume' }
  | { type: 'changeCode'; module: unknown; oldVsn: unknown; extra: unknown }
  | { type: 'statistics'; flag: boolean | 'get' }
  | { type: 'trace'; flag: boolean }
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
