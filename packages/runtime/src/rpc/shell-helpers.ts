// The helpers every otp-ts shell puts in scope: `otp shell` (a REPL on the project's own node),
// `otp remote` and a release's `bin/<name> remote` (lines evaluated inside a running node). Defined once
// here, so a line typed into one gives the same answer in the others.
import { inspect } from 'node:util';
import type { OtpNode } from '../node.js';
import type { Dest, ProcessContext, ProcessFn } from '../types.js';
import type { Pid } from '../pid.js';
import { TIMEOUT } from '../messages.js';
import * as genServer from '../gen-server/index.js';
import * as application from '../application/index.js';
import { sys } from '../sys.js';
import { codeServerOf } from '../code/index.js';

/** One helper of the shells: its name, how it is called, and what it does (the table docs/shell.md shows). */
export interface ShellHelper {
  name: string;
  usage: string;
  description: string;
}

/** Every helper both shells offer, in the order `help()` lists them. */
export const SHELL_HELPERS: readonly ShellHelper[] = [
  { name: 'call', usage: 'call(server, request, timeoutMs?)', description: "gen_server call: the server's reply (server is a registered name or a pid)" },
  { name: 'cast', usage: 'cast(server, request)', description: 'gen_server cast: sends the request, answers undefined' },
  { name: 'send', usage: 'send(dest, message)', description: 'sends a message to a pid or a registered name' },
  { name: 'spawn', usage: 'spawn(fn)', description: 'starts a process running fn(ctx); answers its pid' },
  { name: 'self', usage: 'self()', description: "the pid of the process running the line (the shell's own process in otp shell)" },
  { name: 'flush', usage: 'flush()', description: "empties the mailbox of the process running the line; answers the messages it held" },
  { name: 'whereis', usage: 'whereis(name)', description: 'the pid registered under name, or undefined' },
  { name: 'processInfo', usage: 'processInfo(pid)', description: "a process's status, message queue length, links and monitors" },
  { name: 'processes', usage: 'processes()', description: 'the pids of every process of the node' },
  { name: 'sys', usage: "sys.getState(server) …", description: "the sys module (getState, getStatus, suspend, resume, replaceState, statistics, trace, …); the ctx argument may be left out" },
  { name: 'application', usage: "application.whichApplications() …", description: 'the application module (start, stop, whichApplications, getEnv, setEnv, …); the ctx argument may be left out' },
  { name: 'mod', usage: "mod('app/module')", description: "a loaded module's exports, always its newest version (Erlang's Module:Function)" },
  { name: 'code', usage: "code.versions('app/module')", description: "the code server: versions(name), loaded(), softPurge(name), purge(name)" },
  { name: 'ctx', usage: 'ctx', description: "the context of the process running the line, for the runtime API's functions that take one (genServer.call(ctx, …))" },
  { name: 'node', usage: 'node', description: 'the node itself (node.name, node.processCount, …)' },
  { name: 'help', usage: 'help()', description: 'this list' },
];

function isContext(value: unknown): value is ProcessContext {
  return typeof value === 'object' && value !== null && typeof (value as ProcessContext).self === 'function' && typeof (value as ProcessContext).receive === 'function';
}

// A module of functions taking a context first, with the context given when the caller left it out.
function bound(module: Record<string, unknown>, ctx: ProcessContext): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(module).map(([key, f]) => [key, typeof f === 'function' ? (...args: unknown[]) => (isContext(args[0]) ? (f as (...a: unknown[]) => unknown)(...args) : (f as (...a: unknown[]) => unknown)(ctx, ...args)) : f]),
  );
}

/**
 * The shells' helpers for one line, run by the process `ctx` on `node`, with the runtime's API (`api`)
 * under them: what `otp shell`, `otp remote` and `bin/<name> remote` evaluate each line with.
 */
export function shellScope(node: OtpNode, ctx: ProcessContext, api: Record<string, unknown> = {}): Record<string, unknown> {
  const code = codeServerOf(node);
  return {
    ...api,
    runtime: api,
    ctx,
    node,
    call: (server: Dest, request: unknown, timeoutMs?: number) => genServer.call(ctx, server as Pid, request as never, timeoutMs),
    cast: (server: Dest, request: unknown) => genServer.cast(ctx, server as Pid, request as never),
    send: (dest: Dest, message: unknown) => ctx.send(dest, message),
    spawn: (fn: ProcessFn) => ctx.spawn(fn),
    self: () => ctx.self(),
    flush: () => {
      const messages: unknown[] = [];
      for (let m = ctx.receiveNow(); m !== TIMEOUT; m = ctx.receiveNow()) messages.push(m);
      return messages;
    },
    whereis: (name: string) => node.whereis(name),
    processInfo: (pid: Pid) => node.processInfo(pid),
    processes: () => node.processes(),
    sys: bound(sys as unknown as Record<string, unknown>, ctx),
    application: bound(application as unknown as Record<string, unknown>, ctx),
    mod: (name: string) => code.exportsOf(name),
    code: {
      versions: (name: string) => code.versions(name),
      loaded: () => code.loaded(),
      softPurge: (name: string) => code.softPurge(name),
      purge: (name: string) => code.purge(name),
    },
    help: () => helpText(),
  };
}

// help()'s answer: one line per helper. A string's inspect would quote it, so it is returned as an object whose inspect is the text.
function helpText(): { [inspect.custom](): string } {
  const width = Math.max(...SHELL_HELPERS.map((h) => h.usage.length));
  const text = SHELL_HELPERS.map((h) => `${h.usage.padEnd(width)}  ${h.description}`).join('\n');
  return { [inspect.custom]: () => text };
}

/** How the shells print a line's value: bounded in depth and length, so a huge value never floods the terminal or crosses the wire whole. */
export function formatShellValue(value: unknown): string {
  return boundedShellText(inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 2000, breakLength: 100 }));
}

// The longest text a shell prints for one answer or error: inspect bounds strings and arrays, not a key's name, a
// symbol's description, an error's message or stack, nor an object's count of keys (each may be megabytes).
/** The most characters of one answer (or of one line's output) a shell is sent. */
export const MAX_SHELL_TEXT = 100_000;

/** TEXT cut to the shells' bound on one answer, saying how much was left out as inspect does (`... N more characters`). */
export function boundedShellText(text: string): string {
  return text.length <= MAX_SHELL_TEXT ? text : `${text.slice(0, MAX_SHELL_TEXT)}... ${text.length - MAX_SHELL_TEXT} more characters`;
}
