import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';
import { Pid, Ref } from '../pid.js';
import { Down } from '../messages.js';
import * as genServer from '../gen-server/index.js';
import { ok, noreply, reply, type GenServer } from '../gen-server/types.js';
import { CallError } from '../gen/errors.js';
import { checkCallTimeout, replyTo, type ServerRef } from '../gen/call.js';
import { receiveResponse, sendRequest } from '../gen-server/requests.js';
import { abandon, type RequestId } from '../gen/request.js';
import type { From } from '../gen/messages.js';
import { addDistributionService } from '../distribution/node-dist.js';
import { nodeNameProblem, quoteForLog } from '../distribution/handshake.js';
import { codeServerOf } from '../code/server.js';
import { runtimeApi } from '../code/runtime-api.js';
import { clearEvalSession, endEvalSession, evaluate, interruptEvalSession, type EvalLineOptions } from './eval.js';
import { CodeDoesNotParse } from './eval-sandbox.js';
import { formatValue, loggerOf } from '../logger.js';
import { RuntimeError, describeReason, isExitSignal } from '../errors.js';

/** What rpc asks another node's rpc server (`rex`). */
interface Apply {
  module: string;
  fn: string;
  args: unknown[];
  /** The caller's name for this call (a ref it made), so that a caller that gives up can have the worker stopped. */
  id?: Ref;
}

/** What a caller whose call timed out casts to `rex`: kill the worker still running call `id` of `caller` (erpc abandons it instead). */
interface Cancel {
  cancel: Ref;
  caller: Pid;
}

// The workers of calls still running that a caller may cancel: by call (caller and id), and the call by worker;
// `unanswered` holds, by worker, the caller of a call not yet answered: a worker ended by an exit signal before it
// answered has its caller told so (erpc's {signal, Reason}), rather than leaving it to wait out its timeout.
interface Workers {
  byCall: Map<string, Pid>;
  byWorker: Map<string, string>;
  unanswered: Map<string, From<Answer>>;
}

const callKey = (caller: Pid, id: Ref): string => `${String(caller)} ${String(id)}`;

// `undef` marks a call the node could not resolve (OTP's {'EXIT', {undef, _}}), as against one that ran and threw;
// kind `parse` marks code given to evaluate (otp.eval) that does not parse. The kind travels as a field, not in wording.
// `cls` is the class of what ended the call there, as erpc's: a value thrown that is no Error (`throw`), an Error
// (`error`), the worker's own ctx.exit (`exit`), an exit signal from elsewhere (`signal`); `raw` is the value itself
// when it can cross (`error` stays the sentence rpc reports). A node of an earlier version sends neither.
/** What rex answers a call (internal to rpc and erpc). */
export type Answer = { ok: true; value: unknown } | { ok: false; error: unknown; undef?: boolean; kind?: 'parse'; cls?: ExceptionClass; raw?: unknown };

/** The class of what ended a call on the node that ran it, after Erlang's exception classes (`signal`: an exit signal from another process). */
export type ExceptionClass = 'throw' | 'error' | 'exit' | 'signal';

/** An rpc that could not run: the node is down, the module or function is unknown (`undef`), or it threw. */
export class BadRpc extends Error {
  constructor(
    readonly node: string,
    readonly reason: unknown,
    /** True when the node has no such module or function (OTP's undef): the caller named something that is not there. */
    readonly undef = false,
    /** True when the call was code to evaluate (otp.eval) that does not parse: the caller's input to fix, as against code that ran and threw. */
    readonly badCode = false,
  ) {
    super(`rpc to ${node} failed: ${reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : formatValue(reason, 500)}`);
    this.name = 'BadRpc';
  }
}

// The node has no such module or function.
class Undef extends Error {}

const builtins = new WeakMap<OtpNode, Map<string, Record<string, unknown>>>();

/** Makes an object's functions callable by rpc under a module name (loaded modules are callable already). */
export function registerRpcModule(node: OtpNode, name: string, module: Record<string, unknown>): void {
  let m = builtins.get(node);
  if (!m) builtins.set(node, (m = new Map()));
  m.set(name, module);
}

/** The key (`Symbol.for(CTX_FIRST_KEY)`) under which a compiled module lists its exports that take `ctx` first. */
export const CTX_FIRST_KEY = 'otp-ts.ctxFirst';
const CTX_FIRST = Symbol.for(CTX_FIRST_KEY);

// Whether `fn` is a function of the module `table` rather than one every object inherits (toString,
// constructor, hasOwnProperty): those are no export, and an rpc naming them is undef, as in OTP.
function exported(table: object, fn: string): boolean {
  if (fn === 'constructor') return false;
  for (let o: object | null = table; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) if (Object.hasOwn(o, fn)) return true;
  return false;
}

// The function, and whether it takes the calling process's context first (the compiler marks such exports).
function resolve(node: OtpNode, module: string, fn: string): { f: (...args: unknown[]) => unknown; ctxFirst: boolean } {
  const builtin = builtins.get(node)?.get(module);
  const code = codeServerOf(node);
  const loaded = code.loaded();
  const table = builtin ?? (loaded.includes(module) ? code.exportsOf(module) : undefined);
  if (!table) throw new Undef(`no module named ${module} on ${node.name}${nearNames(module, loaded)}`);
  const f = exported(table, fn) ? table[fn] : undefined;
  if (typeof f !== 'function') throw new Undef(`${module} has no function ${fn}`);
  const marked = (builtin ?? code.record(module).current?.exports)?.[CTX_FIRST as unknown as string];
  return { f: f as (...args: unknown[]) => unknown, ctxFirst: Array.isArray(marked) && marked.includes(fn) };
}

// A hint for a module named without its application (`shop_server` for `shop/shop_server`): the loaded modules
// whose last path segment is the name given, or nothing.
function nearNames(module: string, loaded: readonly string[]): string {
  const near = loaded.filter((m) => m.endsWith(`/${module}`)).sort();
  if (near.length === 0) return '';
  const listed = near.slice(0, 5).join(', ') + (near.length > 5 ? `, … (${near.length} in all)` : '');
  return `: modules are named with their application; did you mean ${listed}?`;
}

// Runs a module function in the rpc worker process `ctx`: one that takes a context first gets this one.
function apply(ctx: ProcessContext, module: string, fn: string, args: unknown[] = []): unknown {
  const { f, ctxFirst } = resolve(ctx.node, module, fn);
  return ctxFirst ? f(ctx, ...args) : f(...args);
}

// The process each rpc worker runs a call for (OTP's rpc worker has its caller's group leader): what the call starts can be tied to it.
const callers = new WeakMap<ProcessContext, Pid>();

/** The process whose rpc call the worker `ctx` runs (undefined for a cast or a process that is no rpc worker). */
export function rpcCallerOf(ctx: ProcessContext): Pid | undefined {
  return callers.get(ctx);
}

// Runs one call in `worker` and answers the caller.
async function work(worker: ProcessContext, req: Apply, from: From<Answer>, answering: () => void = () => {}): Promise<void> {
  callers.set(worker, from.pid);
  // A worker ended by an exit signal while the call ran answers nothing: rex tells the caller of the signal.
  const me = worker.self();
  const gone = (): boolean => !worker.node.isAlive(me);
  try {
    const value = await apply(worker, req.module, req.fn, req.args);
    if (gone()) return;
    answering();
    // An answer that cannot cross to the caller's node would be dropped, and the caller would wait out its timeout for nothing: it is told why.
    const unsent = replyTo(from, { ok: true as const, value });
    if (unsent !== undefined) {
      // A cycle fails as a value nested too deep: it is named as what it is.
      const cycle = cyclePath(value);
      const why = cycle === undefined ? unsent : `it is cyclic (${cycle === '' ? 'the value' : `the value at ${cycle}`} holds an object that contains it), which cannot be sent to another node: return a copy without the cycle`;
      reply(from, { ok: false as const, error: `${req.module}.${req.fn} returned a value that cannot be sent back to ${from.pid.node === 0 ? 'the caller' : 'the calling node'}: ${why}` });
    }
  } catch (error) {
    if (gone()) return;
    answering();
    // An Error is told by its message; anything else thrown (a string, an object) is the reason itself, as
    // OTP's {badrpc, {'EXIT', Reason}} carries the term, or as it prints when it cannot cross.
    const reason = error instanceof Error ? error.message : error;
    const exit = isExitSignal(error);
    const cls: ExceptionClass = exit ? 'exit' : error instanceof Error ? 'error' : 'throw';
    const raw = exit ? error.reason : error instanceof Undef ? 'undef' : error;
    const failed = (why: unknown, r: unknown): Answer => ({ ok: false as const, error: why, cls, raw: r, ...(error instanceof Undef ? { undef: true } : error instanceof CodeDoesNotParse ? { kind: 'parse' as const } : {}) });
    if (replyTo(from, failed(reason, raw)) === undefined) return;
    if (replyTo(from, failed(reason, formatValue(raw, 500))) !== undefined) reply(from, failed(formatValue(reason, 500), formatValue(raw, 500)));
  }
}

// Where `value` first reaches an object that is one of its own containers (`.a.b`, '' for the value itself), or undefined
// when it has no cycle within the first 10 000 objects.
function cyclePath(value: unknown): string | undefined {
  const path = new Set<object>();
  let budget = 10_000;
  const walk = (v: unknown, at: string): string | undefined => {
    if (typeof v !== 'object' || v === null || --budget < 0) return undefined;
    if (path.has(v)) return at;
    path.add(v);
    const entries: Array<[string, unknown]> = v instanceof Map ? [...v].map(([k, x]) => [`.get(${String(k)})`, x]) : v instanceof Set ? [...v].map((x, i) => [`[set ${i}]`, x]) : Object.entries(v).map(([k, x]) => [Array.isArray(v) ? `[${k}]` : `.${k}`, x]);
    for (const [k, x] of entries) {
      const found = walk(x, at + k);
      if (found !== undefined) return found;
    }
    path.delete(v);
    return undefined;
  };
  return walk(value, '');
}

// The rpc server: every call runs in a process of its own (as OTP's rex), so a slow one blocks nothing; a call
// whose caller gave up (timed out) has its worker killed (erpc, which OTP's rpc is built on, abandons it), so no abandoned work runs on.
const rex: GenServer<Workers, Apply, Apply | Cancel, Answer, void> = {
  name: 'rex',
  init: () => ok({ byCall: new Map(), byWorker: new Map(), unanswered: new Map() }),
  handleCall(req, from, workers, ctx) {
    // Any node with the cookie can call rex: a request of the wrong shape is answered as an error and logged, never
    // thrown (which would end rex, and every rpc to this node with it).
    if (!isApply(req)) {
      unexpected(ctx, 'handleCall', req);
      reply(from, { ok: false as const, error: 'rex (the rpc server) got a request that is not an rpc: use rpc.call(ctx, node, module, fn, args)' });
      return noreply(workers);
    }
    if (req.id === undefined) {
      ctx.spawn((worker) => work(worker, req, from));
      return noreply(workers);
    }
    const [worker] = ctx.spawnMonitor((w) => work(w, req, from, () => workers.unanswered.delete(String(w.self()))));
    const key = callKey(from.pid, req.id);
    workers.byCall.set(key, worker);
    workers.byWorker.set(String(worker), key);
    workers.unanswered.set(String(worker), from);
    return noreply(workers);
  },
  handleCast(req, workers, ctx) {
    if (isCancel(req)) {
      const worker = workers.byCall.get(callKey(req.caller, req.cancel));
      if (worker !== undefined) {
        // The caller gave up: it is owed no answer.
        workers.unanswered.delete(String(worker));
        ctx.exit(worker, 'kill');
      }
      return noreply(workers);
    }
    if (!isApply(req)) {
      unexpected(ctx, 'handleCast', req);
      return noreply(workers);
    }
    ctx.spawn(async (worker) => {
      await apply(worker, req.module, req.fn, req.args);
    });
    return noreply(workers);
  },
  handleInfo(message, workers) {
    if (message instanceof Down) {
      const worker = String(message.pid);
      const key = workers.byWorker.get(worker);
      workers.byWorker.delete(worker);
      if (key !== undefined) workers.byCall.delete(key);
      // Ended by an exit signal before it answered (killed, or linked to a process that crashed).
      const from = workers.unanswered.get(worker);
      workers.unanswered.delete(worker);
      if (from !== undefined && message.reason !== 'normal') {
        const signalled = (raw: unknown): Answer => ({ ok: false as const, error: `the process running the call was ended by an exit signal (${describeReason(message.reason)})`, cls: 'signal', raw });
        if (replyTo(from, signalled(message.reason)) !== undefined) reply(from, signalled(formatValue(message.reason, 500)));
      }
    }
    return noreply(workers);
  },
};

// A call or cast rex runs: module and function named by strings, the arguments an array, the id a ref.
function isApply(req: unknown): req is Apply {
  if (typeof req !== 'object' || req === null) return false;
  const r = req as Record<string, unknown>;
  return typeof r.module === 'string' && typeof r.fn === 'string' && (r.args === undefined || Array.isArray(r.args)) && (r.id === undefined || r.id instanceof Ref);
}

function isCancel(req: unknown): req is Cancel {
  return typeof req === 'object' && req !== null && (req as Cancel).cancel instanceof Ref && (req as Cancel).caller instanceof Pid;
}

function unexpected(ctx: ProcessContext, callback: string, m: unknown): void {
  loggerOf(ctx.node).warning(`rex received an unexpected message: ${callback}(${formatValue(m, 500)})`, { pid: ctx.self() });
}

addDistributionService('rpc', async (node) => {
  registerRpcModule(node, 'otp', { name: () => node.name, nodes: () => node.nodes(), processCount: () => node.processCount, ping: () => 'pong', refusals: () => node.dist?.refusals(), eval: (source: string, options?: EvalLineOptions) => evaluate(node, runtimeApi(), source, options), evalEnd: (session: unknown) => endEvalSession(node, session), evalInterrupt: (session: unknown) => interruptEvalSession(node, session), evalClear: (session: unknown) => clearEvalSession(node, session) });
  await node.run((ctx) => genServer.start(ctx, rex, undefined, { name: 'rex' }));
});

/** Calls `module.fn(...args)` on another node and returns its result; throws BadRpc (OTP's {badrpc, Reason}); on timeout the worker running the call there is killed (as erpc). */
async function call(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[] = [], timeoutMs = 30_000): Promise<unknown> {
  checkArgs('call', module, fn, args);
  checkNode(node);
  let answer: Answer;
  const server = { name: 'rex', node } as ServerRef<Apply, Apply | Cancel, Answer>;
  const id = ctx.makeRef();
  try {
    answer = await genServer.call(ctx, server, { module, fn, args, id }, timeoutMs);
  } catch (error) {
    if (error instanceof CallError && error.failure === 'timeout') genServer.cast(ctx, server, { cancel: id, caller: ctx.self() });
    if (error instanceof CallError) throw new BadRpc(node, error.failure);
    throw error;
  }
  if (!answer.ok) throw new BadRpc(node, answer.error, answer.undef === true, answer.kind === 'parse');
  return answer.value;
}

/** Runs `module.fn(...args)` on another node without waiting. */
function cast(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[] = []): void {
  checkArgs('cast', module, fn, args);
  genServer.cast(ctx, { name: 'rex', node } as ServerRef<Apply, Apply, Answer>, { module, fn, args });
}

/**
 * Calls the same function on several nodes at once, within one `timeoutMs` for them all (OTP's rpc:multicall): `results`
 * holds, in the order of `nodes`, each answer of a node that answered, a BadRpc for a call that failed there (undef, or it
 * threw: OTP's {badrpc, Reason}); `badNodes` the nodes that are down or gave no answer in time (their workers are killed).
 */
async function multicall(ctx: ProcessContext, nodes: string[], module: string, fn: string, args: unknown[] = [], timeoutMs = 30_000): Promise<{ results: unknown[]; badNodes: string[] }> {
  checkCallTimeout(timeoutMs, 'rpc.multicall');
  checkArgs('multicall', module, fn, args);
  // Every name is checked before anything is sent: a name that is no node name is refused and nothing runs anywhere.
  for (const node of nodes) checkNode(node);
  const deadline = performance.now() + timeoutMs;
  const calls: Array<{ node: string; id: Ref; req: RequestId<Answer> }> = [];
  try {
    for (const node of nodes) {
      const id = ctx.makeRef();
      calls.push({ node, id, req: sendRequest(ctx, rexOf(node), { module, fn, args, id }) });
    }
  } catch (error) {
    // A node name that is none: nothing of the call runs on, and no answer reaches the mailbox.
    for (const c of calls) {
      abandon(ctx, c.req.tag);
      genServer.cast(ctx, rexOf(c.node), { cancel: c.id, caller: ctx.self() });
    }
    throw error;
  }
  const answers = new Map<number, Answer | undefined>();
  for (const [i, c] of calls.entries()) {
    const r = await receiveResponse(ctx, c.req, { abs: deadline });
    if (r === 'timeout') genServer.cast(ctx, rexOf(c.node), { cancel: c.id, caller: ctx.self() });
    answers.set(i, r !== 'timeout' && r.type === 'reply' ? r.reply : undefined);
  }
  const results: unknown[] = [];
  const badNodes: string[] = [];
  for (const [i, c] of calls.entries()) {
    const a = answers.get(i);
    if (a === undefined) badNodes.push(c.node);
    else results.push(a.ok ? a.value : new BadRpc(c.node, a.error, a.undef === true, a.kind === 'parse'));
  }
  return { results, badNodes };
}

// The arguments are spread into the function's call on the other node: anything but an array is refused here,
// rather than failing there with a message about spread syntax.
function checkArgs(what: string, module: string, fn: string, args: unknown): void {
  if (!Array.isArray(args)) throw new RuntimeError('badarg', `rpc.${what}: the arguments of ${module}.${fn} must be an array, such as [1, 2]; got ${formatValue(args, 100)}`);
}

// As OTP's rpc:call of a name that is no node: {badrpc, nodedown} (no node of that name can be up), said plainly.
// A node that is not a string at all is the caller's badarg, as erpc's.
function checkNode(node: unknown): void {
  const problem = nodeNameProblem(node);
  if (problem === undefined) return;
  if (typeof node !== 'string') throw new RuntimeError('badarg', `rpc.call: the node must be a node name (name@host, such as shop@127.0.0.1), got ${formatValue(node, 100)}`);
  const error = new BadRpc(node, 'nodedown');
  error.message = `rpc to ${quoteForLog(node)} failed with nodedown: ${quoteForLog(node)} is not a node name (${problem}): use name@host, e.g. shop@127.0.0.1`;
  throw error;
}

const rexOf = (node: string): ServerRef<Apply, Apply | Cancel, Answer> => ({ name: 'rex', node }) as ServerRef<Apply, Apply | Cancel, Answer>;

/** OTP's rpc: call, cast and multicall of a module's function on other nodes. */
export const rpc = { call, cast, multicall };
