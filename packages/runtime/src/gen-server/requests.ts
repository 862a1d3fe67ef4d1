import type { ProcessContext } from '../types.js';
import type { ServerRef } from '../gen/call.js';
import * as gen from '../gen/request.js';
import { ReqIdCollection, type RequestId, type CollectionResponse, type Response, type WaitTime } from '../gen/request.js';

/** Sends a call request to a server without waiting (OTP's gen_server:send_request); the id is typed with the server's reply. */
export function sendRequest<Call, Cast, Reply>(ctx: ProcessContext, server: ServerRef<Call, Cast, Reply>, request: NoInfer<Call>): RequestId<Reply> {
  return gen.sendRequest<Reply>(ctx, server, request);
}

/** Waits up to `timeoutMs` (default: forever; `{ abs }` a deadline on `performance.now()`) for a request's answer; a `'timeout'` leaves the request pending. */
export function waitResponse<Reply>(ctx: ProcessContext, reqId: RequestId<Reply>, timeoutMs?: WaitTime): Promise<Response<Reply> | 'timeout'>;
/** Waits for the answer to any request of a collection; `remove` (default true) drops that request from the collection returned. */
export function waitResponse<Reply, Label>(ctx: ProcessContext, collection: ReqIdCollection<Reply, Label>, timeoutMs?: WaitTime, remove?: boolean): Promise<CollectionResponse<Reply, Label> | 'noRequest' | 'timeout'>;
export function waitResponse<Reply, Label>(ctx: ProcessContext, ids: RequestId<Reply> | ReqIdCollection<Reply, Label>, timeoutMs?: WaitTime, remove?: boolean): Promise<unknown> {
  return ids instanceof ReqIdCollection ? gen.waitResponses(ctx, ids, timeoutMs, remove) : gen.waitResponse(ctx, ids, timeoutMs);
}

/** As waitResponse, but a `'timeout'` abandons the request: a late reply never enters the mailbox. */
export function receiveResponse<Reply>(ctx: ProcessContext, reqId: RequestId<Reply>, timeoutMs?: WaitTime): Promise<Response<Reply> | 'timeout'>;
/** As waitResponse on a collection, but a `'timeout'` abandons every request in it. */
export function receiveResponse<Reply, Label>(ctx: ProcessContext, collection: ReqIdCollection<Reply, Label>, timeoutMs?: WaitTime, remove?: boolean): Promise<CollectionResponse<Reply, Label> | 'noRequest' | 'timeout'>;
export function receiveResponse<Reply, Label>(ctx: ProcessContext, ids: RequestId<Reply> | ReqIdCollection<Reply, Label>, timeoutMs?: WaitTime, remove?: boolean): Promise<unknown> {
  return ids instanceof ReqIdCollection ? gen.receiveResponses(ctx, ids, timeoutMs, remove) : gen.receiveResponse(ctx, ids, timeoutMs);
}

/** Reads a message the caller received itself: the request's answer, or `'noReply'` if the message is not one. */
export function checkResponse<Reply>(ctx: ProcessContext, message: unknown, reqId: RequestId<Reply>): Response<Reply> | 'noReply';
/** Reads a message against a collection: `[response, label, collection]`, `'noRequest'` if empty, or `'noReply'`. */
export function checkResponse<Reply, Label>(ctx: ProcessContext, message: unknown, collection: ReqIdCollection<Reply, Label>, remove?: boolean): CollectionResponse<Reply, Label> | 'noRequest' | 'noReply';
export function checkResponse<Reply, Label>(ctx: ProcessContext, message: unknown, ids: RequestId<Reply> | ReqIdCollection<Reply, Label>, remove?: boolean): unknown {
  return ids instanceof ReqIdCollection ? gen.checkResponses(ctx, message, ids, remove) : gen.checkResponse(ctx, message, ids);
}

export { reqIdsNew, reqIdsAdd, reqIdsSize, reqIdsToList } from '../gen/request.js';
