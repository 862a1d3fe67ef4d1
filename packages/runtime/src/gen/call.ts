import { Pid, Ref } from '../pid.js';
import { isTimeoutMs } from '../timers.js';
import { Down, TIMEOUT, type ExitReason } from '../messages.js';
import { RuntimeError } from '../errors.js';
import type { ProcessContext } from '../types.js';
import { internals, internalsOf, type ProcessInternals } from '../process-internals.js';
import { sendToAlias } from '../alias.js';
import { CallMessage, From, REMOTE_REPLY, ReplyMessage, castMessage } from './messages.js';
import { CallError } from './errors.js';
import { globalNames, isGlobalName } from './global-names.js';

/** The default time a call waits for its reply, as in OTP. */
export const DEFAULT_CALL_TIMEOUT = 5000;

/** A registry for `{ via }` names (OTP's via-module): whereis, register and unregister by any key. */
export interface ViaRegistry {
  /** The pid registered under `name`, if any. */
  whereis(name: unknown): Pid | undefined;
  /** Registers `pid`; returns false if the name is taken. */
  register(name: unknown, pid: Pid): boolean;
  /** Removes the name. */
  unregister(name: unknown): void;
}

/** How a behaviour process is named when started: a local name, a cluster-wide name (OTP's `{global, Name}`) or a name in a via-registry. */
export type ServerName = string | { global: string } | { via: ViaRegistry; name: unknown };

/**
 * A server as clients address it: a pid, a local name, or a via-name. The type parameters carry the
 * server's call, cast and reply types so the compiler checks both ends.
 */
export type ServerRef<_Call = unknown, _Cast = unknown, _Reply = unknown> = (Pid | string | { global: string } | { via: ViaRegistry; name: unknown } | { name: string; node: string }) & {
  readonly __server?: [_Call, _Cast, _Reply];
};

/** The pid behind a server reference, if it is alive. */
export function whereisServer(ctx: ProcessContext, server: ServerRef): Pid | undefined {
  assertContext(ctx);
  if (server instanceof Pid) return server.node !== 0 || ctx.isAlive(server) ? server : undefined;
  notARef(server);
  if (typeof server === 'string') return ctx.whereis(server);
  if (isGlobalName(server)) return globalNames().whereis(ctx, server.global);
  if (server !== null && typeof server === 'object' && 'via' in server) return server.via.whereis(server.name);
  if (server !== null && typeof server === 'object' && 'node' in server) return server.node === ctx.node.name ? ctx.whereis(server.name) : undefined;
  throw new RuntimeError('badarg', `not a server reference: ${String(server)}`);
}

/**
 * Throws a clear badarg when `ctx` is no process context: a call that left it out (`supervisor.startChild('sup', spec)`)
 * would otherwise take the server for the context and the next argument for the server.
 */
export function assertContext(ctx: unknown): asserts ctx is ProcessContext {
  const c = ctx as Partial<ProcessContext> | null;
  if (c !== null && typeof c === 'object' && typeof c.self === 'function' && typeof c.receive === 'function') return;
  const given = typeof ctx === 'string' ? `'${ctx}'` : ctx !== null && (typeof ctx === 'object' || typeof ctx === 'function') ? 'an object with no self() and receive()' : String(ctx);
  throw new RuntimeError('badarg', `the first argument must be the process context (ctx), not ${given}: pass the ctx your process runs with first, as in supervisor.startChild(ctx, 'my_sup', spec)`);
}

// A ref (an alias, say) has a node field too, but is no server: OTP's gen:call of one fails with badarg.
function notARef(server: unknown): void {
  if (server instanceof Ref) throw new RuntimeError('badarg', `${String(server)} is a ref, not a server reference (a pid, a registered name, { name, node }, { global } or { via, name }): send to an alias with ctx.send`);
}

/** How a server reference reads in errors and results. */
export function describe(server: ServerRef): string {
  if (server instanceof Pid || typeof server === 'string') return String(server);
  if (isGlobalName(server)) return `global:${server.global}`;
  return 'via' in server ? `via:${String(server.name)}` : `${server.name} on ${server.node}`;
}

/** The pid holding a server name (local, global or via), if any. */
export function whereisName(ctx: ProcessContext, name: ServerName): Pid | undefined {
  if (typeof name === 'string') return ctx.whereis(name);
  return isGlobalName(name) ? globalNames().whereis(ctx, name.global) : name.via.whereis(name.name);
}

/** A server on another node, addressed by name: monitored and sent to by name. */
export function remoteByName(ctx: ProcessContext, server: ServerRef): { name: string; node: string } | undefined {
  assertContext(ctx);
  notARef(server);
  return server !== null && typeof server === 'object' && !(server instanceof Pid) && 'node' in server && server.node !== ctx.node.name ? server : undefined;
}

/**
 * Sends `request` and waits for the reply (OTP's gen:call). Throws `CallError` with `'noproc'`,
 * `'timeout'` or the server's exit reason; a reply arriving after the timeout is dropped, never queued.
 */
export function genCall(ctx: ProcessContext, server: ServerRef, message: (from: From, request: unknown) => unknown, request: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT): Promise<unknown> {
  let pid: Pid | { name: string; node: string };
  try {
    pid = calleeOf(ctx, server, request, timeoutMs);
  } catch (error) {
    return Promise.reject(error);
  }
  const caller = internals(ctx);
  // The messages waiting now came before the tag was made: none is its reply or DOWN, so the wait passes over them.
  const waiting = caller.queueLength;
  const tag = ctx.monitor(pid);
  const pending = new PendingCall(ctx, tag, server, request, timeoutMs, pid);
  try {
    ctx.send(pid, message(new From(ctx.self(), tag), request));
    return caller.awaitAnswer(waiting, pending, timeoutMs);
  } catch (error) {
    ctx.demonitor(tag, FLUSH);
    return Promise.reject(error);
  }
}

const FLUSH = Object.freeze({ flush: true });

/**
 * A call or stop of `{ name, node }` from a node that is not distributed: OTP's gen exits `{nodedown, Node}`
 * before sending anything (internal).
 */
function notDistributed(server: { name: string; node: string }, request: unknown, what = 'call'): CallError {
  const error = new CallError('nodedown', describe(server), request, undefined, server.node);
  error.message = `${what} to ${describe(server)} failed with nodedown: this node is not distributed, so it reaches no other node; start it with startDistribution({ name, cookie }) first`;
  return error;
}

/**
 * Why a call, stop or request of `{ name, node }` cannot leave this node (internal): it is not distributed, or the node
 * is no node name at all ('nohost'); OTP's gen exits `{nodedown, Node}` for both. Undefined when it can be sent.
 */
export function unreachable(ctx: ProcessContext, server: { name: string; node: string }, request: unknown, what = 'call'): CallError | undefined {
  const dist = ctx.node.dist;
  if (dist === null) return notDistributed(server, request, what);
  const problem = typeof server.node === 'string' ? dist.notANodeName(server.node) : `${typeof server.node} is not a node name: use name@host, e.g. shop@127.0.0.1`;
  if (problem === undefined) return undefined;
  const error = new CallError('nodedown', describe(server), request, undefined, server.node);
  error.message = `${what} to ${describe(server)} failed with nodedown: ${problem}`;
  return error;
}

/**
 * The error of a call or stop whose monitor fired (internal): the server's exit reason, or, when its node went down
 * or could not be reached (`noconnection`), OTP's `{nodedown, Node}`: failure `'nodedown'`, the node named in the message.
 */
export function downError(ctx: ProcessContext, callee: Pid | { name: string; node: string }, server: ServerRef, request: unknown, reason: ExitReason, what = 'call'): CallError {
  if (reason !== 'noconnection') return new CallError(reason, describe(server), request);
  const node = callee instanceof Pid ? nodeOf(ctx, callee) : callee.node;
  const error = new CallError('nodedown', describe(server), request, undefined, node);
  error.message = `${what} to ${describe(server)} failed with nodedown: ${node} went down or cannot be reached`;
  return error;
}

// The name of a pid's node: this node's own name for a local pid.
function nodeOf(ctx: ProcessContext, pid: Pid): string {
  return pid.node === 0 ? ctx.node.name : (ctx.node.dist?.nameOf(pid.node) ?? ctx.node.name);
}

// The pid a call goes to, after the checks OTP's gen:call makes before sending anything.
function calleeOf(ctx: ProcessContext, server: ServerRef, request: unknown, timeoutMs: number): Pid | { name: string; node: string } {
  checkCallTimeout(timeoutMs);
  const remote = remoteByName(ctx, server);
  const cannot = remote === undefined ? undefined : unreachable(ctx, remote, request);
  if (cannot !== undefined) throw cannot;
  const pid = remote ?? whereisServer(ctx, server);
  if (pid === undefined) throw new CallError('noproc', describe(server), request);
  if (pid === ctx.self()) throw new CallError('calling_self', describe(server), request);
  return pid;
}

/**
 * A call waiting for its answer: the caller's mailbox settles it as the reply, the DOWN of its monitor or the
 * timeout arrives, so the caller's await resumes with the reply itself (one promise a call, no async frame).
 */
class PendingCall {
  constructor(
    private readonly ctx: ProcessContext,
    readonly tag: Ref,
    private readonly server: ServerRef,
    private readonly request: unknown,
    private readonly timeoutMs: number,
    private readonly callee: Pid | { name: string; node: string },
  ) {}

  matches(m: unknown): boolean {
    return (m instanceof ReplyMessage && m.tag === this.tag) || (m instanceof Down && m.ref === this.tag);
  }

  settle(answer: unknown): unknown {
    if (answer instanceof ReplyMessage) {
      this.ctx.demonitor(this.tag);
      return answer.value;
    }
    if (answer === TIMEOUT) return this.timedOut();
    const reason = (answer as Down).reason;
    return Promise.reject(downError(this.ctx, this.callee, this.server, this.request, reason));
  }

  private async timedOut(): Promise<never> {
    this.ctx.demonitor(this.tag, FLUSH);
    // A reply that entered the mailbox as the wait gave up is dropped with it (any later one is not delivered).
    await dropQueuedReply(this.ctx, this.tag);
    throw new CallError('timeout', describe(this.server), this.request, this.timeoutMs);
  }
}

/** Refuses a call timeout that is not a whole number of ms >= 0 or Infinity before anything is sent, as OTP's gen:call guards it: the request must not run for a caller that gets an error. */
export function checkCallTimeout(timeoutMs: number, what = 'call'): void {
  if (isTimeoutMs(timeoutMs)) return;
  throw new RuntimeError('badarg', `${what} timeout must be a whole number of milliseconds >= 0 or Infinity, got ${String(timeoutMs)}; the request was not sent`);
}

/**
 * Takes out of the caller's mailbox the reply to a call or request that timed out, if it arrived as the wait
 * gave up, so that it never surfaces in a later receive (the request is over: no later reply is delivered).
 */
export async function dropQueuedReply(ctx: ProcessContext, tag: Ref): Promise<void> {
  const isReply = (m: unknown): m is ReplyMessage => m instanceof ReplyMessage && m.tag === tag;
  if (internals(ctx).pendingMessages().some(isReply)) await ctx.receive(isReply, 0);
}

/** A call's message: the request with who asked (one function, not a closure over the request per call). */
export function callMessage(from: From, request: unknown): CallMessage {
  return new CallMessage(from, request);
}

/** Sends a synchronous request to a behaviour process and returns its reply. */
export function call<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Call>, timeoutMs?: number): Promise<NoInfer<Reply>> {
  return genCall(ctx, server, callMessage, request, timeoutMs) as Promise<NoInfer<Reply>>;
}

/** Sends an asynchronous request; never fails, even if the server does not exist (as OTP's cast). */
export function cast<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Cast>): void {
  // A pid is sent to at once: a send to a dead one is dropped, as the cast is (no liveness check first).
  if (server instanceof Pid) return ctx.send(server, castMessage(request));
  const remote = remoteByName(ctx, server);
  // As OTP's cast (its send's failure is caught): a name on another node, from a node that is not distributed, is dropped.
  if (remote !== undefined && ctx.node.dist === null) return;
  const pid = remote ?? whereisServer(ctx, server);
  if (pid !== undefined) ctx.send(pid, castMessage(request));
}

// The behaviour process that took each call it has not answered yet: a later reply(from, v) with no sender given is its send.
const heldBy = new WeakMap<From<unknown>, ProcessContext>();

/** Records that `server` took the call from `from` without answering it, so that a later reply is traced as its send. */
export function holdCall(from: From<unknown>, server: ProcessContext): void {
  heldBy.set(from, server);
}

/**
 * Answers a call whose handler returned noreply; a reply after the caller gave up is dropped. `server`, the answering
 * process when the caller knows it (a behaviour's loop), or else the server that took the call, is reported as
 * the reply's sender while messages are traced (OTP's reply is a send). Returns why a reply to another node could
 * not be sent (a function in it, too deep, too large), undefined when it left.
 */
export function replyTo<R>(from: From<R>, value: R, server: ProcessContext | undefined = heldBy.get(from)): string | undefined {
  const trace = server === undefined ? null : server.node.trace;
  const reply = new ReplyMessage(from.tag, value);
  if (trace === null) return deliverReply(from, reply);
  let unsent: string | undefined;
  trace.sendVia(server!, from.pid, reply, () => (unsent = deliverReply(from, reply)));
  return unsent;
}

function deliverReply(from: From<unknown>, reply: ReplyMessage): string | undefined {
  if (from.pid.node !== 0) {
    // The caller is on another node: the reply goes back over the connection the call came in on.
    const wire = (from as unknown as Record<symbol, RemoteReply | undefined>)[REMOTE_REPLY];
    try {
      wire?.sendToPid(from.pid, reply);
    } catch (error) {
      // A reply that cannot cross (a function in it, too deep, too large) is dropped with a line, as a send never
      // fails in OTP: the server goes on, and the caller's call times out as for a reply lost on the way.
      const why = (error instanceof Error ? error.message : String(error)).slice(0, 200);
      wire?.log(`distribution: a reply to ${String(from.pid)} cannot be sent to its node and was dropped: ${why}`);
      return why;
    }
    return undefined;
  }
  const caller = internalsOf(from.pid);
  if (caller !== undefined && (caller.activeCall === from.tag || batches.get(caller)?.has(from.tag) === true || pendingRequests.get(caller)?.get(from.tag.id) === from.tag)) {
    caller.deliver(reply);
  } else if (caller !== undefined && caller.aliases !== null) {
    // A From whose tag is an alias of the caller (OTP 24's reply by alias): answered while the alias is active.
    sendToAlias(caller.node, from.tag, reply);
  }
  return undefined;
}

// What a remote call's From replies through: its connection's node distribution.
interface RemoteReply {
  sendToPid(pid: Pid, m: unknown): void;
  log(line: string): void;
}

/** The tags of a process's sendRequest requests not yet answered or abandoned, by ref id: only their replies enter its mailbox. */
export const pendingRequests = new WeakMap<ProcessInternals, Map<number, Ref>>();

// The tags of the batched calls a process waits on (genMultiCall): a reply is delivered while its tag is here.
const batches = new WeakMap<ProcessInternals, Map<Ref, number>>();

/** One answer of `genMultiCall`, in the order of the pids: the reply, or the `CallError` of a call that got none. */
export type MultiCallAnswer = { ok: true; value: unknown } | { ok: false; error: CallError };

/**
 * Sends `message(from, index)` to each local process first, then collects the replies (a pipelined genCall): n
 * processes cost one wait, not n round trips. Each process is monitored, so a death answers
 * `CallError(reason)`; `timeoutMs` is the longest wait for the next answer, after which every
 * process that has not answered gets `CallError('timeout')`, and its late reply is dropped.
 */
export async function genMultiCall(ctx: ProcessContext, pids: readonly Pid[], message: (from: From, index: number) => unknown, request: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT): Promise<MultiCallAnswer[]> {
  checkCallTimeout(timeoutMs);
  const answers: MultiCallAnswer[] = new Array(pids.length);
  const waiting = new Map<Ref, number>();
  const caller = internals(ctx);
  const isAnswer = (m: unknown): m is ReplyMessage | Down => (m instanceof ReplyMessage && waiting.has(m.tag)) || (m instanceof Down && waiting.has(m.ref));
  // At most WINDOW requests in flight: each answer sends the next. The requests, monitors and replies of a
  // window die young; sending every request at once kept thousands alive and the collector copying them.
  let next = 0;
  const sendNext = (): void => {
    for (; next < pids.length; next++) {
      const pid = pids[next]!;
      if (pid === ctx.self() || pid.node !== 0) {
        answers[next] = { ok: false, error: new CallError(pid === ctx.self() ? 'calling_self' : 'noproc', String(pid), request) };
        continue;
      }
      const tag = ctx.monitor(pid);
      waiting.set(tag, next);
      ctx.send(pid, message(new From(ctx.self(), tag), next));
      next++;
      return;
    }
  };
  batches.set(caller, waiting);
  try {
    while (next < pids.length && waiting.size < MULTI_CALL_WINDOW) sendNext();
    while (waiting.size > 0) {
      // Answers already queued are taken without a promise each; wait only when none is.
      let m = ctx.receiveNow(isAnswer);
      if (m === TIMEOUT) m = await ctx.receive(isAnswer, timeoutMs);
      if (m === TIMEOUT) break;
      const tag = m instanceof ReplyMessage ? m.tag : (m as Down).ref;
      const i = waiting.get(tag)!;
      waiting.delete(tag);
      if (m instanceof ReplyMessage) {
        ctx.demonitor(tag);
        answers[i] = { ok: true, value: m.value };
      } else {
        const reason = (m as Down).reason;
        answers[i] = { ok: false, error: reason === 'noconnection' ? downError(ctx, pids[i]!, pids[i]!, request, reason) : new CallError(reason, String(pids[i]), request) };
      }
      sendNext();
    }
  } finally {
    batches.delete(caller);
  }
  for (const [tag, i] of waiting) {
    ctx.demonitor(tag, { flush: true });
    answers[i] = { ok: false, error: new CallError('timeout', String(pids[i]), request, timeoutMs) };
  }
  // A timeout ends the batch: the requests never sent time out too.
  for (; next < pids.length; next++) answers[next] = { ok: false, error: new CallError('timeout', String(pids[next]), request, timeoutMs) };
  return answers;
}

const MULTI_CALL_WINDOW = 256;

/** Re-exported for the loops: the ref type of call tags. */
export type CallTag = Ref;
