import type { ExitReason } from './messages.js';

/** Machine-readable codes of the runtime's errors, after Erlang's error reasons. */
export type RuntimeErrorCode = 'badarg' | 'noproc' | 'not_owner' | 'access' | 'exited' | 'notalive' | 'undef';

/** An error raised by a runtime operation: a code for programs, a sentence for people. */
export class RuntimeError extends Error {
  constructor(
    /** What went wrong, as Erlang would name it. */
    readonly code: RuntimeErrorCode,
    message: string,
    /** The reason the process exits with when nothing catches this error (OTP's error reason, as link's `noproc`); unset, the error itself. */
    readonly exitReason?: ExitReason,
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

/** The exit reason a throw that nothing caught ends a process or behaviour with: an `ExitSignal`'s reason, a `RuntimeError`'s `exitReason` when it has one, else the thrown value. */
export function thrownReason(thrown: unknown): ExitReason {
  // instanceof may meet a proxy whose getPrototypeOf trap throws: such a value is its own reason.
  try {
    if (thrown instanceof ExitSignal) return thrown.reason;
    if (thrown instanceof RuntimeError && thrown.exitReason !== undefined) return thrown.exitReason;
  } catch {
    // fall through
  }
  return thrown;
}

/** Whether a thrown value is an ExitSignal; a proxy whose getPrototypeOf trap throws (instanceof would throw) is not. */
export function isExitSignal(x: unknown): x is ExitSignal {
  try {
    return x instanceof ExitSignal;
  } catch {
    return false;
  }
}

/** A short human description of an exit reason, for error messages and logs (a large one is cut: a state of a million items is no log line). */
export function describeReason(reason: ExitReason): string {
  if (typeof reason === 'string') return cut(reason, DESCRIBED_CHARS);
  // Each step may meet a getter or a proxy trap that throws: the description never does.
  try {
    if (isError(reason)) return cut(`${reason.name}: ${reason.message}`, DESCRIBED_CHARS);
    return cut(JSON.stringify(reason, shortener()) ?? String(reason), DESCRIBED_CHARS);
  } catch {
    try {
      return cut(String(reason), DESCRIBED_CHARS);
    } catch {
      return 'a value that cannot be described (a getter or proxy trap of it throws)';
    }
  }
}

/** A description of a value short enough for a one-sentence error message: describeReason cut to `max` characters. */
export function describeBrief(value: unknown, max = BRIEF_CHARS): string {
  const text = describeReason(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// The most characters of one value a one-sentence error quotes.
const BRIEF_CHARS = 100;

// The most a description holds, and the most entries and characters of each array, object and string in it.
const DESCRIBED_CHARS = 8000;
const DESCRIBED_ENTRIES = 100;
const DESCRIBED_STRING = 2000;
// The most values a description visits: past it, the rest of a deeply nested reason is left out.
const DESCRIBED_VALUES = 5000;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

// Whether `value` is an Error of any realm: one thrown by a line of otp shell (whose REPL has its own globals) or by
// code a vm context ran is no instance of this realm's Error, yet is described by its name and message all the same.
function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

// JSON.stringify's replacer for describeReason: an Error inside a reason ({ shutdown: { reason: Error } }) has no
// enumerable fields (JSON would show {}); long arrays, objects and strings are cut before they are walked, and a
// reason of more than DESCRIBED_VALUES values is left out past them.
function shortener(): (this: unknown, key: string, value: unknown) => unknown {
  let visited = 0;
  // The objects on the path from the root to the value being written, each as given and as written: a value
  // already on the path is a cycle, written as '[Circular]' instead of the reason becoming '[object Object]'.
  const given: unknown[] = [];
  const written: unknown[] = [];
  return function (this: unknown, _key, value) {
    if (++visited > DESCRIBED_VALUES) return undefined;
    if (value === null || typeof value !== 'object') return shorten(value);
    // `this` is the object holding `value`: the path ends there (JSON.stringify has left the ones after it).
    while (written.length > 0 && written[written.length - 1] !== this) {
      written.pop();
      given.pop();
    }
    if (given.includes(value)) return '[Circular]';
    const out = shorten(value);
    given.push(value);
    written.push(out);
    return out;
  };
}

function shorten(value: unknown): unknown {
  if (isError(value)) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value.length > DESCRIBED_STRING ? cut(value, DESCRIBED_STRING) : value;
  if (Array.isArray(value)) return value.length > DESCRIBED_ENTRIES ? [...value.slice(0, DESCRIBED_ENTRIES), `… ${value.length - DESCRIBED_ENTRIES} more`] : value;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length <= DESCRIBED_ENTRIES) return value;
    const some: Record<string, unknown> = {};
    for (const k of keys.slice(0, DESCRIBED_ENTRIES)) some[k] = (value as Record<string, unknown>)[k];
    some['…'] = `${keys.length - DESCRIBED_ENTRIES} more`;
    return some;
  }
  return value;
}
