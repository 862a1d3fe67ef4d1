import type { ProcessContext } from '../types.js';
import type { Ref } from '../pid.js';
import type { ServerRef } from '../gen/call.js';
import * as gen from '../gen/request.js';
import { RequestId, ReqIdCollection, type Response, type WaitTime } from '../gen/request.js';
import * as genServer from '../gen-server/index.js';
import { nodeNameProblem, quoteForLog } from '../distribution/handshake.js';
import { RuntimeError, describeReason } from '../errors.js';
import { formatValue } from '../logger.js';
import { Down } from '../messages.js';
import type { Answer, ExceptionClass } from './index.js';

/**
 * Why an erpc operation did not return a value, after erpc's exceptions: `throw`, `error`, `exit` (the function
 * threw a value that is no Error, threw an Error, or ended its process with ctx.exit), `signal` (the process
 * running it was ended by an exit signal), `noconnection` (the node is down, unreachable or no node name),
 * `timeout`, `notsup` (the node serves no rpc), `badarg` (the caller's arguments, or a request already handled).
 */
export type ErpcErrorKind = ExceptionClass | 'noconnection' | 'timeout' | 'notsup' | 'badarg';

/** An erpc failure (OTP's `throw:V`, `exit:{exception, R}`, `exit:{signal, R}`, `error:{exception, R, Stack}`, `error:{erpc, E}`). */
export class ErpcError extends Error {
  constructor(
    /** The node called. */
    readonly node: string,
    /** What went wrong, after erpc's exception (see ErpcErrorKind). */
    readonly kind: ErpcErrorKind,
    /** The value thrown, the Error thrown, the exit reason, or `kind` itself for erpc's own failures; an unknown module or function is `'undef'`. */
    readonly reason: unknown,
    message: string,
    /** For the collection forms: the label of the request this is the answer to, and the collection left. */
    readonly label?: unknown,
    /** For the collection forms: the collection left after this answer. */
    readonly collection?: ReqIdCollection<Answer>,
  ) {
    super(message);
    this.name = 'ErpcError';
  }

  /** The Erlang exception class erpc would raise: `throw`, `exit` (exit and signal) or `error` (the rest). */
  get class(): 'throw' | 'exit' | 'error' {
    return this.kind === 'throw' ? 'throw' : this.kind === 'exit' || this.kind === 'signal' ? 'exit' : 'error';
  }
}

// The request each answer read from a collection answers: a reply by its answer, an error response by its server.
const byAnswer = new WeakMap<object, ErpcRequestId>();
const byServer = new WeakMap<object, ErpcRequestId>();

/** An outstanding erpc request (OTP's erpc request_id). */
export class ErpcRequestId extends RequestId<Answer> {
  /** True once the request was answered, abandoned on a timeout, or its answer read: using it again is badarg. */
  done = false;
  constructor(
    tag: Ref,
    server: ServerRef,
    /** The node the request runs on. */
    readonly node: string,
    /** `module.fn`, named in errors. */
    readonly what: string,
  ) {
    super(tag, server);
    byServer.set(server, this);
  }

  /** Notes which request the answer is to, so that a collection's answer names its node. */
  override read(response: Response<Answer>): Response<Answer> {
    if (response.type === 'reply' && typeof response.reply === 'object' && response.reply !== null) byAnswer.set(response.reply, this);
    return response;
  }
}

/** What a wait that got the answer returns (OTP's `{response, Result}`). */
export interface ErpcResponse {
  response: unknown;
}

/** One node's outcome of a multicall, in the order of the nodes: the value, or the ErpcError a call would have thrown. */
export type MulticallResult = { ok: true; value: unknown } | { ok: false; error: ErpcError };

const badarg = (message: string): RuntimeError => new RuntimeError('badarg', `erpc.${message}`);

function checkCall(what: string, node: unknown, module: unknown, fn: unknown, args: unknown): void {
  if (typeof node !== 'string') throw badarg(`${what}: the node must be a node name (name@host, such as shop@127.0.0.1), got ${formatValue(node, 100)}`);
  if (typeof module !== 'string' || typeof fn !== 'string') throw badarg(`${what}: the module and function must be names (strings), got ${formatValue(module, 100)} and ${formatValue(fn, 100)}`);
  if (!Array.isArray(args)) throw badarg(`${what}: the arguments of ${module}.${fn} must be an array, such as [1, 2]; got ${formatValue(args, 100)}`);
}

function checkTimeout(what: string, t: unknown): void {
  const ok = t === Infinity || (typeof t === 'number' && Number.isFinite(t) && t >= 0) || (typeof t === 'object' && t !== null && typeof (t as { abs: unknown }).abs === 'number' && !Number.isNaN((t as { abs: number }).abs));
  if (!ok) throw badarg(`${what}: the timeout must be ms (0 or more, Infinity for none) or { abs: performance.now() deadline }, got ${formatValue(t, 100)}`);
}

const rexOf = (node: string): ServerRef => ({ name: 'rex', node }) as ServerRef;

/** Sends `module.fn(...args)` to run on `node` without waiting (OTP's erpc:send_request/4); collect it with receiveResponse, waitResponse or checkResponse. */
function request(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[], what = 'sendRequest'): ErpcRequestId {
  checkCall(what, node, module, fn, args);
  const name = `${module}.${fn}`;
  // A name that is no node name is no node that can be up: its answer is noconnection, as erpc's for a bad node name.
  if (nodeNameProblem(node) !== undefined || (ctx.node.dist === null && node !== ctx.node.name)) {
    const tag = ctx.makeRef();
    ctx.send(ctx.self(), new Down(tag, { name: 'rex', node }, 'noconnection'));
    return new ErpcRequestId(tag, rexOf(node), node, name);
  }
  return gen.sendRequest<Answer>(ctx, rexOf(node), { module, fn, args, id: ctx.makeRef() }, undefined, (tag, server) => new ErpcRequestId(tag, server, node, name)) as ErpcRequestId;
}


// The value an answer holds, or the ErpcError it stands for.
function outcome(id: ErpcRequestId, r: Response<Answer>): MulticallResult {
  id.done = true;
  const { node, what } = id;
  if (r.type === 'error') {
    if (r.reason === 'nodedown' || r.reason === 'noconnection') {
      const problem = nodeNameProblem(node);
      const why = problem === undefined ? `${node} is down or cannot be reached` : `${quoteForLog(node)} is not a node name (${problem}): use name@host, e.g. shop@127.0.0.1`;
      return { ok: false, error: new ErpcError(node, 'noconnection', 'noconnection', `erpc of ${what} on ${quoteForLog(node)} failed with noconnection: ${why}`) };
    }
    return { ok: false, error: new ErpcError(node, 'notsup', 'notsup', `erpc of ${what} on ${node} failed: the node has no rpc server (${describeReason(r.reason)})`) };
  }
  const a = r.reply;
  // Only rex answers so; anything else is a node that does not serve erpc.
  if (typeof a !== 'object' || a === null || typeof a.ok !== 'boolean') return { ok: false, error: new ErpcError(node, 'notsup', 'notsup', `erpc of ${what} on ${node} failed: the node answered ${formatValue(a, 100)}, which is no rpc answer`) };
  if (a.ok) return { ok: true, value: a.value };
  // A node of an earlier version names no class (and a hostile one may name anything): what it reports is an error.
  const kind: ExceptionClass = a.cls === 'throw' || a.cls === 'exit' || a.cls === 'signal' ? a.cls : 'error';
  const reason = 'raw' in a ? a.raw : a.error;
  const said = typeof a.error === 'string' ? a.error : describeReason(a.error);
  const lead = { throw: 'threw', error: 'failed with an error', exit: 'exited', signal: 'was ended by an exit signal' }[kind];
  return { ok: false, error: new ErpcError(node, kind, reason, kind === 'signal' ? `erpc of ${what} on ${node}: ${said}` : `erpc of ${what} on ${node} ${lead}: ${said}`) };
}

function settled(r: MulticallResult): unknown {
  if (!r.ok) throw r.error;
  return r.value;
}

function timedOut(node: string, what: string): ErpcError {
  return new ErpcError(node, 'timeout', 'timeout', `erpc of ${what} on ${node} gave no answer in time; it may or may not have run there, and no answer will come`);
}

function usable(id: unknown, what: string): ErpcRequestId {
  if (!(id instanceof ErpcRequestId)) throw badarg(`${what}: expected a request id from erpc.sendRequest, got ${formatValue(id, 100)}`);
  if (id.done) throw badarg(`${what}: the request for ${id.what} on ${id.node} was already answered or abandoned: a request id is read once`);
  return id;
}

/** Runs `module.fn(...args)` on `node` and returns its value (OTP's erpc:call/5); throws ErpcError; on timeout the call is abandoned (it may run on there). */
async function call(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[] = [], timeoutMs: WaitTime = Infinity): Promise<unknown> {
  checkTimeout('call', timeoutMs);
  return receiveOne(ctx, request(ctx, node, module, fn, args, 'call'), timeoutMs);
}

async function receiveOne(ctx: ProcessContext, id: ErpcRequestId, timeoutMs: WaitTime): Promise<unknown> {
  const r = await gen.receiveResponse(ctx, id, timeoutMs);
  if (r === 'timeout') {
    id.done = true;
    throw timedOut(id.node, id.what);
  }
  return settled(outcome(id, r));
}

/** Runs `module.fn(...args)` on `node` without waiting for or hearing of its end (OTP's erpc:cast/4); a node that is down or no node name is ignored. */
function cast(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[] = []): void {
  checkCall('cast', node, module, fn, args);
  if (nodeNameProblem(node) !== undefined || ctx.node.dist === null) return;
  genServer.cast(ctx, rexOf(node) as never, { module, fn, args } as never);
}

/** erpc.cast to each node (OTP's erpc:multicast/4). */
function multicast(ctx: ProcessContext, nodes: string[], module: string, fn: string, args: unknown[] = []): void {
  if (!Array.isArray(nodes)) throw badarg(`multicast: the nodes must be an array of node names, got ${formatValue(nodes, 100)}`);
  for (const node of nodes) checkCall('multicast', node, module, fn, args);
  for (const node of nodes) cast(ctx, node, module, fn, args);
}

/** Runs `module.fn(...args)` on every node at once within one timeout (OTP's erpc:multicall/5): each node's outcome, in the order of `nodes`. */
async function multicall(ctx: ProcessContext, nodes: string[], module: string, fn: string, args: unknown[] = [], timeoutMs: WaitTime = Infinity): Promise<MulticallResult[]> {
  if (!Array.isArray(nodes)) throw badarg(`multicall: the nodes must be an array of node names, got ${formatValue(nodes, 100)}`);
  checkTimeout('multicall', timeoutMs);
  // Every argument is checked before anything is sent: nothing runs anywhere on a bad one.
  for (const node of nodes) checkCall('multicall', node, module, fn, args);
  const deadline: WaitTime = typeof timeoutMs === 'number' ? (timeoutMs === Infinity ? Infinity : { abs: performance.now() + timeoutMs }) : timeoutMs;
  const ids = nodes.map((node) => request(ctx, node, module, fn, args, 'multicall'));
  const results: MulticallResult[] = [];
  for (const id of ids) {
    const r = await gen.receiveResponse(ctx, id, deadline);
    results.push(r === 'timeout' ? { ok: false, error: timedOut(id.node, id.what) } : outcome(id, r));
  }
  return results;
}

function sendRequest(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[]): ErpcRequestId;
function sendRequest<L>(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[], label: L, collection: ReqIdCollection<Answer, L>): ReqIdCollection<Answer, L>;
/** Sends a call without waiting (OTP's erpc:send_request/4); with a label and a collection, returns the collection with the request added (send_request/6). */
function sendRequest<L>(ctx: ProcessContext, node: string, module: string, fn: string, args: unknown[], ...tail: [L, ReqIdCollection<Answer, L>] | []): ErpcRequestId | ReqIdCollection<Answer, L> {
  if (tail.length === 0) return request(ctx, node, module, fn, args);
  const [label, collection] = tail;
  if (!(collection instanceof ReqIdCollection)) throw badarg(`sendRequest: expected a request id collection from erpc.reqIdsNew, got ${formatValue(collection, 100)}`);
  return gen.reqIdsAdd(collection, request(ctx, node, module, fn, args), label);
}

function collectionOf<L>(c: unknown, what: string): ReqIdCollection<Answer, L> {
  if (!(c instanceof ReqIdCollection) || ![...(c as ReqIdCollection).entries.values()].every(([id]) => id instanceof ErpcRequestId)) throw badarg(`${what}: expected a request id collection of erpc requests (erpc.reqIdsNew, erpc.sendRequest), got ${formatValue(c, 100)}`);
  return c as ReqIdCollection<Answer, L>;
}

// A collection's answer: the value (wrapped as { response } for wait and check) with its label and the collection left,
// or the ErpcError carrying both (OTP's Class:{Reason, Label, NewCollection}).
function labelled<L>(r: gen.CollectionResponse<Answer, L>, wrap: boolean): [unknown, L, ReqIdCollection<Answer, L>] {
  const [response, label, rest] = r;
  const id = response.type === 'reply' ? byAnswer.get(response.reply as object) : byServer.get(response.server as object);
  const o = outcome(id!, response);
  if (!o.ok) {
    const e = o.error;
    throw new ErpcError(e.node, e.kind, e.reason, e.message, label, rest as ReqIdCollection<Answer>);
  }
  return [wrap ? { response: o.value } : o.value, label, rest];
}

function receiveResponse(ctx: ProcessContext, reqId: ErpcRequestId, timeoutMs?: WaitTime): Promise<unknown>;
function receiveResponse<L>(ctx: ProcessContext, collection: ReqIdCollection<Answer, L>, timeoutMs?: WaitTime, remove?: boolean): Promise<[unknown, L, ReqIdCollection<Answer, L>] | 'noRequest'>;
/** Waits for a request's value (OTP's erpc:receive_response/2,3): throws what call would; on timeout the request (every request of a collection) is abandoned and `timeout` thrown. */
async function receiveResponse<L>(ctx: ProcessContext, ids: ErpcRequestId | ReqIdCollection<Answer, L>, timeoutMs: WaitTime = Infinity, remove = true): Promise<unknown> {
  checkTimeout('receiveResponse', timeoutMs);
  if (!(ids instanceof ReqIdCollection)) return receiveOne(ctx, usable(ids, 'receiveResponse'), timeoutMs);
  const c = collectionOf<L>(ids, 'receiveResponse');
  const r = await gen.receiveResponses(ctx, c, timeoutMs, remove);
  if (r === 'noRequest') return r;
  if (r === 'timeout') {
    for (const [id] of c.entries.values()) (id as ErpcRequestId).done = true;
    throw new ErpcError(ctx.node.name, 'timeout', 'timeout', `erpc: none of the ${c.size} requests of the collection was answered in time; they are abandoned`);
  }
  return labelled(r, false);
}

function waitResponse(ctx: ProcessContext, reqId: ErpcRequestId, timeoutMs?: WaitTime): Promise<ErpcResponse | 'noResponse'>;
function waitResponse<L>(ctx: ProcessContext, collection: ReqIdCollection<Answer, L>, timeoutMs?: WaitTime, remove?: boolean): Promise<[ErpcResponse, L, ReqIdCollection<Answer, L>] | 'noResponse' | 'noRequest'>;
/** Waits up to `timeoutMs` (default 0: a poll) for a request's answer (OTP's erpc:wait_response/2,3): `{ response }`, or `'noResponse'` with the request still pending; throws what call would. */
async function waitResponse<L>(ctx: ProcessContext, ids: ErpcRequestId | ReqIdCollection<Answer, L>, timeoutMs: WaitTime = 0, remove = true): Promise<unknown> {
  checkTimeout('waitResponse', timeoutMs);
  if (!(ids instanceof ReqIdCollection)) {
    const id = usable(ids, 'waitResponse');
    const r = await gen.waitResponse(ctx, id, timeoutMs);
    return r === 'timeout' ? 'noResponse' : { response: settled(outcome(id, r)) };
  }
  const r = await gen.waitResponses(ctx, collectionOf<L>(ids, 'waitResponse'), timeoutMs, remove);
  return r === 'timeout' ? 'noResponse' : r === 'noRequest' ? r : labelled(r, true);
}

function checkResponse(ctx: ProcessContext, message: unknown, reqId: ErpcRequestId): ErpcResponse | 'noResponse';
function checkResponse<L>(ctx: ProcessContext, message: unknown, collection: ReqIdCollection<Answer, L>, remove?: boolean): [ErpcResponse, L, ReqIdCollection<Answer, L>] | 'noResponse' | 'noRequest';
/** Reads a message the caller received itself (OTP's erpc:check_response/2,3): `{ response }` if it answers the request, else `'noResponse'`; throws what call would. */
function checkResponse<L>(ctx: ProcessContext, message: unknown, ids: ErpcRequestId | ReqIdCollection<Answer, L>, remove = true): unknown {
  if (!(ids instanceof ReqIdCollection)) {
    const id = usable(ids, 'checkResponse');
    const r = gen.checkResponse(ctx, message, id);
    return r === 'noReply' ? 'noResponse' : { response: settled(outcome(id, r)) };
  }
  const r = gen.checkResponses(ctx, message, collectionOf<L>(ids, 'checkResponse'), remove);
  return r === 'noReply' ? 'noResponse' : r === 'noRequest' ? r : labelled(r, true);
}

/** An empty collection of erpc requests (OTP's erpc:reqids_new/0). */
const reqIdsNew = <L = unknown>(): ReqIdCollection<Answer, L> => gen.reqIdsNew<Answer, L>();

/** OTP's erpc: calls that tell a value from a throw, an error, an exit and a lost node, with requests, collections and multicalls. */
export const erpc = { call, cast, multicall, multicast, sendRequest, receiveResponse, waitResponse, checkResponse, reqIdsNew, reqIdsAdd: gen.reqIdsAdd, reqIdsSize: gen.reqIdsSize, reqIdsToList: gen.reqIdsToList };
