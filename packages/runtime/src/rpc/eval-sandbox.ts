// Runs evaluated code with a bound on synchronous work: the script and each timer callback it sets run
// under node:vm's timeout, so a runaway line is interrupted instead of freezing every process (and the
// ticks) of the node.
import { clearImmediate, clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from 'node:timers';
import { types } from 'node:util';
import vm from 'node:vm';
import type { EvalSession, SessionLine } from './eval-session.js';

/** Why an evaluation was stopped: too long without awaiting, or an awaited promise that did not settle in time. */
export class EvalStopped extends Error {
  constructor(
    readonly code: 'evalTimeout' | 'evalAwaitTimeout' | 'evalInterrupted',
    message: string,
  ) {
    super(message);
    this.name = 'EvalStopped';
  }
}

/** The two bounds of an evaluation, in milliseconds. */
export interface EvalBounds {
  timeoutMs: number;
  awaitTimeoutMs: number;
}

const JOB = Symbol.for('otp-ts.evalJob');
const ARGS = Symbol.for('otp-ts.evalArgs');
const RUN_JOB = new vm.Script(`globalThis[Symbol.for('otp-ts.evalJob')]()`, { filename: 'otp-eval-timer' });
type Global = Record<symbol, unknown>;

function isScriptTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

function syncStopped(ms: number): EvalStopped {
  return new EvalStopped('evalTimeout', `evaluation stopped after ${ms} ms of synchronous work: code evaluated on a node may run at most that long before its first await (and in each timer callback); raise the bound with --eval-timeout MS (or OTP_EVAL_TIMEOUT)`);
}

/** The error of a line its remote shell interrupted (Ctrl-C at otp remote, a shell that ended while the line ran). */
export function evalInterrupted(): EvalStopped {
  return new EvalStopped('evalInterrupted', 'interrupted: the line was stopped on the node (its timers cleared, its helpers refused); the shell goes on');
}

function awaitStopped(ms: number): EvalStopped {
  return new EvalStopped('evalAwaitTimeout', `evaluation gave no result within ${ms} ms: an awaited promise has not settled (the node is unaffected); raise the wait with --eval-await-timeout MS (or OTP_EVAL_AWAIT_TIMEOUT)`);
}

// Where statements of `source` may end, last first: after each semicolon or closing brace outside brackets,
// strings and comments (`for (…) { … } total`, `const o = {…}\no.a`). A rough scan: a wrong guess only fails to
// compile as `return (rest)` and the next one is tried.
function statementEnds(source: string): number[] {
  let depth = 0;
  const ends: number[] = [];
  const last = source.trimEnd().length;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i++; i < source.length && source[i] !== ch; i++) if (source[i] === '\\') i++;
    } else if (ch === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (ch === '/' && source[i + 1] === '*') {
      i = source.indexOf('*/', i + 2);
      if (i < 0) return [];
      i++;
    } else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) {
      depth--;
      if (ch === '}' && depth === 0 && i + 1 < last) ends.push(i + 1);
    } else if (ch === ';' && depth === 0 && i + 1 < last) ends.push(i + 1);
  }
  return ends.reverse().slice(0, 20);
}

// An async function of the scope's names, called at once with their values: an expression first
// (`1 + 1`, `whereis('x')`), then statements answering their last expression, as a REPL does
// (`send(self(), 1); flush()`), then the text as statements (`const a = 1; return a`).
function compile(source: string, names: string[]): vm.Script {
  return compileLine(source, (body) => `(async function (${names.join(', ')}) {${body}\n}).apply(undefined, globalThis[Symbol.for('otp-ts.evalArgs')])`, false, names);
}

/**
 * The script of a line, its text made the body of an async function by `wrap`: an expression first unless the line
 * declares names (`function f() {}` declares f, as a statement), then statements answering their last expression,
 * then the text as statements. A line that does not parse is a SyntaxError saying why, in the user's terms.
 */
export function compileLine(source: string, wrap: (body: string) => string, declares = false, params: string[] = []): vm.Script {
  // Dynamic import() needs the main context's loader; asked for only when used (Node 20 warns it is experimental).
  const options = /\bimport\s*\(/.test(source) && vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { filename: 'eval', importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : { filename: 'eval' };
  const text = source.replace(/[\s;]+$/, '');
  // A line that declares keeps its declarations statements: `function f() {}` last is not answered as an expression.
  const ends = statementEnds(text)
    .filter((at) => !declares || !/^\s*(?:async\s+)?(?:function|class)\b/.test(text.slice(at)))
    .map((at) => `${text.slice(0, at)}\n${answering(text.slice(at))}`);
  const forms = declares ? ends : [answering(text), ...ends];
  for (const form of forms) {
    try {
      return new vm.Script(wrap(form), options);
    } catch {
      // not this form: try the next
    }
  }
  try {
    return new vm.Script(wrap(source), options);
  } catch (error) {
    throw error instanceof SyntaxError ? userSyntaxError(source, params) : error;
  }
}

// A syntax error as the user's text causes it: parsed without the wrapper's closing brace, an unfinished line
// (`foo(`) is 'Unexpected end of input', not an 'Unexpected token }' the user never typed.
function userSyntaxError(source: string, params: string[]): SyntaxError {
  try {
    new vm.Script(`(async function (${params.join(', ')}) {${source}\n`);
  } catch (error) {
    if (error instanceof SyntaxError) return new CodeDoesNotParse(`the code does not parse: ${error.message}${importHint(source, error.message)}`);
  }
  return new CodeDoesNotParse('the code does not parse');
}

// An import statement cannot run in a line (a line is no module), as in node's REPL: the hint says the import() to write.
function importHint(source: string, message: string): string {
  if (!/import statement/.test(message)) return '';
  const found = /^\s*import\s+(?:(\*\s+as\s+[\w$]+)|(\{[^}]*\})|([\w$]+))\s+from\s+(['"][^'"]+['"])/m.exec(source);
  if (found === null) return "; a line is not a module: use import() instead, e.g. const { join } = await import('node:path')";
  const [, star, named, def, from] = found;
  const binding = star !== undefined ? star.replace(/^\*\s+as\s+/, '') : named !== undefined ? named.replace(/\s+as\s+/g, ': ') : `{ default: ${def} }`;
  return `; a line is not a module: use import() instead, const ${binding} = await import(${from})`;
}

// The line's answer returned boxed: an async function's return reads a value's `then` (to adopt a promise), which throws
// for a revoked Proxy and would fail the line; the box is opened with answerOf, which reads `then` itself, guarded.
const ANSWER = Symbol.for('otp-ts.evalAnswer');
const answering = (expression: string): string => `return { [Symbol.for('otp-ts.evalAnswer')]: (${expression}\n) };`;

// The answer `returned` boxes (a line of statements only answers what it returns, unboxed), a promise it answers
// adopted, as `await` would; a value whose `then` cannot be read (a revoked Proxy) is an answer as it is.
function answerOf(returned: unknown): Promise<{ value: unknown }> {
  const value = typeof returned === 'object' && returned !== null && !types.isProxy(returned) && Object.hasOwn(returned, ANSWER) ? (returned as Record<symbol, unknown>)[ANSWER] : returned;
  let then: unknown;
  try {
    then = (typeof value === 'object' && value !== null) || typeof value === 'function' ? (value as { then?: unknown }).then : undefined;
  } catch {
    then = undefined;
  }
  return typeof then === 'function' ? Promise.resolve(value).then((settled) => ({ value: settled })) : Promise.resolve({ value });
}

/** Code given to evaluate that does not parse: the caller's input to fix, as against code that ran and threw (a SyntaxError too, e.g. JSON.parse's). */
export class CodeDoesNotParse extends SyntaxError {}

// Runs fn under the bound, as a script of its own; false when the bound stopped it.
function runBounded(fn: () => void, timeoutMs: number): boolean {
  (globalThis as Global)[JOB] = fn;
  try {
    RUN_JOB.runInThisContext({ timeout: timeoutMs });
    return true;
  } catch (error) {
    if (!isScriptTimeout(error)) throw error;
    return false;
  } finally {
    delete (globalThis as Global)[JOB];
  }
}

/** Runs `format` (the inspect of an evaluation's answer) under the bound; EvalStopped when it runs past it. */
export function formatBounded(format: () => string, timeoutMs: number): string {
  let text = '';
  if (runBounded(() => (text = format()), timeoutMs)) return text;
  throw new EvalStopped('evalTimeout', `printing the answer was stopped after ${timeoutMs} ms: its inspect (a custom one, or a proxy's traps) ran that long without giving the node back; raise the bound with --eval-timeout MS (or OTP_EVAL_TIMEOUT)`);
}

// The longest delay Node's timers take: above it (24.8 days) they fire after 1 ms, with only a warning on the node's stderr.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** A timer of evaluated code longer than Node's timers go: it waits in steps of at most MAX_DELAY_MS. */
class LongTimer {
  private timer: NodeJS.Timeout;
  private referenced = true;

  constructor(
    private readonly fire: () => void,
    private readonly ms: number,
    private readonly repeat: boolean,
  ) {
    this.timer = this.wait(ms);
  }

  private wait(left: number): NodeJS.Timeout {
    const step = Math.min(left, MAX_DELAY_MS);
    const t = setTimeout(() => {
      if (left > step) this.timer = this.wait(left - step);
      else {
        if (this.repeat) this.timer = this.wait(this.ms);
        this.fire();
      }
    }, step);
    if (!this.referenced) t.unref();
    return t;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
  ref(): this {
    this.referenced = true;
    this.timer.ref();
    return this;
  }
  unref(): this {
    this.referenced = false;
    this.timer.unref();
    return this;
  }
  hasRef(): boolean {
    return this.referenced;
  }
}

// setTimeout, setInterval and setImmediate whose callbacks run under the bound, delays past 24.8 days included (Node
// would run those at once); `stopped` hears of a callback that passed the bound. The clear functions take both kinds.
// Once `signal` aborts (the line was interrupted), every timer the line set is cleared and a new one is refused.
function boundedTimers(timeoutMs: number, stopped: () => void, signal?: AbortSignal): Record<string, unknown> {
  type Callback = (...args: unknown[]) => unknown;
  // Each live timer of the line, with how it is cleared.
  const live = new Map<unknown, () => void>();
  const job = (cb: unknown, args: unknown[]): boolean => {
    if (signal?.aborted) return false;
    if (typeof cb !== 'function' || runBounded(() => void (cb as Callback)(...args), timeoutMs)) return true;
    stopped();
    return false;
  };
  const drop = (handle: unknown): void => {
    const clear = live.get(handle);
    live.delete(handle);
    if (clear) clear();
    else if (handle instanceof LongTimer) handle.clear();
    else clearTimeout(handle as NodeJS.Timeout);
  };
  signal?.addEventListener('abort', () => [...live.keys()].forEach(drop), { once: true });
  const refuseIfStopped = (): void => {
    if (signal?.aborted) throw evalInterrupted();
  };
  return {
    setTimeout: (cb: unknown, ms?: number, ...args: unknown[]) => {
      refuseIfStopped();
      const fire = (): void => {
        live.delete(handle);
        job(cb, args);
      };
      const handle: LongTimer | NodeJS.Timeout = Number(ms) > MAX_DELAY_MS ? new LongTimer(fire, Number(ms), false) : setTimeout(fire, ms);
      live.set(handle, () => (handle instanceof LongTimer ? handle.clear() : clearTimeout(handle)));
      return handle;
    },
    setImmediate: (cb: unknown, ...args: unknown[]) => {
      refuseIfStopped();
      const handle: NodeJS.Immediate = setImmediate(() => {
        live.delete(handle);
        job(cb, args);
      });
      live.set(handle, () => clearImmediate(handle));
      return handle;
    },
    setInterval: (cb: unknown, ms?: number, ...args: unknown[]) => {
      refuseIfStopped();
      if (Number(ms) > MAX_DELAY_MS) {
        const long: LongTimer = new LongTimer(() => job(cb, args) || drop(long), Number(ms), true);
        live.set(long, () => long.clear());
        return long;
      }
      const handle: NodeJS.Timeout = setInterval(() => job(cb, args) || drop(handle), ms);
      live.set(handle, () => clearInterval(handle));
      return handle;
    },
    clearTimeout: drop,
    clearInterval: drop,
    clearImmediate: drop,
  };
}

/**
 * Evaluates `source` with `scope`'s names in scope; resolves to its value, boxed (any value, a revoked Proxy too). Rejects with EvalStopped when
 * its synchronous run up to its first await, or a timer callback it set, passes `timeoutMs`, or when its
 * result takes longer than `awaitTimeoutMs`. The code after an await runs as the node's other code does:
 * node:vm cannot interrupt a promise continuation without corrupting Node's async context (see docs/tracing.md).
 * With a `session`, the line's top-level declarations outlive it, for the session's next lines. When `signal` aborts
 * (the line was interrupted), it rejects with EvalStopped 'evalInterrupted' and the line's timers are cleared.
 */
export function runSandboxed(source: string, scope: Record<string, unknown>, bounds: EvalBounds, session?: EvalSession, signal?: AbortSignal): Promise<{ value: unknown }> {
  return new Promise((resolve, reject) => {
    let done = false;
    const end = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(waited);
      settle();
    };
    const waited = setTimeout(() => end(() => reject(awaitStopped(bounds.awaitTimeoutMs))), bounds.awaitTimeoutMs);
    waited.unref();
    signal?.addEventListener('abort', () => end(() => reject(evalInterrupted())), { once: true });
    const all: Record<string, unknown> = { ...scope, ...boundedTimers(bounds.timeoutMs, () => end(() => reject(syncStopped(bounds.timeoutMs))), signal) };
    const names = Object.keys(all).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
    let result: Promise<unknown>;
    let line: SessionLine | undefined;
    try {
      line = session?.line(source, all, (text, wrap, declares) => compileLine(text, wrap, declares));
      const script = line?.script ?? compile(source, names);
      (globalThis as Global)[ARGS] = line?.args ?? names.map((n) => all[n]);
      result = script.runInThisContext({ timeout: bounds.timeoutMs }) as Promise<unknown>;
    } catch (error) {
      line?.settled();
      end(() => reject(isScriptTimeout(error) ? syncStopped(bounds.timeoutMs) : error));
      return;
    } finally {
      delete (globalThis as Global)[ARGS];
    }
    result.then(answerOf).then(
      (answer) => end(() => resolve(answer)),
      (error: unknown) => end(() => reject(error)),
    );
    void result.catch(() => undefined).finally(() => line?.settled());
  });
}
