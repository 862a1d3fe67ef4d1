export type { SyncedChildren } from './api.js';
export { startLink, start, startChild, terminateChild, restartChild, deleteChild, whichChildren, countChildren, getChildspec, syncChildren, checkChildSpecs, worker, childSupervisor } from './api.js';
