import type { ProcessContext } from './types.js';
import { RuntimeError } from './errors.js';
import { formatValue } from './logger.js';
import { genCall, type ServerRef } from './gen/call.js';
import { SystemMessage, type From, type SystemRequest } from './gen/messages.js';

// A sys request's message (one function for every request, not a closure over each).
function systemMessage(from: From, req: unknown): SystemMessage {
  return new SystemMessage(from, req as SystemRequest);
}
import { SysFailure, SysLog, SysState, type DebugFun, type DebugOption, type Statistics, type SysEvent, type SysEventKind, type SysStatus } from './gen/sys-handler.js';
import { SpecialProcess, type SpecialModule } from './gen/special.js';

const SYS_TIMEOUT = 5000;

async function request(ctx: ProcessContext, server: ServerRef, req: SystemRequest, timeoutMs = SYS_TIMEOUT): Promise<unknown> {
  const answer = await genCall(ctx, server, systemMessage, req, timeoutMs);
  if (answer instanceof SysFailure) throw answer.error;
  return answer instanceof SysState ? answer.value : answer;
}

// A flag the process would read as something else ('false' is truthy: trace would go on) is refused before any request.
function checkFlag(call: string, flag: unknown, expected: string): void {
  if (typeof flag === 'boolean' || (call === 'statistics' && flag === 'get')) return;
  throw new RuntimeError('badarg', `sys.${call} takes ${expected}, got ${formatValue(flag, 100)}; nothing was changed`);
}

// A sys.log flag the process could not read (OTP's print, a string, an object without max) is refused before any request.
function checkLogFlag(flag: unknown): void {
  if (typeof flag === 'boolean' || (typeof flag === 'object' && flag !== null && 'max' in flag)) return;
  const hint = flag === 'print' ? " (OTP's print: print what sys.getLog returns)" : flag === 'get' ? ' (sys.getLog reads the log)' : '';
  throw new RuntimeError('badarg', `sys.log takes true, false or { max: n }, got ${formatValue(flag, 100)}${hint}; nothing was changed`);
}

/** What `sys.log` sets: on (keeping the last 10 events, or the bound it had), on with a bound, or off (the log is dropped). */
export type LogFlag = boolean | { max: number };

/** OTP's sys module: inspect and steer any behaviour process (gen_server, supervisor, gen_statem, gen_event). */
export const sys = {
  /** The process's state. */
  getState: <S = unknown>(ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<S> => request(ctx, server, { type: 'getState' }, timeoutMs) as Promise<S>,
  /** Replaces the state with `fn(state)` and returns the new state; an async `fn` is awaited in the process; if it throws or rejects, the state is kept and the error rethrown here. */
  replaceState: <S = unknown>(ctx: ProcessContext, server: ServerRef, fn: (state: S) => S | PromiseLike<S>, timeoutMs?: number): Promise<S> =>
    request(ctx, server, { type: 'replaceState', fn: fn as (s: unknown) => unknown }, timeoutMs) as Promise<S>,
  /** Behaviour, module, parent, running/suspended and the state shaped by formatStatus. */
  getStatus: (ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<SysStatus> => request(ctx, server, { type: 'getStatus' }, timeoutMs) as Promise<SysStatus>,
  /** Suspends the process: it answers only system messages until resumed; other messages wait in its mailbox. */
  suspend: async (ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'suspend' }, timeoutMs);
  },
  /** Resumes a suspended process. */
  resume: async (ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'resume' }, timeoutMs);
  },
  /**
   * Orders the process to terminate with `reason` (OTP's sys:terminate): its terminate callback runs and it
   * exits with `reason`. Returns once the order is taken, not when the process is gone (use the behaviour's
   * `stop` to wait); throws `CallError` noproc if it does not exist, timeout if it does not answer in time.
   */
  terminate: async (ctx: ProcessContext, server: ServerRef, reason: unknown, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'terminate', reason }, timeoutMs);
  },
  /** In a suspended process, swaps in `module` (or keeps its own when undefined) and runs its codeChange(oldVsn, state, extra); throws RuntimeError undef, changing nothing, when there is no codeChange (OTP's undef). */
  changeCode: async (ctx: ProcessContext, server: ServerRef, module: unknown, oldVsn: unknown, extra?: unknown, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'changeCode', module, oldVsn, extra, required: true }, timeoutMs);
  },
  /** Switches statistics on (true; counting already on goes on from where it is, as in OTP) or off (false), or reads them ('get'); null when off. */
  statistics: async (ctx: ProcessContext, server: ServerRef, flag: boolean | 'get', timeoutMs?: number): Promise<Statistics | null> => {
    checkFlag('statistics', flag, "true, false or 'get'");
    return request(ctx, server, { type: 'statistics', flag }, timeoutMs) as Promise<Statistics | null>;
  },
  /** Makes the calling plain process speak sys (OTP's special process), so upgrades suspend and migrate it: its loop hands each message to `handleSystem` first. */
  special: <S, M extends SpecialModule<S>>(ctx: ProcessContext, module: M, state: S): SpecialProcess<S, M> => new SpecialProcess(ctx, module, state),
  /** Prints the process's events (calls, casts, replies, messages) to stdout as `*DBG*` lines while on. */
  trace: async (ctx: ProcessContext, server: ServerRef, flag: boolean, timeoutMs?: number): Promise<void> => {
    checkFlag('trace', flag, 'true or false');
    await request(ctx, server, { type: 'trace', flag }, timeoutMs);
  },
  /** Keeps the process's last events (10, or `{ max }`) while on, as OTP's sys:log; `false` drops the log. */
  log: async (ctx: ProcessContext, server: ServerRef, flag: LogFlag, timeoutMs?: number): Promise<void> => {
    checkLogFlag(flag);
    await request(ctx, server, { type: 'log', flag }, timeoutMs);
  },
  /** Appends each event to `file` as a `*DBG*` line, as trace prints it (OTP's sys:log_to_file); the file is emptied first; `false` stops. */
  logToFile: async (ctx: ProcessContext, server: ServerRef, file: string | false, timeoutMs?: number): Promise<void> => {
    if (file !== false && (typeof file !== 'string' || file === '')) {
      throw new RuntimeError('badarg', `sys.logToFile takes a file name or false, got ${formatValue(file, 100)}; nothing was changed`);
    }
    await request(ctx, server, { type: 'logToFile', file }, timeoutMs);
  },
  /** The events the log holds, oldest first (OTP's sys:get_log); empty when logging is off. */
  getLog: async (ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<SysEvent[]> => {
    const answer = await request(ctx, server, { type: 'log', flag: 'get' }, timeoutMs);
    return answer instanceof SysLog ? answer.events : (answer as SysEvent[]);
  },
  /**
   * Installs a debug function in the process (OTP's sys:install): `fn(funState, event, procState)` runs on each
   * event and returns its next state, or `'done'` to remove itself. `id` (default: `fn`) names it for `remove`;
   * installing under a taken id replaces that function. Local processes only (a function cannot cross nodes).
   */
  install: async <F>(ctx: ProcessContext, server: ServerRef, fn: DebugFun<F>, funState: F, options?: { id?: unknown; timeoutMs?: number }): Promise<void> => {
    await request(ctx, server, { type: 'install', id: options?.id ?? fn, fn: fn as DebugFun<unknown>, state: funState }, options?.timeoutMs);
  },
  /** Removes the debug function installed under `id` (the function itself when installed without an id); nothing if none is. */
  remove: async (ctx: ProcessContext, server: ServerRef, id: unknown, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'remove', id }, timeoutMs);
  },
  /** Turns every debug option off: trace, log, statistics and installed functions (OTP's sys:no_debug). */
  noDebug: async (ctx: ProcessContext, server: ServerRef, timeoutMs?: number): Promise<void> => {
    await request(ctx, server, { type: 'noDebug' }, timeoutMs);
  },
};

export type { Statistics, SysStatus, SpecialModule, SpecialProcess, SysEvent, SysEventKind, DebugFun, DebugOption };
