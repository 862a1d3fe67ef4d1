import './isolation.js';
export { startLink, start, startMonitor, call, cast, stop, enterLoop } from './api.js';
export type { EnterLoopOptions } from './api.js';
export { reply } from './types.js';
export { sendRequest, waitResponse, receiveResponse, checkResponse, reqIdsNew, reqIdsAdd, reqIdsSize, reqIdsToList } from './requests.js';
export { multiCall, abcast } from './cluster.js';
