// What stops a line of `otp shell` while it runs: Ctrl-C (a SIGINT) at any time, and, for piped input, the
// --eval-timeout bound on its synchronous work, as otp remote bounds a line on the node. The REPL's evaluation runs
// inside a script of its own that node:vm can interrupt; node:repl cuts a thrown error's stack at the lowest frame
// without a name, which that script's frame would be, so the stacks of the lines' errors are cut here instead.
import vm from 'node:vm';
import { types } from 'node:util';

const JOB = Symbol.for('otp-ts.shellLine');
const BOUND_FILE = 'otp-shell-line';
const RUN_JOB = new vm.Script(`globalThis[Symbol.for('otp-ts.shellLine')]()`, { filename: BOUND_FILE });

const STOPPED = new WeakSet<Error>();

// A plain Error (printed `Uncaught Error: …`) with its message alone: no frame of the shell's says anything the line does not.
function lineStopped(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  STOPPED.add(error);
  return error;
}

/** Whether `error` says a line was stopped before its end: by Ctrl-C, or by the bound on its synchronous work. */
export function isLineStopped(error: unknown): boolean {
  return error instanceof Error && STOPPED.has(error);
}

const INTERRUPTS = new WeakSet<Error>();

/** The error of a line Ctrl-C stopped; `piped`: a SIGINT to a piped shell, which ends the shell too (exit 130). */
export function interrupted(piped = false): Error {
  const error = lineStopped(piped ? 'interrupted (SIGINT): the line was stopped, and the piped shell ends with its applications stopped (exit 130)' : 'interrupted by Ctrl-C: the line was stopped, the shell goes on (Ctrl-C twice at an empty prompt, or q(), quits)');
  INTERRUPTS.add(error);
  return error;
}

/** Whether `error` says Ctrl-C stopped a line (which the user asked: no failed statement). */
export function isInterrupt(error: unknown): boolean {
  return error instanceof Error && INTERRUPTS.has(error);
}

/** The error of a line whose synchronous work passed `ms`, worded as otp remote words it. */
export function syncTimeout(ms: number): Error {
  return lineStopped(`evaluation stopped after ${ms} ms of synchronous work: a line of piped input may run at most that long before its first await; raise the bound with --eval-timeout MS (or OTP_EVAL_TIMEOUT)`);
}

/** Runs `fn` so that a SIGINT interrupts it, and (with `timeoutMs`) so does that long a run; the error thrown then says which (isLineStopped). `piped`: a SIGINT ends the shell. */
export function runStoppable(fn: () => void, timeoutMs: number | undefined, piped = false): void {
  const global = globalThis as unknown as Record<symbol, unknown>;
  global[JOB] = fn;
  try {
    RUN_JOB.runInThisContext({ breakOnSigint: true, ...(timeoutMs !== undefined && { timeout: timeoutMs }) });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw syncTimeout(timeoutMs!);
    if (code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw interrupted(piped);
    throw error;
  } finally {
    delete global[JOB];
  }
}

// A frame V8 prints without a function name (`at REPL3:1:7`, `at Object.<anonymous> (…)`, `at <anonymous>`).
const UNNAMED = /^\s+at (?:async )?(?:[^\s()]+:\d+:\d+|(?:\S+\.)?<anonymous>(?: \(.*\))?)$/;

/**
 * Cuts the stack of an error a line threw as node:repl does (at the lowest unnamed frame, which is the line's own,
 * and all below it), looking only above the frame of runStoppable's script. Called before the REPL prints it.
 */
export function cutLineStack(error: unknown): void {
  if (!types.isNativeError(error) || isLineStopped(error)) return;
  let stack: unknown;
  try {
    stack = error.stack;
  } catch {
    return;
  }
  if (typeof stack !== 'string') return;
  const lines = stack.split('\n');
  const first = lines.findIndex((l) => /^\s+at /.test(l));
  if (first < 0) return;
  const frames = lines.slice(first);
  const ours = frames.findIndex((f) => f.includes(`at ${BOUND_FILE}:`));
  const above = ours < 0 ? frames : frames.slice(0, ours);
  let lowest = -1;
  above.forEach((f, i) => {
    if (UNNAMED.test(f)) lowest = i;
  });
  const kept = lowest < 0 ? above : above.slice(0, lowest);
  error.stack = [...lines.slice(0, first), ...kept].join('\n');
}

/** Ctrl-C in the shell, as in Node's REPL: the first stops the running line; at an empty prompt one says how to quit and a second quits. Piped, a SIGINT ends the shell. */
export class CtrlC {
  private stopLine: (() => void) | undefined;
  private warned = false;
  /** Quits the shell (set once the REPL is up). */
  quit: () => void = () => undefined;
  /** Whether a SIGINT ended a piped shell (its exit code is then 130, as a piped otp remote's). */
  signalled = false;

  /** `piped`: the input is not a terminal, and a SIGINT ends the shell (stopping its line), as it ends a piped otp remote. */
  constructor(
    private readonly say: (line: string) => void,
    readonly piped = false,
  ) {}

  /** A line started: `stop` gives up its wait and frees the shell's process (its synchronous run, vm interrupts). */
  started(stop: () => void): void {
    this.stopLine = stop;
    this.warned = false;
  }

  /** The line `stop` was given for ended. */
  ended(stop: () => void): void {
    if (this.stopLine === stop) this.stopLine = undefined;
  }

  /**
   * A SIGINT node:vm's watchdog caught while a line ran synchronously: the process's listener never heard it. Piped,
   * it ends the shell as onSignal would (at a terminal, stopping the line was all Ctrl-C asked).
   */
  caughtDuringLine(): void {
    if (!this.piped || this.signalled) return;
    this.signalled = true;
    this.stopLine = undefined;
    this.quit();
  }

  /** The process's SIGINT listener. */
  readonly onSignal = (): void => {
    const stop = this.stopLine;
    if (this.piped) {
      if (this.signalled) return;
      this.signalled = true;
      this.stopLine = undefined;
      stop?.();
      this.quit();
      return;
    }
    if (stop !== undefined) {
      this.stopLine = undefined;
      stop();
    } else if (this.warned) {
      this.quit();
    } else {
      this.warned = true;
      this.say('(To exit, press Ctrl-C again or type q())');
    }
  };
}
