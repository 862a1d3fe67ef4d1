import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeReason } from '@otp-ts/runtime';
import { describeFailure, isAssertionFailure } from '../assert/failure.js';
import type { FailureInfo } from '../result.js';

/** What a test threw: `node.run` rejects with a ProcessExit whose reason is the thrown value. */
export function unwrap(e: unknown): unknown {
  return attempt(() => (e instanceof Error && e.name === 'ProcessExit' && 'reason' in e ? (e as { reason: unknown }).reason : e), e);
}

// A thrown value may be a proxy or an Error whose getters throw: reading it must never take the worker down.
function attempt<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

// A string property of a thrown value, or undefined when it is no string or its getter throws.
const readString = (e: unknown, key: 'name' | 'message' | 'stack'): string | undefined => attempt(() => {
  const v = (e as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}, undefined);

/** A thrown value's stack (runner frames dropped), else its one-line description; never throws. */
export function errorText(e: unknown): string {
  if (!attempt(() => e instanceof Error, false)) return describeReason(e);
  const stack = readString(e, 'stack');
  return stack !== undefined ? cleanStack(stack) : errorLine(e);
}

// `Name: message` of an Error, saying which part cannot be read (a getter or proxy trap of it throws).
function errorLine(e: unknown): string {
  const message = readString(e, 'message') ?? '(its message cannot be read: its getter throws)';
  return `${readString(e, 'name') ?? 'Error'}: ${message}`;
}

// The runner's own code, built (dist/) or not (src/): its frames say nothing about the test.
const here = fileURLToPath(import.meta.url);
const cut = Math.max(here.lastIndexOf(`${sep}dist${sep}`), here.lastIndexOf(`${sep}src${sep}`));
const runnerDirs = cut < 0 ? [] : ['dist', 'src'].flatMap((d) => [`${here.slice(0, cut)}${sep}${d}${sep}`, `${pathToFileURL(here.slice(0, cut)).href}/${d}/`]);
// The installed runtime's built code (its process loop, gen_server...), as a path and as a URL; its sources (src/) stay,
// so the runtime's own tests that import them still see their frames.
const runtimeDirs = ((): string[] => {
  const entry = attempt(() => fileURLToPath(import.meta.resolve('@otp-ts/runtime')), '');
  const at = entry.lastIndexOf(`${sep}dist${sep}`);
  return at < 0 ? [] : [entry.slice(0, at + 6), `${pathToFileURL(entry.slice(0, at)).href}/dist/`];
})();
const isFrame = (line: string): boolean => /^\s+at /.test(line);
// A frame of Node's internals, the runner, the installed runtime or another installed package says nothing about the test.
const isOthersFrame = (line: string): boolean =>
  isFrame(line) && (/[( ]node:/.test(line) || /[\\/]node_modules[\\/]/.test(line) || [...runnerDirs, ...runtimeDirs].some((d) => line.includes(d)));

/**
 * A stack with the user's frames only: Node's internals, the runner's, the installed runtime's and other packages'
 * (node_modules) are left out, as vitest and node:test do (an error the runner raised keeps its message alone).
 */
export function cleanStack(stack: string): string {
  return stack.split('\n').filter((l) => !isOthersFrame(l)).join('\n');
}

// The whole stack, as `FailureInfo.stack`, when the text left frames out of it.
const fullStack = (stack: string, text: string): { stack?: string } => (text === stack ? {} : { stack });

/** A thrown value (or exit reason) as failure data: assertion failures with their diff and line, errors with their stack. */
export function toFailureInfo(thrown: unknown, prefix?: string): FailureInfo {
  const e = unwrap(thrown);
  const head = prefix ? `${prefix}: ` : '';
  try {
    return describeThrown(e, head);
  } catch {
    // A getter or proxy trap of the value threw: the test still fails, with what can be read of it.
    if (!attempt(() => e instanceof Error, false)) return { message: `${head}threw ${describeReason(e)}`, text: `${head}threw ${describeReason(e)}` };
    const stack = readString(e, 'stack');
    const text = stack !== undefined ? cleanStack(stack) : `${errorLine(e)} (its stack cannot be read: its getter throws)`;
    return { message: head + errorLine(e), text: head + text, ...(stack !== undefined && fullStack(stack, text)) };
  }
}

function describeThrown(e: unknown, head: string): FailureInfo {
  if (isAssertionFailure(e)) {
    return { message: head + e.message, text: head + describeFailure(e), ...(e.diff !== undefined && { diff: e.diff }), ...(e.location && { location: e.location }) };
  }
  if (e instanceof Error) {
    const stack = e.stack ?? `${e.name}: ${e.message}`;
    const text = cleanStack(stack);
    return { message: head + `${e.name}: ${e.message}`, text: head + text, ...fullStack(stack, text) };
  }
  return { message: `${head}exited with reason ${describeReason(e)}`, text: `${head}exited with reason ${describeReason(e)}` };
}

/** A failure described by a sentence only (timeouts, dead workers). */
export function plainFailure(message: string): FailureInfo {
  return { message, text: message };
}
