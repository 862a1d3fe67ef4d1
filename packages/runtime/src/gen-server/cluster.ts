import type { ProcessContext } from '../types.js';
import { Down, TIMEOUT } from '../messages.js';
import type { Ref } from '../pid.js';
import { ReplyMessage } from '../gen/messages.js';
import { cast as genCast, type ServerRef } from '../gen/call.js';
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

/**
 * Calls the server registered as `name` on each node at once and collects the replies (OTP's
 * gen_server:multi_call); `timeoutMs` bounds the whole call. Late replies are dropped, never queued.
 */
export async function multiCall<Reply = unknown>(ctx: ProcessContext, nodes: readonly string[], name: string, request: unknown, timeoutMs = Infinity): Promise<MultiCallResult<Reply>> {
  const requests = new Map<Ref, [index: number, id: RequestId<Reply>]>();
  const answers: Array<Reply | typeof BAD> = new Array(nodes.length).fill(BAD);
  nodes.forEach((node, i) => {
    const id = sendRequest<Reply>(ctx, serverOn(ctx, node, name), request);
    requests.set(id.tag, [i, id]);
  });
  const deadline = performance.now() + timeoutMs;
  const isAnswer = (m: unknown): m is ReplyMessage | Down => (m instanceof ReplyMessage && requests.has(m.tag)) || (m instanceof Down && requests.has(m.ref));
  while (requests.size > 0) {
    const m = await ctx.receive(isAnswer, Math.max(0, deadline - performance.now()));
    if (m === TIMEOUT) break;
    const tag = m instanceof ReplyMessage ? m.tag : m.ref;
    const [i, id] = requests.get(tag)!;
    requests.delete(tag);
    const r = checkResponse(ctx, m, id);
    if (r !== 'noReply' && r.type === 'reply') answers[i] = r.reply;
  }
  for (const tag of requests.keys()) abandon(ctx, tag);
  const result: MultiCallResult<Reply> = { replies: [], badNodes: [] };
  answers.forEach((a, i) => (a === BAD ? result.badNodes.push(nodes[i]!) : result.replies.push([nodes[i]!, a])));
  return result;
}

/** Casts `request` to the server registered as `name` on each node (OTP's gen_server:abcast); never fails. */
export function abcast(ctx: ProcessContext, nodes: readonly string[], name: string, request: unknown): void {
  for (const node of nodes) {
    if (node !== ctx.node.name && ctx.node.dist === null) continue;
    genCast(ctx, serverOn(ctx, node, name), request);
  }
}
