import type { ProcessContext } from '../types.js';
import { RuntimeError } from '../errors.js';
import { isTimeoutMs } from '../timers.js';
import { Down, TIMEOUT } from '../messages.js';
import type { Ref } from '../pid.js';
import { ReplyMessage } from '../gen/messages.js';
import { cast as genCast, dropQueuedReply, type ServerRef } from '../gen/call.js';
import { abandon, checkResponse, sendRequest, type RequestId } from '../gen/request.js';

/** What multiCall answers: each node's reply in the order the nodes were given, and the nodes that gave none. */
export interface MultiCallResult<Reply> {
  replies: Array<[node: string, reply: Reply]>;
  /** Nodes where the server did not exist, died, was unreachable or did not answer in time. */
  badNodes: string[];
}

const BAD: unique symbol = Symbol('noAnswer');

// The server `name` on `node`, addressed as a local name on this node.
function serverOn(ctx: ProcessContext, node: string, name: string): ServerRef {
  return node === ctx.node.name ? name : { name, node };
}

// OTP's default node list: this node, then the visible connected ones ([node() | nodes()]).
function allNodes(ctx: ProcessContext): string[] {
  return [ctx.node.name, ...ctx.node.nodes()];
}

/**
 * Calls the server registered as `name` on each node at once and collects the replies (OTP's
 * gen_server:multi_call); `timeoutMs` bounds the whole call. Late replies are dropped, never queued.
 * Without a node list: this node and every visible connected node, as OTP's multi_call/2,3.
 */
export function multiCall<Reply = unknown>(ctx: ProcessContext, nodes: readonly string[], name: string, request: unknown, timeoutMs?: number): Promise<MultiCallResult<Reply>>;
export function multiCall<Reply = unknown>(ctx: ProcessContext, name: string, request: unknown, timeoutMs?: number): Promise<MultiCallResult<Reply>>;
export function multiCall<Reply = unknown>(ctx: ProcessContext, ...args: [readonly string[], string, unknown, number?] | [string, unknown, number?]): Promise<MultiCallResult<Reply>> {
  if (typeof args[0] === 'string') {
    const [name, request, timeoutMs] = args as [string, unknown, number?];
    return callAll<Reply>(ctx, allNodes(ctx), name, request, timeoutMs ?? Infinity);
  }
  const [nodes, name, request, timeoutMs] = args as [readonly string[], string, unknown, number?];
  return callAll<Reply>(ctx, nodes, name, request, timeoutMs ?? Infinity);
}

async function callAll<Reply>(ctx: ProcessContext, nodes: readonly string[], name: string, request: unknown, timeoutMs: number): Promise<MultiCallResult<Reply>> {
  // Checked before any request leaves: a bad timeout found later would leave the replies in the mailbox.
  // As OTP's multi_call guard (a timeout >= 0 or infinity): a negative one would send the request and call every node bad.
  if (!isTimeoutMs(timeoutMs)) throw new RuntimeError('badarg', `multiCall's timeout must be a whole number of milliseconds >= 0 or Infinity, got ${String(timeoutMs)}; the request was not sent`);
  const requests = new Map<Ref, [index: number, id: RequestId<Reply>]>();
  const answers: Array<Reply | typeof BAD> = new Array(nodes.length).fill(BAD);
  nodes.forEach((node, i) => {
    const id = sendRequest<Reply>(ctx, serverOn(ctx, node, name), request);
    requests.set(id.tag, [i, id]);
  });
  const deadline = performance.now() + timeoutMs;
  const isAnswer = (m: unknown): m is ReplyMessage | Down => (m instanceof ReplyMessage && requests.has(m.tag)) || (m instanceof Down && requests.has(m.ref));
  while (requests.size > 0) {
    const m = await ctx.receive(isAnswer, Math.max(0, Math.ceil(deadline - performance.now())));
    if (m === TIMEOUT) break;
    const tag = m instanceof ReplyMessage ? m.tag : m.ref;
    const [i, id] = requests.get(tag)!;
    requests.delete(tag);
    const r = checkResponse(ctx, m, id);
    if (r !== 'noReply' && r.type === 'reply') answers[i] = r.reply;
  }
  for (const tag of requests.keys()) abandon(ctx, tag);
  // A reply delivered after the wait timed out but before its request was abandoned is already queued: it
  // goes with its request (the node is a bad node, as a call that timed out is) instead of staying in the mailbox.
  for (const tag of requests.keys()) await dropQueuedReply(ctx, tag);
  const result: MultiCallResult<Reply> = { replies: [], badNodes: [] };
  answers.forEach((a, i) => (a === BAD ? result.badNodes.push(nodes[i]!) : result.replies.push([nodes[i]!, a])));
  return result;
}

/** Casts `request` to the server registered as `name` on each node (OTP's gen_server:abcast); never fails. Without a node list: this node and every visible connected node. */
export function abcast(ctx: ProcessContext, nodes: readonly string[], name: string, request: unknown): void;
export function abcast(ctx: ProcessContext, name: string, request: unknown): void;
export function abcast(ctx: ProcessContext, ...args: [readonly string[], string, unknown] | [string, unknown]): void {
  const [nodes, name, request] = typeof args[0] === 'string' ? [allNodes(ctx), args[0], args[1]] : (args as [readonly string[], string, unknown]);
  for (const node of nodes) {
    if (node !== ctx.node.name && ctx.node.dist === null) continue;
    genCast(ctx, serverOn(ctx, node, name), request);
  }
}
