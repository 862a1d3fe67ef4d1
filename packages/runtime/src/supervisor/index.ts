export { startLink, start, startChild, terminateChild, restartChild, deleteChild, whichChildren, countChildren, getChildspec, syncChildren, worker, childSupervisor } from './api.js';
