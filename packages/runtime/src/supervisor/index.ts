export { startLink, start, startChild, terminateChild, restartChild, deleteChild, whichChildren, countChildren, getChildspec, worker, childSupervisor } from './api.js';
