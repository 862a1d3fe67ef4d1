import type { Ref } from '../pid.js';
import { RuntimeError } from '../errors.js';
import type { ProcessContext } from '../types.js';
import { remoteByName, type ServerRef } from '../gen/call.js';
import { Pid } from '../pid.js';
import * as gen from '../gen/request.js';
import { RequestId, type Response } from '../gen/request.js';
import { GenEventError, ManagerRequest, Refused, describeHandler, type GenEventHandler, type HandlerId } from './types.js';
import type { ManagerRef } from './api.js';

/** A request to one handler of an event manager: also names the handler, so a refusal reads as a `GenEventError` about it. */
export class EventRequestId<Reply = unknown> extends RequestId<Reply> {
  constructor(
    tag: Ref,
    server: ServerRef,
    /** The handler the request calls. */
    readonly handler: HandlerId,
  ) {
    super(tag, server);
  }

  /** A manager refusal (no such handler, the handler crashed) is an error response, as OTP's `{error, bad_module}` / `{error, {'EXIT', R}}`. */
  override read(response: Response<Reply>): Response<Reply> {
    if (response.type !== 'reply' || !(response.reply instanceof Refused)) return response;
    return { type: 'error', reason: new GenEventError(response.reply.code, this.handler, response.reply.reason), server: this.server };
  }
}

/**
 * Sends a call to one handler without waiting (OTP's gen_event:send_request/3); collect the answer with
 * waitResponse, receiveResponse or checkResponse: the handler's reply, or an error response (a `GenEventError`
 * notFound / handlerCrashed, or the manager's exit reason).
 */
export function sendRequest<S, E, C, R, A, T>(ctx: ProcessContext, manager: ManagerRef<E>, handler: HandlerId<GenEventHandler<S, E, C, R, A, T>>, request: C): EventRequestId<R> {
  const id = handler as HandlerId;
  // From a node that is not distributed, { name, node } answers a nodedown error response, as a gen_server request does.
  const unreachable = ctx.node.dist === null && !(manager instanceof Pid);
  if (!unreachable && (manager instanceof Pid ? manager.node !== 0 : remoteByName(ctx, manager) !== undefined)) {
    throw new RuntimeError('badarg', `sendRequest names handler ${describeHandler(id)}, which is code and cannot reach a manager on another node: make the request on the manager's node (rpc)`);
  }
  const op = { type: 'call' as const, handler: id, request };
  return gen.sendRequest<R>(ctx, manager, op, (from) => new ManagerRequest(from, op), (tag, server) => new EventRequestId<R>(tag, server, id)) as EventRequestId<R>;
}

export { waitResponse, receiveResponse, checkResponse, reqIdsNew, reqIdsAdd, reqIdsSize, reqIdsToList } from '../gen-server/requests.js';
