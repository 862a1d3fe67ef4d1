import { types } from 'node:util';
import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';
import { CodeDoesNotParse, evalInterrupted, formatBounded, runSandboxed, type EvalBounds } from './eval-sandbox.js';
import { boundedShellText, formatShellValue, shellScope, SHELL_HELPERS } from './shell-helpers.js';
import { evalSession } from './eval-session.js';
import { lateSink, LineOutput, sessionOutput } from './eval-output.js';

export { clearEvalSession, endEvalSession, interruptEvalSession } from './eval-session.js';

export { EvalStopped } from './eval-sandbox.js';

/** The default bound on synchronous work between awaits of evaluated code, in ms (`OTP_EVAL_TIMEOUT` overrides it). */
export const DEFAULT_EVAL_TIMEOUT_MS = 1000;
/** The default wait for the result of evaluated code that awaits, in ms (`OTP_EVAL_AWAIT_TIMEOUT` overrides it). */
export const DEFAULT_EVAL_AWAIT_TIMEOUT_MS = 30_000;
const MAX_MS = 3_600_000;

/** How long evaluated code may run: `timeoutMs` of synchronous work between awaits, `awaitTimeoutMs` in all. */
export interface EvalOptions {
  timeoutMs?: number;
  awaitTimeoutMs?: number;
}

/** What a remote shell sends with each line: the bounds, and its session (the top-level declarations of its lines outlive them). */
export interface EvalLineOptions extends EvalOptions {
  session?: string;
  /** Keep what the code prints and send it back before its answer, as a session's lines do (`bin/<name> eval`); remoteAnswer or printedAnswer splits them. */
  output?: boolean;
  /** The shell's process (lateOutputReceiver) that gets what the session prints after its lines answered (a timer firing later). */
  sink?: unknown;
}

function checkedMs(value: unknown, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > MAX_MS) throw new Error(`${what} ${String(value)} is not a whole number of milliseconds between 1 and ${MAX_MS}; give e.g. ${what} 5000`);
  return n;
}

/**
 * The bounds an evaluation uses: those given (flag values, checked), else `OTP_EVAL_TIMEOUT` and
 * `OTP_EVAL_AWAIT_TIMEOUT` from `env`, else the defaults. Throws one sentence naming a bad value.
 */
export function evalBounds(given: { timeoutMs?: unknown; awaitTimeoutMs?: unknown } = {}, env: NodeJS.ProcessEnv = process.env): Required<EvalOptions> {
  return {
    timeoutMs: checkedMs(given.timeoutMs, '--eval-timeout') ?? checkedMs(env.OTP_EVAL_TIMEOUT, 'OTP_EVAL_TIMEOUT') ?? DEFAULT_EVAL_TIMEOUT_MS,
    awaitTimeoutMs: checkedMs(given.awaitTimeoutMs, '--eval-await-timeout') ?? checkedMs(env.OTP_EVAL_AWAIT_TIMEOUT, 'OTP_EVAL_AWAIT_TIMEOUT') ?? DEFAULT_EVAL_AWAIT_TIMEOUT_MS,
  };
}

/** How long a tool waits for an evaluation's answer: the node's own await bound first, then a margin for the network. */
export function evalReplyTimeout(bounds: Required<EvalOptions>): number {
  return bounds.awaitTimeoutMs + bounds.timeoutMs + 5000;
}

/**
 * Evaluates JavaScript inside a node, in a process of its own, with the shells' helpers (`call`, `whereis`,
 * `ctx`, `node`, … see shell-helpers.ts) over the runtime's API in scope (what `otp remote` and
 * `bin/<name> eval` send); returns the value formatted on the node,
 * bounded in depth and length so a huge value never crosses the wire whole. The code's synchronous work
 * is bounded (`timeoutMs`), and so is the wait for its result (`awaitTimeoutMs`): see docs/tracing.md.
 */
export async function evaluate(node: OtpNode, api: Record<string, unknown>, source: string, options: EvalLineOptions = {}): Promise<string> {
  // No code at all is the caller's input to fix, as code that does not parse is (exit 2 at the tools, not 1).
  if (typeof source !== 'string' || source.trim() === '') throw new CodeDoesNotParse('eval needs JavaScript source text, e.g. "processes().length"');
  const given = typeof options === 'object' && options !== null ? options : {};
  const bounds: EvalBounds = evalBounds(given);
  const session = typeof given.session === 'string' ? evalSession(node, given.session) : undefined;
  // In a remote shell's session, q(), quit() and exit() inside any statement (`if (done) q()`) leave the shell: the
  // answer is marked, and the shell quits on the mark. The node keeps running.
  let quit = false;
  const leave = session ? { q: () => void (quit = true), quit: () => void (quit = true), exit: () => void (quit = true) } : {};
  // The evaluating process catches what the code throws: a typo at a remote prompt is an answer, not a crash report.
  // A session's line can be interrupted from its shell (Ctrl-C): its result rejects, its timers go, its helpers refuse.
  const run = session?.started();
  // What a session's line prints goes back to its shell with the answer (docs/shell.md), as io:format's in erl's remote shell.
  // So does a one-off evaluation that asks (bin/<name> eval): what it prints shows at the caller, not on the node.
  const output = session ? sessionOutput(session) : given.output === true ? new LineOutput() : undefined;
  // What the session prints after this line answered goes to its shell's process, while the shell is there.
  if (session && given.sink !== undefined) output?.follow(lateSink(node, given.sink));
  output?.start();
  const outcome = await node.run(async (ctx: ProcessContext) => {
    try {
      const scope = refusedOnceStopped(shellScope(node, ctx, api), run?.signal);
      return await runSandboxed(source, { ...scope, ...leave, ...guardedGlobals(node, output) }, bounds, session, run?.signal);
    } catch (error) {
      return { error };
    }
  }).finally(() => run?.done());
  try {
    if ('error' in outcome) {
      // A line that printed, or called q(), and then threw: its answer is marked as an error, said after its output.
      if (quit || output?.printed()) return `${printedBy(output)}${quit ? QUIT_MARK : ''}${ERROR_MARK}${thrownText(outcome.error)}`;
      // A thrown non-Error (`throw { code: 1 }`) says its value, not [object Object], as otp shell says it.
      throw isError(outcome.error) ? boundedError(outcome.error) : new Error(thrownText(outcome.error));
    }
    // The answer's own inspect (a custom one, a proxy's traps) is the line's code too: bounded as the line is.
    const text = formatBounded(() => formatShellValue(outcome.value), bounds.timeoutMs);
    return `${printedBy(output)}${quit ? QUIT_MARK : ''}${text}`;
  } catch (error) {
    if (!output?.printed()) throw error;
    return `${printedBy(output)}${quit ? QUIT_MARK : ''}${ERROR_MARK}${thrownText(error)}`;
  } finally {
    output?.stop();
  }
}

// Before a line's answer, what the line printed: its length, then the text (which may hold any character).
const OUTPUT_MARK = '\u0000otp-ts:output:';
function printedBy(output: LineOutput | undefined): string {
  const text = output?.text() ?? '';
  return text === '' ? '' : `${OUTPUT_MARK}${text.length}\u0000${text}`;
}

// The shell helpers of `scope` (call, send, flush, …), each refusing once `signal` aborted: a loop of an interrupted
// line that keeps calling them (`for (;;) await call(…)`) is stopped at its next call.
function refusedOnceStopped(scope: Record<string, unknown>, signal: AbortSignal | undefined): Record<string, unknown> {
  if (signal === undefined) return scope;
  const guarded = { ...scope };
  for (const { name } of SHELL_HELPERS) {
    const helper = scope[name];
    if (typeof helper !== 'function') continue;
    guarded[name] = (...args: unknown[]): unknown => {
      if (signal.aborted) throw evalInterrupted();
      return (helper as (...a: unknown[]) => unknown)(...args);
    };
  }
  return guarded;
}

// Before the answer of a line that called q(): no printed value starts with a NUL (inspect quotes strings).
const QUIT_MARK = '\u0000otp-ts:quit\u0000';
// After the quit mark, the error of a line that called q() and then threw.
const ERROR_MARK = '\u0000otp-ts:error\u0000';

// What a remote shell prints after `** ` for a thrown value: an Error's message, a string as it is, any other value formatted.
function thrownText(thrown: unknown): string {
  return isError(thrown) ? boundedShellText(thrown.message) : typeof thrown === 'string' ? boundedShellText(thrown) : formatShellValue(thrown);
}
// A thrown error whose message is past the shells' bound crosses the wire cut to it (its kind kept), not whole.
function boundedError(error: Error): Error {
  const message = boundedShellText(error.message);
  if (message === error.message) return error;
  return error instanceof CodeDoesNotParse ? new CodeDoesNotParse(message) : new Error(message);
}
// An Error of any realm (a line's code may make its own).
const isError = (thrown: unknown): thrown is Error => thrown instanceof Error || types.isNativeError(thrown);
// Comments and blanks before a line's first word.
const LEADING_COMMENTS = /^(?:\s+|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * What a remote shell does with the answer of `statement`: the text to print (none for a declaration, a comment or an
 * empty statement (`;`) answering undefined, as otp shell prints none), whether the line called q(), quit() or exit() to leave, and
 * whether it failed after calling one (`q(); throw 1`), which a piped shell counts as a failed line.
 */
export function remoteAnswer(statement: string, answer: unknown): { output?: string; text?: string; quit: boolean; failed?: boolean } {
  const printed = printedAnswer(answer);
  const said = printed.output === undefined ? {} : { output: printed.output };
  let text = printed.text;
  const quit = text.startsWith(QUIT_MARK);
  if (quit) text = text.slice(QUIT_MARK.length);
  if (text.startsWith(ERROR_MARK)) return { ...said, text: `** ${text.slice(ERROR_MARK.length)}`, quit, failed: true };
  const rest = statement.replace(LEADING_COMMENTS, '');
  const silent = text === 'undefined' && (/^[;\s]*$/.test(rest) || /^(?:const|let|var|class|function|async\s+function)(?![\p{ID_Continue}$])/u.test(rest));
  return silent || (quit && text === 'undefined') ? { ...said, quit } : { ...said, text, quit };
}

/**
 * An evaluation's answer split in two: what the code printed (as a shell writes it, ending in a newline; none when it
 * printed nothing), and the answer's own text after it (`evaluate` with `output` or a session puts both in one string).
 */
export function printedAnswer(answer: unknown): { output?: string; text: string } {
  const text = typeof answer === 'string' ? answer : String(answer);
  const cut = text.startsWith(OUTPUT_MARK) ? text.indexOf('\u0000', OUTPUT_MARK.length) : -1;
  const length = cut > OUTPUT_MARK.length ? Number(text.slice(OUTPUT_MARK.length, cut)) : NaN;
  if (!Number.isInteger(length) || length < 0) return { text };
  return { ...printedLine(text.slice(cut + 1, cut + 1 + length)), text: text.slice(cut + 1 + length) };
}

/** The text of an answer of `printedAnswer` that is a thrown error's (the code printed, then threw), or undefined. */
export function thrownAfterPrinting(text: string): string | undefined {
  const rest = text.startsWith(QUIT_MARK) ? text.slice(QUIT_MARK.length) : text;
  return rest.startsWith(ERROR_MARK) ? rest.slice(ERROR_MARK.length) : undefined;
}

// What a line printed, as the shell writes it: ending in a newline, so the answer after it has its own line.
function printedLine(output: string | undefined): { output?: string } {
  return output === undefined || output === '' ? {} : { output: output.endsWith('\n') ? output : `${output}\n` };
}

// `process`, `globalThis` and `global` as evaluated code sees them: the node's own, but the process guarded, also when
// reached through the global object (`globalThis.process.exit()`). A seatbelt, not a sandbox: a line that imports
// node:process, or builds a function in the global scope, reaches the unguarded process (docs/shell.md says so).
// With a session's `output`, `console` and process.stdout and stderr are the session's, which the shell shows.
function guardedGlobals(node: OtpNode, output?: LineOutput): { process: NodeJS.Process; globalThis: typeof globalThis; global: typeof globalThis; console?: Console } {
  const guarded = guardedProcess(node, output);
  const world = new Proxy(globalThis, {
    get: (target, key) => (key === 'process' ? guarded : key === 'console' && output ? output.console : Reflect.get(target, key, target)),
  });
  return { process: guarded, globalThis: world, global: world, ...(output && { console: output.console }) };
}

// `process` as evaluated code sees it: the node's own, but exit() and abort(), which would stop the node rather than
// leave the shell (as they do in node's REPL), refuse in one sentence; so does a kill() of the node's own process.
function guardedProcess(node: OtpNode, output?: LineOutput): NodeJS.Process {
  const refuse = (what: string): Error => new Error(`${what} would stop the node ${node.name} itself, not leave this shell: q() leaves the shell (the node keeps running); stop the node with its release's bin/<name> stop`);
  const own = (pid: unknown): boolean => Number(pid) === process.pid || Number(pid) === 0;
  const guards: Record<string, unknown> = {
    exit: () => {
      throw refuse('process.exit()');
    },
    reallyExit: () => {
      throw refuse('process.reallyExit()');
    },
    abort: () => {
      throw refuse('process.abort()');
    },
    kill: (pid: number, signal?: string | number) => {
      if (own(pid)) throw refuse(`process.kill(${String(pid)})`);
      return process.kill(pid, signal);
    },
  };
  if (output) Object.assign(guards, { stdout: output.stdout, stderr: output.stderr });
  return new Proxy(process, {
    get(target, key) {
      if (typeof key === 'string' && key in guards) return guards[key];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
