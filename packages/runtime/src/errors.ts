import type { ExitReason } from './messages.js';

/** Machine-readable codes of the runtime's errors, after Erlang's error reasons. */
export type RuntimeErrorCode = 'badarg' | 'noproc' | 'not_owner' | 'access' | 'exited';

/** An error raised by a runtime operation: a code for programs, a sentence for people. */
export class RuntimeError extends Error {
  constructor(
    /** What went wrong, as Erlang would name it. */
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** Thrown by `ctx.exit(reason)` to unwind the calling process; the runtime turns it into its exit reason. */
export class ExitSignal extends Error {
  constructor(
    /** The reason the process exits with. */
    readonly reason: ExitReason,
  ) {
    super(`process exit: ${describeReason(reason)}`);
    this.name = 'ExitSignal';
  }
}

/** Thrown by every runtime operation of a process that has already exited (for example killed while it awaited something else). */
export class ProcessExitedError extends RuntimeError {
  constructor(
    readonly pid: string,
    readonly reason: ExitReason,
  ) {
    super('exited', `process ${pid} has exited (${describeReason(reason)}) and can run no more runtime operations`);
    this.name = 'ProcessExitedError';
  }
}

/** A short human description of an exit reason, for error messages and logs. */
export function describeReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  try {
    // An Error inside a reason ({ shutdown: { reason: Error } }) has no enumerable fields: JSON would show {}.
    return JSON.stringify(reason, (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value)) ?? String(reason);
  } catch {
    return String(reason);
  }
}
