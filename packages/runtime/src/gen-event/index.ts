export { startLink, start, startMonitor, addHandler, addSupHandler, deleteHandler, swapHandler, swapSupHandler, notify, syncNotify, call, whichHandlers, stop } from './api.js';
export type { ManagerRef, ManagerPid } from './api.js';
export { sendRequest, waitResponse, receiveResponse, checkResponse, reqIdsNew, reqIdsAdd, reqIdsSize, reqIdsToList, EventRequestId } from './requests.js';
export { ok, error, reply, removeHandler, swap, HandlerExit, isHandlerExit, GenEventError } from './types.js';
export type {
  GenEventHandler,
  HandlerId,
  InstalledHandler,
  InitResult,
  EventResult,
  CallResult,
  TerminateReason,
  SwapArgs,
  GenEventErrorCode,
} from './types.js';
