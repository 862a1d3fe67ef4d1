import { clearTimeout, setTimeout } from 'node:timers';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { genMultiCall } from '../gen/call.js';
import { CallError } from '../gen/errors.js';
import { From, SystemMessage, type SystemRequest } from '../gen/messages.js';
import { SysFailure, callbackModulesOf, isSysSuspended, migratedState, sysTargetOf, type CodeChange, type SysTarget } from '../gen/sys-handler.js';
import { isThenable } from '../gen/attempt.js';
import { describeReason } from '../errors.js';
import type { ExitReason } from '../messages.js';
import type { ProcessImpl } from '../process.js';
import { StateCopier, Unprotectable } from '../state-copy.js';
import { suspendAll, type Suspendable } from './suspend.js';
import { CodeError, NAMESPACE, eachUnexported, installHeld, type CodeServer } from './server.js';
import type { EachProcess } from './purge-view.js';
import { spawnedRunning } from './spawned.js';
import { changedSince, evaluateTogether } from './batch.js';
import { heldByInstall, oneAtATime, whileMoving } from './serial.js';
import { nextCallbacks, type ModuleSource, type ModuleVersion } from './module.js';

/** Options of an upgrade. */
export interface UpgradeOptions {
  /** Passed to every codeChange as `oldVsn` (default: the module's current version label; on a downgrade `{ down: <the version loaded> }`). */
  oldVsn?: unknown;
  /** Passed to every codeChange as `extra`. */
  extra?: unknown;
  /** How long a batch of suspends or codeChanges may wait for its next answer (default 5000 ms); who has not answered by then times out. */
  timeoutMs?: number;
  /** Per module name: the `oldVsn` and `extra` its processes' codeChange receive (a release's app versions). */
  perModule?: Record<string, { oldVsn?: unknown; extra?: unknown }>;
  /**
   * A downgrade (OTP's `{down, Vsn}`): each process migrates its state through the codeChange of the
   * version it is leaving, called with `oldVsn` = `{ down: <target> }`, before it is pointed at the older code.
   */
  downgrade?: boolean;
  /**
   * Modules the upgrade adds (a release's new modules, or ones a downgrade brings back): evaluated with the changed
   * ones, which may import them, and made current in the same turn as those, purging any old version they replace
   * (unless it is the very code added: that version, which a delete left old, becomes current again).
   */
  added?: ModuleSource[];
}

/** What an upgrade did. */
export interface UpgradeReport {
  /** The modules loaded, with their old and new version labels. */
  modules: Array<{ name: string; from: string | undefined; to: string }>;
  /** The behaviour processes whose state went through codeChange. */
  processes: Pid[];
  /** How many processes were killed because they still ran code purged by the load. */
  purged: number;
  /** Those processes: each one's pid and the module whose purged version it ran (OTP's release_handler names them too). */
  killed: Array<{ pid: Pid; module: string }>;
  /**
   * The processes no upgrade can migrate, left on the old code: each runs callbacks a changed module's code made at run
   * time (a factory's object, an instance of a class it does not export), which no new export stands for. The next purge
   * of that module kills them; export the callback object or the class to have them migrated. `kind: 'supervisor'`: a
   * supervisor whose callbacks were made inline (`supervisor.startLink(ctx, { init })` in an application's start): it
   * keeps its old child specs (the new ones never apply) and no purge kills it, as it calls that code only to start.
   * `kind: 'handler'`: a gen_event manager running a handler made at run time; the next purge removes that handler, not the manager.
   */
  stranded: Stranded[];
  /** How long the affected processes stayed suspended (the first suspend to the resumes), in ms. */
  suspendedMs: number;
}

/** A process an upgrade leaves on the old code: its pid, the module whose code made its callbacks, and what it is (a supervisor keeps its old child specs, a manager's handler is removed by the next purge). */
export interface Stranded {
  pid: Pid;
  module: string;
  kind?: 'supervisor' | 'handler';
}

/** An upgrade failed and was rolled back: code and states are as before; `stage` and `module` say where. */
export class UpgradeError extends Error {
  constructor(
    /** `check`: a state could not be copied for codeChange (refused before any code was swapped). */
    readonly stage: 'evaluate' | 'suspend' | 'check' | 'codeChange',
    readonly module: string,
    message: string,
    readonly pid?: Pid,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpgradeError';
  }
}

// One process taking part: suspended once, its state copied once, restored once, whatever it runs.
interface Participant extends Suspendable {
  readonly pid: Pid;
  /** The first changed module it runs, for messages. */
  readonly module: string;
  readonly behaviour: string;
  /** A supervisor: its code change is the new module's init, which builds a new state, so nothing is copied. */
  readonly supervisor: boolean;
  /** The (first) callback module being replaced in it. */
  readonly replacing: unknown;
  /** The others being replaced (a gen_event manager may run several), null when there is one: most processes run one, and an array each was a sixth of what finding them allocated. */
  alsoReplacing: unknown[] | null;
  /** A codeChange will migrate its state (false: a gen_server whose new module has none keeps its state, uncopied). */
  migrates: boolean;
  /** The copy of the state its codeChanges work on (when `copied`); the original stays untouched for a rollback. */
  copy: unknown;
  copied: boolean;
  /** A changeCode was sent: the process may have migrated, so a rollback restores its snapshot. */
  changeSent: boolean;
  /** Its process record: its status and current function tell whether it waits at rest in its loop. */
  readonly proc: ProcessImpl;
  /** The loop of a gen_server (one callback module, not a supervisor): what a direct migration reads and sets. */
  readonly target: SysTarget | undefined;
  /** Suspended by a sys message of this upgrade: resumed by one at the end. */
  held: boolean;
  /** Migrated by the upgrading process itself, without a message (see `migrate`). */
  direct: boolean;
}

// One callback module of a participant moving to its new version.
interface Change {
  who: Participant;
  module: string;
  exportName: string;
  oldCallbacks: unknown;
  /** A namespace (the module's live export table): the exports of the version it ran, whose codeChange a downgrade runs. */
  leaving?: unknown;
}

// The callbacks a change points its process at: the new version's export, or a namespace itself (re-pointed by the swap).
function newCallbacks(c: Change, exports: Record<string, unknown>): unknown {
  return c.exportName === NAMESPACE ? c.oldCallbacks : nextCallbacks(exports[c.exportName], c.oldCallbacks);
}

// What a gen_server's loop shows as its current function while it waits for its next message (gen-server/loop.ts).
const AT_REST = new Set(['gen_server.loop', 'erlang.hibernate']);

// True when nothing but this upgrade can change the participant's state before it next yields: it waits in a
// receive (an empty mailbox, or one suspended on system messages only), in its loop rather than in a callback.
function still(p: Participant): boolean {
  const { proc, target } = p;
  if (target === undefined || proc.dead || proc.status !== 'waiting') return false;
  return p.held ? isSysSuspended(proc) : !target.suspended && proc.currentFunction !== null && AT_REST.has(proc.currentFunction);
}

// Suspends through sys each participant that is not still (busy in a callback, blocked in a call, another
// behaviour), callers before the callees they are blocked on, until the others are all still at once; from the
// third round on, all of them through sys. The still ones are migrated directly, in the turn that swaps the code.
async function suspendBusy(ctx: ProcessContext, participants: Participant[], timeoutMs: number): Promise<UpgradeError | undefined> {
  for (let round = 0; ; round++) {
    const busy = participants.filter((p) => !p.held && (round >= 2 || !still(p)));
    if (busy.length === 0) return undefined;
    for (const p of busy) p.held = true;
    const failure = await suspendAll(ctx, busy, timeoutMs, participants.filter((p) => p.held));
    if (failure === undefined) continue;
    const p = failure.target as Participant;
    return new UpgradeError('suspend', p.module, `upgrade rolled back: ${p.pid} (${p.module}) ${failure.why}`, p.pid, { cause: failure.cause });
  }
}

// True when `callbacks` is one of the callback modules being replaced in `p`.
function replaces(p: Participant, callbacks: unknown): boolean {
  return p.replacing === callbacks || (p.alsoReplacing?.includes(callbacks) ?? false);
}

// The handler object of a gen_event handler id (the handler itself, or { handler, id }).
function handlerOfId(id: unknown): unknown {
  return id !== null && typeof id === 'object' && 'handler' in id && !('handleEvent' in id) ? id.handler : id;
}

// The copy of a participant's state that its codeChanges get, in getState's shape (gen_statem: { state, data };
// gen_event: the handlers, only those being replaced copied).
function copyOf(p: Participant, copier: StateCopier): unknown {
  const state = p.state;
  if (p.behaviour === 'gen_statem') {
    const { state: s, data } = state as { state: unknown; data: unknown };
    return { state: copier.copy(s, 'state'), data: copier.copy(data, 'data') };
  }
  if (p.behaviour === 'gen_event') {
    return (state as Array<{ id: unknown; state: unknown }>).map((h) => ({ id: h.id, state: replaces(p, handlerOfId(h.id)) ? copier.copy(h.state, 'state') : h.state }));
  }
  return copier.copy(state, 'state');
}

// The check stage: every state codeChange will see is copied; one that cannot be stops the upgrade before any code is swapped.
function protectAll(code: CodeServer, participants: Participant[]): UpgradeError | undefined {
  const copier = new StateCopier((value) => code.isModuleExport(value));
  for (let i = 0; i < participants.length; i++) {
    const p = participants[i]!;
    if (p.supervisor || !p.migrates) continue;
    try {
      copier.reset();
      p.copy = copyOf(p, copier);
      p.copied = true;
    } catch (error) {
      if (!(error instanceof Unprotectable)) throw error;
      return new UpgradeError('check', p.module, `upgrade refused before any code was swapped: ${p.pid} (${p.module}): ${error.message}`, p.pid, { cause: error });
    }
  }
  return undefined;
}

// The check stage's refusal of a process whose callbacks the new version no longer exports (renamed, removed): no
// callback module would be left for it to run, and it would crash at its next message after a "successful" swap.
function lostExport(changes: readonly Change[], versions: readonly ModuleVersion[]): UpgradeError | undefined {
  // The export the change before was found to keep: most changes (a thousand servers of one module) ask the same.
  let kept: Change | undefined;
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.exportName === NAMESPACE || (kept !== undefined && c.module === kept.module && c.exportName === kept.exportName)) continue;
    const v = versions.find((x) => x.module === c.module)!;
    if (Object.hasOwn(v.exports, c.exportName) && v.exports[c.exportName] != null) {
      kept = c;
      continue;
    }
    const pid = c.who.pid;
    return new UpgradeError('check', c.module, `upgrade refused before any code was swapped: ${pid} runs the callbacks ${c.module} exports as '${c.exportName}', which ${c.module} ${v.vsn} does not export (export '${c.exportName}' from it again, or stop ${pid} before the upgrade)`, pid);
  }
  return undefined;
}

// The release handler's rehearsal, before anything is suspended: the state of each gen_server the swap turn
// will migrate directly is copied once and the copy dropped. The copier then runs for the first time on these
// very shapes outside the suspended window (its functions compiled, their inline caches filled with the states'
// shapes), and a state that cannot be copied refuses the upgrade before any process is suspended.
function rehearseCopies(code: CodeServer, participants: Participant[]): UpgradeError | undefined {
  const copier = new StateCopier((value) => code.isModuleExport(value));
  for (let i = 0; i < participants.length; i++) {
    const p = participants[i]!;
    if (!p.migrates || p.target === undefined || !still(p)) continue;
    try {
      copier.reset();
      copier.copy(p.target.getState(), 'state');
    } catch (error) {
      if (!(error instanceof Unprotectable)) throw error;
      return new UpgradeError('check', p.module, `upgrade refused before any code was swapped: ${p.pid} (${p.module}): ${error.message}`, p.pid, { cause: error });
    }
  }
  return undefined;
}

// What every process running one module's callbacks is given with its codeChange: the new callback module (by
// export name), oldVsn and extra. Worked out once per module.
interface ModuleChange {
  exports: Record<string, unknown>;
  oldVsn: unknown;
  extra: unknown;
}

function moduleChanges(versions: ModuleVersion[], previous: Map<string, { current: ModuleVersion | null }>, options: KeepingOptions): Map<string, ModuleChange> {
  const out = new Map<string, ModuleChange>();
  for (const v of versions) {
    const running = previous.get(v.module)!.current?.vsn;
    const own = options.releaseCode?.[v.module];
    let given = options.perModule?.[v.module];
    if (!options.downgrade && given && 'oldVsn' in given && running !== undefined && own !== undefined && running !== own) given = { ...given, oldVsn: running };
    // A downgrade's codeChange is told where it goes (OTP's {down, Vsn}), else it would take the version it leaves for an upgrade's.
    const oldVsn = given && 'oldVsn' in given ? given.oldVsn : (options.oldVsn ?? (options.downgrade ? { down: v.vsn } : running));
    out.set(v.module, { exports: v.exports, oldVsn, extra: given && 'extra' in given ? given.extra : options.extra });
  }
  return out;
}

// The change one process applies, written into `out`: its new callback module, oldVsn, extra, the module whose
// codeChange migrates (a downgrade: the version being left, which knows both state shapes) and the state's copy
// (else the state itself). A supervisor has no state shapes to know: the older module's init gives its child
// specs back (OTP's supervisor code_change).
function codeChangeOf(c: Change, m: ModuleChange, options: UpgradeOptions, out: CodeChange): CodeChange {
  out.to = newCallbacks(c, m.exports);
  out.from = c.oldCallbacks;
  out.via = options.downgrade && !c.who.supervisor ? (c.leaving ?? c.oldCallbacks) : c.exportName === NAMESPACE ? m.exports : undefined;
  out.oldVsn = m.oldVsn;
  out.extra = m.extra;
  out.state = c.who.copied ? c.who.copy : c.who.state;
  return out;
}

// The changeCode request of a process migrated in its own process: the same change, in one request.
function changeRequest(c: Change, m: ModuleChange, options: UpgradeOptions): SystemRequest {
  const change = codeChangeOf(c, m, options, { to: undefined, oldVsn: undefined, extra: undefined, state: undefined });
  const request: SystemRequest = { type: 'changeCode', module: change.to, oldVsn: change.oldVsn, extra: change.extra, replaces: change.from };
  if (change.via !== undefined) request.migrateWith = change.via;
  if (c.who.copied) request.state = c.who.copy;
  return request;
}

// The codeChange stage's error for change `c`: one that did not finish in time names the wait and the fix.
function changeFailed(c: Change, error: unknown, timeoutMs: number): UpgradeError {
  if (timedOut(error)) {
    return new UpgradeError('codeChange', c.module, `upgrade rolled back: codeChange of ${c.module} in ${c.who.pid} did not finish within ${timeoutMs} ms, the time an upgrade waits for each (a promise it returned that never settles, or work that long): make it return sooner, or give upgradeModules a longer timeoutMs`, c.who.pid, { cause: error });
  }
  return new UpgradeError('codeChange', c.module, `upgrade rolled back: codeChange of ${c.module} in ${c.who.pid} failed: ${whyOf(error)}`, c.who.pid, { cause: error });
}

// An async codeChange run by the upgrading process that had not settled when the wait ended.
class ChangeTimeout extends Error {}

// Whether a codeChange's failure is the upgrade's own wait ending. What a codeChange threw may be anything, a proxy
// whose every trap throws included (instanceof reads its prototype): such a value is no timeout.
function timedOut(error: unknown): boolean {
  try {
    return error instanceof ChangeTimeout || (error instanceof CallError && error.failure === 'timeout');
  } catch {
    return false;
  }
}

// What a codeChange threw, as one bounded line of the upgrade's one-sentence error: its message when it has one,
// else its description. Reading it never throws (a getter or proxy trap that throws is described instead), a
// message of many lines is joined into one, and a huge one is cut (the whole error stays the cause).
function whyOf(error: unknown): string {
  let text: string;
  try {
    const message: unknown = (error as { message?: unknown } | null | undefined)?.message;
    text = typeof message === 'string' ? message : describeReason(error as ExitReason);
  } catch {
    text = describeReason(error as ExitReason);
  }
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > WHY_CHARS ? `${line.slice(0, WHY_CHARS)}… (${line.length - WHY_CHARS} more characters)` : line;
}

// The most characters of a codeChange's error an upgrade's error quotes.
const WHY_CHARS = 2000;

// Settles every promise, or gives up on those still pending after `ms`: each outcome, undefined for those.
function settleWithin(promises: Promise<unknown>[], ms: number): Promise<Array<{ ok: boolean; value: unknown } | undefined>> {
  const out: Array<{ ok: boolean; value: unknown } | undefined> = new Array(promises.length);
  if (promises.length === 0) return Promise.resolve(out);
  let left = promises.length;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(out), ms);
    promises.forEach((promise, i) => {
      const settle = (ok: boolean) => (value: unknown) => {
        out[i] = { ok, value };
        if (--left === 0) {
          clearTimeout(timer);
          resolve(out);
        }
      };
      promise.then(settle(true), settle(false));
    });
  });
}

// Suspends, by a message it reads before any other, each participant still run in its own loop (not yet held).
function holdDirect(ctx: ProcessContext, participants: Participant[]): void {
  for (let i = 0; i < participants.length; i++) {
    const p = participants[i]!;
    if (!p.direct || p.held) continue;
    p.held = true;
    ctx.send(p.pid, new SystemMessage(new From(ctx.self(), ctx.makeRef()), { type: 'suspend' }));
  }
}

// Files the states the async codeChanges settled with; the first change (in change order) that failed, if any:
// a sent change whose process answered an error or did not answer, or an async codeChange that threw or timed out.
function firstFailure(answers: ReadonlyArray<{ ok: true; value: unknown } | { ok: false; error: unknown }>, sent: number[], settled: ReadonlyArray<{ ok: boolean; value: unknown } | undefined>, waiting: number[], states: unknown[], timeoutMs: number): { index: number; error: unknown } | undefined {
  const failures = new Map<number, unknown>();
  for (const [k, answer] of answers.entries()) {
    if (!answer.ok) failures.set(sent[k]!, answer.error);
    else if (answer.value instanceof SysFailure) failures.set(sent[k]!, answer.value.error);
  }
  for (const [k, outcome] of settled.entries()) {
    if (outcome === undefined) failures.set(waiting[k]!, new ChangeTimeout(`timed out after ${timeoutMs} ms`));
    else if (!outcome.ok) failures.set(waiting[k]!, outcome.value);
    else states[waiting[k]!] = outcome.value;
  }
  if (failures.size === 0) return undefined;
  const index = Math.min(...failures.keys());
  return { index, error: failures.get(index) };
}

/**
 * Runs every codeChange. A still participant's runs in this very turn, called by the upgrading process on the
 * copy of its state, and is applied to its loop directly: no message, no wake-up, no reply. When all of them
 * return at once (synchronous codeChanges, no other participant), the swap and the migration are one turn that
 * nothing else interleaves with, so none of them needs suspending. Otherwise (an async codeChange, a participant
 * suspended through sys) each still one is suspended by a message it reads before any other, the rest are
 * migrated in their processes in one batch, and the results are applied once every codeChange succeeded.
 */
async function migrate(ctx: ProcessContext, changes: Change[], byModule: Map<string, ModuleChange>, options: UpgradeOptions, participants: Participant[], timeoutMs: number): Promise<UpgradeError | undefined> {
  // One change record serves every direct codeChange in turn: it is read by the call, never kept.
  const scratch: CodeChange = { to: undefined, oldVsn: undefined, extra: undefined, state: undefined };
  const states: unknown[] = new Array(changes.length);
  const pending: Promise<unknown>[] = [];
  const waiting: number[] = [];
  const sent: number[] = [];
  for (let i = 0; i < changes.length; i++) {
    if (!changes[i]!.who.direct) {
      sent.push(i);
      continue;
    }
    let state: unknown;
    try {
      const c = changes[i]!;
      state = migratedState(codeChangeOf(c, byModule.get(c.module)!, options, scratch), c.oldCallbacks);
    } catch (error) {
      for (const p of pending) p.catch(() => undefined);
      return changeFailed(changes[i]!, error, timeoutMs);
    }
    if (isThenable(state)) {
      pending.push(Promise.resolve(state));
      waiting.push(i);
    } else states[i] = state;
  }
  if (sent.length > 0 || pending.length > 0) {
    holdDirect(ctx, participants);
    for (const i of sent) changes[i]!.who.changeSent = true;
    const [answers, settled] = await Promise.all([
      sent.length > 0 ? genMultiCall(ctx, sent.map((i) => changes[i]!.who.pid), (from, k) => new SystemMessage(from, changeRequest(changes[sent[k]!]!, byModule.get(changes[sent[k]!]!.module)!, options)), 'changeCode', timeoutMs) : [],
      settleWithin(pending, timeoutMs),
    ]);
    const failure = firstFailure(answers, sent, settled, waiting, states, timeoutMs);
    if (failure !== undefined) return changeFailed(changes[failure.index]!, failure.error, timeoutMs);
  }
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (!c.who.direct) continue;
    c.who.target!.setModule!(newCallbacks(c, byModule.get(c.module)!.exports));
    c.who.target!.setState(states[i]);
  }
  return undefined;
}

// Puts back the tables, then the snapshot (callback modules and the original state) of every process that was sent a
// changeCode, answered or not: requests reach a process in order, so the restore runs after its changeCode. A process
// that answers neither within the timeout is stuck in its codeChange (a promise that never settles) and would never
// serve again: it is killed, so that its supervisor restarts it on the old code (OTP's release handler restarts the
// node when a code change hangs). Resolves to the processes killed.
async function rollBack(ctx: ProcessContext, code: CodeServer, previous: Map<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, participants: Participant[], timeoutMs: number): Promise<Pid[]> {
  for (const [name, before] of previous) code.restore(name, before.current, before.old);
  // A direct migration is applied only once every codeChange succeeded: nothing of it to undo.
  const touched = participants.filter((p) => p.changeSent && ctx.isAlive(p.pid));
  const answers = await genMultiCall(ctx, touched.map((p) => p.pid), (from, i) => new SystemMessage(from, { type: 'restore', snapshot: touched[i]!.saved }), 'restore', timeoutMs);
  const stuck: Pid[] = [];
  answers.forEach((answer, i) => {
    const pid = touched[i]!.pid;
    if (answer.ok || !(answer.error instanceof CallError) || answer.error.failure !== 'timeout' || !ctx.isAlive(pid)) return;
    ctx.exit(pid, 'kill');
    stuck.push(pid);
  });
  return stuck;
}

// After a rollback: kills the processes that started on the new code while it was current (a child its supervisor
// restarted, a server a client started, during the codeChanges): they would run code the rollback unloaded, which no
// later upgrade or purge finds. Killed, they are restarted by their supervisors on the restored code. Their pids.
function killStartedOnNew(ctx: ProcessContext, code: CodeServer, loaded: readonly ModuleVersion[]): Pid[] {
  const killed: Pid[] = [];
  for (const procs of [...code.processesRunningAny(loaded).values(), ...spawnedRunning(code, loaded, (fn) => code.node.eachProcess(fn)).values()]) {
    for (const p of procs) {
      if (p.dead || p.pid === ctx.self() || killed.includes(p.pid)) continue;
      ctx.exit(p.pid, 'kill');
      killed.push(p.pid);
    }
  }
  return killed;
}

// The failure, saying which processes started on the new code the rollback killed.
function withOrphans(failure: UpgradeError, killed: readonly Pid[]): UpgradeError {
  if (killed.length === 0) return failure;
  return new UpgradeError(failure.stage, failure.module, `${failure.message}; ${killed.join(', ')} started on the new code during the upgrade and ${killed.length === 1 ? 'was' : 'were'} killed (${killed.length === 1 ? 'its supervisor restarts it' : 'their supervisors restart them'} on the old code)`, failure.pid, { cause: failure.cause });
}

// The failure, saying which processes the rollback had to kill.
function withKilled(failure: UpgradeError, killed: readonly Pid[], timeoutMs: number): UpgradeError {
  if (killed.length === 0) return failure;
  const which = killed.join(', ');
  return new UpgradeError(failure.stage, failure.module, `${failure.message}; ${which} answered neither its codeChange nor the rollback within ${timeoutMs} ms and was killed (its supervisor restarts it on the old code)`, failure.pid, { cause: failure.cause });
}

// Resumes every process a suspend was sent to, without waiting for the answers: each resumes as soon as it reads its mailbox.
function resumeAll(ctx: ProcessContext, participants: Participant[]): void {
  for (let i = 0; i < participants.length; i++) {
    const p = participants[i]!;
    if (p.held && ctx.isAlive(p.pid)) ctx.send(p.pid, new SystemMessage(new From(ctx.self(), ctx.makeRef()), { type: 'resume' }));
  }
}

// Evaluates every new version, together (each one's top level sees the batch's new versions it imports); a failure
// stops the upgrade before anything changed.
async function evaluateAll(code: CodeServer, sources: ModuleSource[]): Promise<ModuleVersion[]> {
  try {
    return await evaluateTogether(code, sources);
  } catch (error) {
    const module = error instanceof CodeError ? error.module : (sources[0]?.name ?? '');
    throw new UpgradeError('evaluate', module, `upgrade stopped before any change: ${(error as Error).message}`, undefined, { cause: error });
  }
}

// The behaviour processes running one of the changed modules as a callback module: the one their label names
// (gen_server, gen_statem, supervisor) in its current version, or any of those they list (a gen_event manager's
// handlers). One pass over the node's processes, passing over those `known` already.
function affectedBy(code: CodeServer, versions: ModuleVersion[], options: UpgradeOptions, each: EachProcess, known?: ReadonlySet<ProcessImpl>): { participants: Participant[]; changes: Change[] } {
  const next = new Map(versions.map((v) => [v.module, v]));
  const current = new Set(versions.map((v) => code.record(v.module).current));
  const participants: Participant[] = [];
  const changes: Change[] = [];
  const add = (p: ProcessImpl, callbacks: unknown, module: string, exportName: string, who: Participant | undefined): Participant => {
    if (who === undefined) {
      const behaviour = p.label?.behaviour ?? 'process';
      const target = behaviour === 'gen_server' && callbacks === p.label?.callbacks ? sysTargetOf(p) : undefined;
      // Every field set here, state and saved included, so that none is added later to a thousand records (a
      // new shape and a property store each).
      who = { pid: p.pid, state: undefined, saved: undefined, gone: false, module, behaviour, supervisor: behaviour === 'supervisor', replacing: callbacks, alsoReplacing: null, migrates: target === undefined, copy: undefined, copied: false, changeSent: false, proc: p, target, held: false, direct: false };
      participants.push(who);
    } else if (replaces(who, callbacks)) return who;
    else (who.alsoReplacing ??= []).push(callbacks);
    // The module whose codeChange migrates: the new one, or on a downgrade the one being left.
    const namespace = exportName === NAMESPACE;
    const via = options.downgrade ? callbacks : namespace ? next.get(module)!.exports : nextCallbacks(next.get(module)!.exports[exportName], callbacks);
    if (!who.migrates && (via as { codeChange?: unknown } | null)?.codeChange) who.migrates = true;
    changes.push(namespace ? { who, module, exportName, oldCallbacks: callbacks, leaving: { ...(callbacks as object) } } : { who, module, exportName, oldCallbacks: callbacks });
    return who;
  };
  each((p, found, hosts) => {
    // A process with no label runs no callback module: a census keeps it for its entry, passed over here before any lookup.
    if (p.label === null || known?.has(p)) return;
    let who: Participant | undefined;
    const callbacks = p.label.callbacks;
    // What a census found of the process, else looked up now.
    const origin = found !== undefined ? (found ?? undefined) : callbacks ? code.exportOrigin(callbacks) : undefined;
    if (origin !== undefined && current.has(origin.version)) who = add(p, callbacks, origin.version.module, origin.exportName, who);
    const hosted = hosts !== undefined ? (hosts ?? undefined) : callbackModulesOf(p);
    if (hosted === undefined) return;
    for (const handler of hosted) {
      const o = code.exportOrigin(handler);
      if (o !== undefined && next.has(o.version.module)) who = add(p, handler, o.version.module, o.exportName, who);
    }
  });
  return { participants, changes };
}

// Drops the participants that exited while being suspended (a crashing child, which its supervisor restarts: joinLate
// finds the new one): a process that is gone is no reason to roll the others back.
function dropGone(participants: Participant[], changes: Change[]): void {
  if (!participants.some((p) => p.gone)) return;
  const kept = participants.filter((p) => !p.gone);
  participants.splice(0, participants.length, ...kept);
  const live = changes.filter((c) => !c.who.gone);
  changes.splice(0, changes.length, ...live);
}

// Adds the processes that started running a changed module while the upgrade waited for its suspends (a supervisor's
// new child, a server a client started): they are suspended and migrated with the others, never left on the old code.
function joinLate(code: CodeServer, versions: ModuleVersion[], options: UpgradeOptions, participants: Participant[], changes: Change[]): void {
  // The known ones are passed over before any record is made for them: a second record of each participant (most of
  // what an upgrade of 10,000 gen_servers allocated besides their new states) went straight to the garbage.
  const known = new Set<ProcessImpl>();
  for (let i = 0; i < participants.length; i++) known.add(participants[i]!.proc);
  const now = affectedBy(code, versions, options, code.census(), known);
  for (const p of now.participants) participants.push(p);
  for (const c of now.changes) changes.push(c);
}

/**
 * Upgrades modules in a running node (ARCHITECTURE.md): evaluate every new version, suspend the
 * behaviour processes running a changed callback module, re-point the export tables, run codeChange
 * in each, resume. Suspends and codeChanges go out in batches (all sent, then all answers collected).
 * Any failure re-points the tables back, restores the states, resumes, and throws.
 */
export async function upgradeModules(ctx: ProcessContext, code: CodeServer, sources: ModuleSource[], options: UpgradeOptions = {}): Promise<UpgradeReport> {
  const held = [...(options.added ?? []), ...sources].find((s) => heldByInstall(code, s.name));
  if (held !== undefined) throw new UpgradeError('evaluate', held.name, `upgrade not started: ${installHeld(held.name, 'upgrade')}`);
  return (await upgradeKeepingStates(ctx, code, sources, options, false)).report;
}

// Marks each participant at rest in its loop as migrated directly, and takes its state now (one turn with the migration).
function takeStill(participants: Participant[]): void {
  for (let i = 0; i < participants.length; i++) {
    const p = participants[i]!;
    p.direct = still(p);
    if (p.direct) p.state = p.target!.getState();
  }
}

// Whether `v` brings back the very version a delete left old (a rollback or a downgrade adding back a module an
// upgrade removed), or is that old version itself (a release rollback's, see `revived`): that version becomes current
// again, and the processes still running it live on.
function revives(v: ModuleVersion, before: { current: ModuleVersion | null; old: ModuleVersion | null }): boolean {
  return before.old !== null && (before.old === v || (before.current === null && before.old.vsn === v.vsn));
}

// A release rollback (`revive`): each version evaluated whose code the module's old version has (the one the install it
// undoes replaced) is that old version itself, so the plain processes spawned with its functions live on; the copies
// evaluated are discarded. Resolves to the versions to install.
function revived(code: CodeServer, loaded: readonly ModuleVersion[], revive: boolean | undefined): ModuleVersion[] {
  if (!revive) return [...loaded];
  const copies: ModuleVersion[] = [];
  const out = loaded.map((v) => {
    const { current, old } = code.record(v.module);
    if (current === null || old === null || old.vsn !== v.vsn) return v;
    copies.push(v);
    return old;
  });
  code.discard(copies);
  return out;
}

// Per module loaded: the processes running the old version its install purges (none for a version it revives), in one pass.
function purgingAll(code: CodeServer, loaded: readonly ModuleVersion[], previous: ReadonlyMap<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, each: EachProcess): Map<string, ProcessImpl[]> {
  const purged = new Map<string, ModuleVersion>();
  for (const v of loaded) {
    const before = previous.get(v.module)!;
    if (before.old && !revives(v, before)) purged.set(v.module, before.old);
  }
  const running = code.processesRunningAny([...purged.values()], each);
  const spawned = spawnedRunning(code, [...purged.values()], each);
  return new Map(loaded.map((v) => [v.module, purged.has(v.module) ? [...running.get(purged.get(v.module)!)!, ...spawned.get(purged.get(v.module)!)!] : []]));
}

// The processes running callbacks the running version of a changed module made at run time (no export): the upgrade
// leaves them on that code. Found before anything is suspended, which also looks up the old versions' functions once,
// so the purge in the swap's turn finds its processes without the inspector.
function strandedBy(code: CodeServer, versions: readonly ModuleVersion[], previous: ReadonlyMap<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, each: EachProcess): Stranded[] {
  const current = versions.map((v) => previous.get(v.module)!.current).filter((v) => v !== null);
  const old = versions.map((v) => previous.get(v.module)!.old).filter((v) => v !== null);
  const running = code.madeRunning([...current, ...old], each);
  // So are the closures processes were spawned with that the old versions may have made (a purge's, spawned.ts).
  spawnedRunning(code, old, each);
  const out: Stranded[] = [];
  for (const v of current) for (const p of running.get(v)!) out.push(p.label?.behaviour === 'gen_event' ? { pid: p.pid, module: v.module, kind: 'handler' } : { pid: p.pid, module: v.module });
  return [...out, ...inlineSupervisors(code, current, each)];
}

// The supervisors whose callbacks a changed module's running version made at run time (`{ init }` inline in an
// application's start): no export of the new version stands for them, so their code change cannot run and their new
// child specs never apply (OTP runs a supervisor's code_change on its module). A purge leaves them alive (madeCallbacksOf).
function inlineSupervisors(code: CodeServer, current: readonly ModuleVersion[], each: EachProcess): Stranded[] {
  const out: Stranded[] = [];
  if (current.length === 0) return out;
  eachUnexported(each, (p) => {
    const own = p.label?.callbacks;
    if (p.label?.behaviour !== 'supervisor' || typeof own !== 'object' || own === null || code.exportOrigin(own) !== undefined) return;
    for (const v of code.makersOf(own, current)) out.push({ pid: p.pid, module: v.module, kind: 'supervisor' });
  });
  return out;
}

// Installs every new version, purging the processes still running the old one it replaces; those it killed, with the module.
function installAll(code: CodeServer, versions: readonly ModuleVersion[], purging: ReadonlyMap<string, ProcessImpl[]>, previous: ReadonlyMap<string, { current: ModuleVersion | null; old: ModuleVersion | null }>, each: EachProcess): Array<{ pid: Pid; module: string }> {
  const killed: Array<{ pid: Pid; module: string }> = [];
  for (const v of versions) {
    const before = previous.get(v.module)!;
    if (revives(v, before)) {
      code.restore(v.module, before.old, before.current);
      // The version revived runs its own top level's timers still: those of this evaluation would run a second copy.
      code.discard([v]);
      continue;
    }
    for (const p of code.install(v, purging.get(v.module)!, each)) killed.push({ pid: p.pid, module: v.module });
  }
  return killed;
}

/** Internal: an upgrade's options, with the versions a check evaluated already (of `added`, then `sources`, in order). */
export interface KeepingOptions extends UpgradeOptions {
  /** Evaluated once, by the release handler's check: a module's top level (a timer, a handler it sets) runs once per install. */
  evaluated?: readonly ModuleVersion[];
  /** A release rollback: a module's old version with the code evaluated is brought back itself, not a copy of it (see `revived`). */
  revive?: boolean;
  /**
   * Per module: the version label of the code `perModule`'s oldVsn stands for (a release's own, for its application's
   * version). A module running other code (a hot fix loaded since) is told that code's label instead, as OTP's release
   * handler tells code_change the vsn of the module loaded.
   */
  releaseCode?: Record<string, string>;
}

/**
 * Internal: `upgradeModules`, also giving (with `keep`) the state each migrated process had when it was suspended
 * (the one its codeChange migrated a copy of): the release handler's guard gives it back to a child restarted after a rollback.
 * `rehearse` (the release handler's default): copy the states once before suspending anything (rehearseCopies), which
 * shortens the suspension of a node's first upgrade at the cost of one more copy outside it.
 */
export function upgradeKeepingStates(ctx: ProcessContext, code: CodeServer, sources: ModuleSource[], options: KeepingOptions = {}, keep = true, rehearse = keep): Promise<{ report: UpgradeReport; before: Map<Pid, unknown> }> {
  const twice = givenTwice([...(options.added ?? []), ...sources]);
  if (twice) return Promise.reject(twice);
  // One upgrade at a time per code server (serial.ts): without another under way, this one starts in this very turn.
  return oneAtATime(code, () => {
    // A caller that exited while it waited has no one to suspend and resume the processes for: nothing is done.
    if (!ctx.isAlive(ctx.self())) return Promise.reject(new UpgradeError('evaluate', sources[0]?.name ?? '', `upgrade not started: ${ctx.self()}, which asked for it, exited while another upgrade ran`));
    // Marked meanwhile, so that code.purge and code.delete of a changed module refuse rather than kill what it moves.
    const names = [...(options.added ?? []), ...sources].map((s) => s.name);
    const caller = ctx.self();
    return whileMoving(code, names, () => inOwnProcess(ctx, (worker) => upgradeNow(worker, code, sources, options, keep, rehearse, caller)));
  });
}

// A module given twice (in `sources`, or in `sources` and `added`): one version of it would be installed over the
// other, the previous one purged under processes not yet migrated, and the report would name it twice.
function givenTwice(all: readonly ModuleSource[]): UpgradeError | undefined {
  const seen = new Map<string, ModuleSource>();
  for (const s of all) {
    const first = seen.get(s.name);
    const label = (x: ModuleSource): string => x.vsn ?? 'unlabelled';
    if (first) return new UpgradeError('evaluate', s.name, `upgrade not started: ${s.name} is given twice (versions ${label(first)} and ${label(s)}): give each module once, in its newest version`);
    seen.set(s.name, s);
  }
  return undefined;
}

/**
 * Runs an upgrade in a process of its own, as OTP's release handler is one: a caller killed part-way (an rpc's or an
 * eval's time bound, an interrupted shell) would otherwise never resume the processes it suspended, nor let the next
 * upgrade start. Its outcome, thrown or returned, is the caller's.
 */
async function inOwnProcess<T>(ctx: ProcessContext, work: (worker: ProcessContext) => Promise<T>): Promise<T> {
  const outcome = await ctx.node.run(async (worker): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> => {
    try {
      return { ok: true, value: await work(worker) };
    } catch (error) {
      return { ok: false, error };
    }
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

// The caller's own process among those to suspend (an upgrade asked for from a callback of a changed module): it would
// wait for its own suspend while it waits for the upgrade.
function callerRuns(participants: readonly Participant[], caller: Pid): UpgradeError | undefined {
  // A loop rather than find: a node's first upgrade runs this in the interpreter, where a call per participant costs.
  let p: Participant | undefined;
  for (let i = 0; i < participants.length && p === undefined; i++) {
    const x = participants[i]!;
    if (x.pid.id === caller.id && x.pid.node === caller.node && x.pid.serial === caller.serial) p = x;
  }
  if (p === undefined) return undefined;
  return new UpgradeError('suspend', p.module, `upgrade not started: ${caller}, which asked for it, runs ${p.module} and would wait for its own suspend: ask for the upgrade from another process (spawn one, or use the release handler)`, caller);
}

// Evaluates the new versions (unless a check did), then swaps and migrates; versions it does not install after all
// (it failed or was rolled back) have the timers their top levels started cleared.
async function upgradeNow(ctx: ProcessContext, code: CodeServer, sources: ModuleSource[], options: KeepingOptions, keep: boolean, rehearse: boolean, caller: Pid): Promise<{ report: UpgradeReport; before: Map<Pid, unknown> }> {
  // The added modules first: `versions` are the changed ones, whose processes migrate; `loaded` all of them.
  const loaded = options.evaluated ? [...options.evaluated] : await evaluateAll(code, [...(options.added ?? []), ...sources]);
  try {
    const stale = options.evaluated ? changedSince(code, loaded) : undefined;
    if (stale) {
      // Evaluated by a check before another upgrade (or a load, or a rollback) changed a module they import: their top
      // levels ran against code that is gone (a value computed by a rolled-back hot fix would be installed).
      const was = (vsn: string | undefined): string => (vsn === undefined ? 'not loaded' : `version ${vsn}`);
      throw new UpgradeError('evaluate', stale.module, `upgrade not started: ${stale.module} changed from ${was(stale.then)} to ${was(stale.now)} after this upgrade's modules, which import it, were checked (another upgrade or load ran in between): check and install again`);
    }
    return await swapAndMigrate(ctx, code, revived(code, loaded, options.revive), options, keep, rehearse, caller);
  } catch (error) {
    code.discard(loaded);
    throw error;
  }
}

// Longer than ~50 lines, on purpose: from the hold loop's last look to migrate's first await is one turn, so it stays in one function.
async function swapAndMigrate(ctx: ProcessContext, code: CodeServer, loaded: ModuleVersion[], options: KeepingOptions, keep: boolean, rehearse: boolean, caller: Pid): Promise<{ report: UpgradeReport; before: Map<Pid, unknown> }> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const added = options.added ?? [];
  const versions = loaded.slice(added.length);
  // Where the window starts when nothing yields before the migration: the scan, the swap and the migration are then
  // one turn in which no process runs, and the report counts all of it.
  const frozenAt = performance.now();
  // The processes that may run module code, in one pass: the scans below go over them (taken again after a wait).
  let each = code.census();
  const { participants, changes } = affectedBy(code, versions, options, each);
  const previous = new Map(loaded.map((v) => [v.module, code.record(v.module)]));
  const stranded = strandedBy(code, versions, previous, each);
  const lost = lostExport(changes, versions) ?? callerRuns(participants, caller);
  if (lost) throw lost;
  if (rehearse) {
    const refused = rehearseCopies(code, participants);
    if (refused) throw refused;
  }
  let failure: UpgradeError | undefined;
  let killed: Array<{ pid: Pid; module: string }> = [];
  const suspendedAt = performance.now();
  let yielded = false;
  let resumedAt: number | undefined;
  try {
    // suspendBusy's last look was a turn ago: a still participant that a message woke meanwhile is suspended like the busy.
    // When all are still and no spawned process waits to start its body (as a server a client just started does), the
    // scan, the swap and the migration are one turn that nothing joins: no wait, no second scan. A rehearsal waits one
    // turn all the same, so the processes run between it and the window it is meant to stay out of. The loop stays
    // inline: an awaited helper adds a turn between its last look and takeStill, in which a still one may wake.
    let wait = rehearse;
    while (wait || code.node.startsPending || !participants.every((p) => p.held || still(p))) {
      wait = false;
      yielded = true;
      failure = await suspendBusy(ctx, participants, timeoutMs);
      if (failure) break;
      dropGone(participants, changes);
      joinLate(code, versions, options, participants, changes);
    }
    // From here to migrate's first await (if any) is one turn: what is still now stays so.
    if (!failure) {
      takeStill(participants);
      failure = lostExport(changes, versions) ?? protectAll(code, participants);
    }
    if (!failure) {
      // The processes still running the versions the install purges, found in the turn that kills them: one spawned
      // from such a version while the upgrade waited on its suspends is killed with its version too.
      // A process spawned or labelled while the upgrade waited is in a census of this turn (the first one may miss it).
      if (yielded) each = code.census();
      killed = installAll(code, loaded, purgingAll(code, loaded, previous, each), previous, each);
      const byModule = moduleChanges(versions, previous, options);
      failure = await migrate(ctx, changes, byModule, options, participants, timeoutMs);
    }
    if (failure) failure = withOrphans(withKilled(failure, await rollBack(ctx, code, previous, participants, timeoutMs), timeoutMs), killStartedOnNew(ctx, code, loaded.filter((v) => previous.get(v.module)!.old !== v)));
  } catch (error) {
    failure = new UpgradeError('codeChange', changes[0]?.module ?? versions[0]?.module ?? '', `upgrade rolled back: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
    failure = withKilled(failure, await rollBack(ctx, code, previous, participants, timeoutMs).catch(() => []), timeoutMs);
    failure = withOrphans(failure, killStartedOnNew(ctx, code, loaded.filter((v) => previous.get(v.module)!.old !== v)));
  } finally {
    resumeAll(ctx, participants);
    resumedAt = performance.now();
  }
  if (failure) throw failure;
  const report = reportOf(loaded, previous, participants, killed, stranded, participants.length > 0 ? resumedAt! - (yielded ? suspendedAt : frozenAt) : 0);
  return { report, before: new Map(keep ? participants.map((p) => [p.pid, p.state]) : []) };
}

// What an upgrade that succeeded reports.
function reportOf(loaded: readonly ModuleVersion[], previous: ReadonlyMap<string, { current: ModuleVersion | null }>, participants: Participant[], killed: Array<{ pid: Pid; module: string }>, stranded: Stranded[], suspendedMs: number): UpgradeReport {
  return {
    modules: loaded.map((v) => ({ name: v.module, from: previous.get(v.module)!.current?.vsn, to: v.vsn })),
    processes: participants.map((p) => p.pid),
    purged: killed.length,
    killed,
    stranded,
    suspendedMs,
  };
}
