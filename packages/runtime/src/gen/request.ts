import type { Ref } from '../pid.js';
import { Down, TIMEOUT, type ExitReason } from '../messages.js';
import { RuntimeError } from '../errors.js';
import type { ProcessContext } from '../types.js';
import { internals, type ProcessInternals } from '../process-internals.js';
import { setAwaitedTags } from '../wire.js';
import { CallMessage, From, ReplyMessage } from './messages.js';
import { describe, pendingRequests, remoteByName, dropQueuedReply, whereisServer, type ServerRef } from './call.js';

/** An outstanding asynchronous request (OTP's request id): its tag is the monitor on the server. */
export class RequestId<Reply = unknown> {
  /** Carries the reply type for the compiler only. */
  declare readonly replyType?: Reply;
  constructor(
    /** The monitor on the server, also the tag its reply carries. */
    readonly tag: Ref,
    /** The server as it was addressed, named in error results. */
    readonly server: ServerRef,
  ) {}

  /** What an answer to this request reads as: the response itself; a behaviour's ids may turn a refusal into an error. */
  read(response: Response<Reply>): Response<Reply> {
    return response;
  }
}

/** How long to wait for an answer: ms (`Infinity` for ever), or `{ abs }`, a deadline on `performance.now()` (OTP's `{abs, T}` on the monotonic clock). */
export type WaitTime = number | { readonly abs: number };

// The ms left until a wait time: a deadline already past polls.
function msOf(t: WaitTime): number {
  if (typeof t === 'object' && t !== null && typeof t.abs === 'number' && !Number.isNaN(t.abs)) return Math.max(0, Math.ceil(t.abs - performance.now()));
  return t as number;
}

/** What a request came to: the server's reply, or the reason it died (OTP's `{reply, R}` / `{error, {Reason, Server}}`). */
export type Response<Reply> = { type: 'reply'; reply: Reply } | { type: 'error'; reason: ExitReason; server: ServerRef };

/**
 * Requests with a label each (OTP 25's request id collection). A value: `reqIdsAdd` and the collection
 * forms of wait/receive/check return a new collection and leave the one given unchanged.
 */
export class ReqIdCollection<Reply = unknown, Label = unknown> {
  constructor(
    /** Each request's id and label, by its tag. */
    readonly entries: ReadonlyMap<Ref, readonly [RequestId<Reply>, Label]>,
  ) {}

  /** The number of requests in the collection. */
  get size(): number {
    return this.entries.size;
  }
}

/** A collection form's answer: the response, the request's label and the collection left. */
export type CollectionResponse<Reply, Label> = [Response<Reply>, Label, ReqIdCollection<Reply, Label>];

// Distribution delivers a remote reply only while the caller awaits its tag: this says which tags are pending.
setAwaitedTags((caller, tagId) => pendingRequests.get(caller as ProcessInternals)?.get(tagId));

/**
 * Sends a call request without waiting (OTP's gen:send_request); collect the reply with waitResponse,
 * receiveResponse or checkResponse. `message` builds what is sent (default: a gen_server call); `make` the id.
 */
export function sendRequest<Reply>(
  ctx: ProcessContext,
  server: ServerRef,
  request: unknown,
  message: (from: From) => unknown = (from) => new CallMessage(from, request),
  make: (tag: Ref, server: ServerRef) => RequestId<Reply> = (tag, s) => new RequestId(tag, s),
): RequestId<Reply> {
  const remote = remoteByName(ctx, server);
  const pid = remote ?? whereisServer(ctx, server);
  if (pid === undefined) {
    // As a monitor on a name nobody holds: the answer is a DOWN with reason noproc.
    const tag = ctx.makeRef();
    ctx.send(ctx.self(), new Down(tag, describe(server), 'noproc'));
    return make(tag, server);
  }
  const tag = ctx.monitor(pid);
  // Without distribution the monitor has already answered noconnection; there is nothing to send to.
  if (remote !== undefined && ctx.node.dist === null) return make(tag, server);
  const caller = internals(ctx);
  let pending = pendingRequests.get(caller);
  if (pending === undefined) pendingRequests.set(caller, (pending = new Map()));
  pending.set(tag.id, tag);
  ctx.send(pid, message(new From(ctx.self(), tag)));
  return make(tag, server);
}

/** The reply or DOWN answering `reqId`, if `message` is one. */
function answers(message: unknown, tag: Ref): boolean {
  return (message instanceof ReplyMessage && message.tag === tag) || (message instanceof Down && message.ref === tag);
}

// A reply or DOWN for a request: the request is over; its monitor goes, and with it any DOWN already queued.
function settle<Reply>(ctx: ProcessContext, reqId: RequestId<Reply>, message: ReplyMessage | Down): Response<Reply> {
  pendingRequests.get(internals(ctx))?.delete(reqId.tag.id);
  if (message instanceof ReplyMessage) {
    if (!ctx.demonitor(reqId.tag)) ctx.demonitor(reqId.tag, { flush: true });
    return reqId.read({ type: 'reply', reply: message.value as Reply });
  }
  return { type: 'error', reason: message.reason === 'noconnection' ? 'nodedown' : message.reason, server: reqId.server };
}

/** Gives a request up at once: its reply, should it come, is dropped before it reaches the mailbox. */
export function abandon(ctx: ProcessContext, tag: Ref): void {
  pendingRequests.get(internals(ctx))?.delete(tag.id);
  ctx.demonitor(tag, { flush: true });
}

/** Waits up to `timeoutMs` for a request's answer; on `'timeout'` the request stays pending. */
export async function waitResponse<Reply>(ctx: ProcessContext, reqId: RequestId<Reply>, timeoutMs: WaitTime = Infinity): Promise<Response<Reply> | 'timeout'> {
  const tag = reqId.tag;
  const m = await ctx.receive((x) => answers(x, tag), msOf(timeoutMs));
  return m === TIMEOUT ? 'timeout' : settle(ctx, reqId, m as ReplyMessage | Down);
}

/** Waits up to `timeoutMs` for a request's answer; on `'timeout'` the request is abandoned and a late reply never enters the mailbox. */
export async function receiveResponse<Reply>(ctx: ProcessContext, reqId: RequestId<Reply>, timeoutMs: WaitTime = Infinity): Promise<Response<Reply> | 'timeout'> {
  const r = await waitResponse(ctx, reqId, timeoutMs);
  if (r === 'timeout') {
    abandon(ctx, reqId.tag);
    // A reply that entered the mailbox as the wait gave up goes with the request.
    await dropQueuedReply(ctx, reqId.tag);
  }
  return r;
}

/** Reads a message taken by the caller's own receive: the request's answer, or `'noReply'` if the message is not one. */
export function checkResponse<Reply>(ctx: ProcessContext, message: unknown, reqId: RequestId<Reply>): Response<Reply> | 'noReply' {
  return answers(message, reqId.tag) ? settle(ctx, reqId, message as ReplyMessage | Down) : 'noReply';
}

/** An empty request id collection. */
export function reqIdsNew<Reply = unknown, Label = unknown>(): ReqIdCollection<Reply, Label> {
  return new ReqIdCollection(new Map());
}

/** A collection with `reqId` added under `label`; throws `badarg` if it is already in (as OTP). */
export function reqIdsAdd<Reply, Label>(collection: ReqIdCollection<Reply, Label>, reqId: RequestId<Reply>, label: Label): ReqIdCollection<Reply, Label> {
  if (collection.entries.has(reqId.tag)) throw new RuntimeError('badarg', `request ${String(reqId.tag)} is already in the collection`);
  const entries = new Map(collection.entries);
  entries.set(reqId.tag, [reqId, label]);
  return new ReqIdCollection(entries);
}

/** The number of requests in a collection. */
export function reqIdsSize(collection: ReqIdCollection): number {
  return collection.size;
}

/** The requests of a collection with their labels. */
export function reqIdsToList<Reply, Label>(collection: ReqIdCollection<Reply, Label>): Array<[RequestId<Reply>, Label]> {
  return [...collection.entries.values()].map(([id, label]) => [id, label]);
}

// The collection without the request tagged `tag`, or as it was when `remove` is false.
function after<Reply, Label>(collection: ReqIdCollection<Reply, Label>, tag: Ref, remove: boolean): ReqIdCollection<Reply, Label> {
  if (!remove) return collection;
  const entries = new Map(collection.entries);
  entries.delete(tag);
  return new ReqIdCollection(entries);
}

function tagOf(message: ReplyMessage | Down): Ref {
  return message instanceof ReplyMessage ? message.tag : message.ref;
}

/**
 * Waits up to `timeoutMs` for the answer to any request of the collection: `[response, label, collection]`
 * (without that request unless `remove` is false), `'noRequest'` if the collection is empty, or `'timeout'`.
 */
export async function waitResponses<Reply, Label>(ctx: ProcessContext, collection: ReqIdCollection<Reply, Label>, timeoutMs: WaitTime = Infinity, remove = true): Promise<CollectionResponse<Reply, Label> | 'noRequest' | 'timeout'> {
  if (collection.size === 0) return 'noRequest';
  const entries = collection.entries;
  const m = await ctx.receive((x) => (x instanceof ReplyMessage && entries.has(x.tag)) || (x instanceof Down && entries.has(x.ref)), msOf(timeoutMs));
  if (m === TIMEOUT) return 'timeout';
  const answer = m as ReplyMessage | Down;
  const tag = tagOf(answer);
  const [reqId, label] = entries.get(tag)!;
  return [settle(ctx, reqId, answer), label, after(collection, tag, remove)];
}

/** As waitResponses, but a `'timeout'` abandons every request of the collection. */
export async function receiveResponses<Reply, Label>(ctx: ProcessContext, collection: ReqIdCollection<Reply, Label>, timeoutMs: WaitTime = Infinity, remove = true): Promise<CollectionResponse<Reply, Label> | 'noRequest' | 'timeout'> {
  const r = await waitResponses(ctx, collection, timeoutMs, remove);
  if (r === 'timeout') {
    const entries = collection.entries;
    for (const tag of entries.keys()) abandon(ctx, tag);
    // Replies that entered the mailbox as the wait gave up go with their requests, as receiveResponse's does.
    const late = (m: unknown): boolean => m instanceof ReplyMessage && entries.has(m.tag);
    while (internals(ctx).pendingMessages().some(late)) await ctx.receive(late, 0);
  }
  return r;
}

/** Reads a message taken by the caller's own receive against a collection: `[response, label, collection]`, `'noRequest'` or `'noReply'`. */
export function checkResponses<Reply, Label>(ctx: ProcessContext, message: unknown, collection: ReqIdCollection<Reply, Label>, remove = true): CollectionResponse<Reply, Label> | 'noRequest' | 'noReply' {
  if (collection.size === 0) return 'noRequest';
  if (!(message instanceof ReplyMessage) && !(message instanceof Down)) return 'noReply';
  const tag = tagOf(message);
  const entry = collection.entries.get(tag);
  if (entry === undefined) return 'noReply';
  return [settle(ctx, entry[0], message), entry[1], after(collection, tag, remove)];
}
