import { ExitSignal, describeReason } from '../errors.js';
import type { ExitReason } from '../messages.js';

/** How a call failed, after OTP's exit reasons for gen:call. */
// The named failures are documentation: any exit reason may be one, so the type is as wide as ExitReason.
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type CallFailure = 'noproc' | 'timeout' | 'nodedown' | 'calling_self' | ExitReason;

/**
 * Thrown by `call` when no reply comes (an OTP call exits the caller): uncaught, the caller exits with
 * this error as reason; caught, the caller carries on (like `catch gen_server:call(...)`).
 */
export class CallError extends ExitSignal {
  constructor(
    /** `'noproc'`, `'timeout'`, `'calling_self'`, or the server's exit reason. */
    readonly failure: CallFailure,
    /** The server as the caller named it. */
    readonly server: unknown,
    /** The request that got no reply. */
    readonly request: unknown,
    timeoutMs?: number,
    /** For `'nodedown'`, the node that went down or cannot be reached (OTP's `{nodedown, Node}`); else undefined. */
    readonly node?: string,
  ) {
    super(undefined);
    Object.defineProperty(this, 'reason', { value: this });
    this.name = 'CallError';
    this.message =
      failure === 'noproc'
        ? `call to ${String(server)} failed: no such process`
        : failure === 'timeout'
          ? `call to ${String(server)} timed out after ${timeoutMs} ms`
          : failure === 'calling_self'
            ? `process ${String(server)} called itself`
            : `call to ${String(server)} failed: the server exited (${describeReason(failure)})`;
  }
}

/** Why starting a behaviour process failed: `'ignore'` when its init asked to be ignored. */
export class StartError extends Error {
  constructor(
    /** The init's stop reason, the crash, `'timeout'`, `'ignore'`, or `'alreadyStarted'`. */
    readonly reason: ExitReason,
    /** The pid that already holds the name, for `'alreadyStarted'`. */
    readonly pid?: unknown,
  ) {
    super(
      reason === 'ignore'
        ? 'init asked to be ignored'
        : reason === 'alreadyStarted'
          ? `already started as ${String(pid)}`
          : `init failed: ${describeReason(reason)}`,
      { cause: reason },
    );
    this.name = 'StartError';
  }
}

/** The exit reason of a behaviour whose callback returned something it does not understand. */
export class BadReturnValue extends Error {
  constructor(
    /** The callback that returned it. */
    readonly callback: string,
    /** What it returned. */
    readonly value: unknown,
  ) {
    super(`${callback} returned a value the behaviour does not understand: ${describeReason(value)}`);
    this.name = 'BadReturnValue';
  }
}

export type { ExitReason };
