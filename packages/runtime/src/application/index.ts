export { startController, load, unload, start, ensureAllStarted, stop, loadedApplications, whichApplications, setConfig, update, getEnv, getAllEnv, setEnv, unsetEnv } from './api.js';
export { readResource, validateResource } from './resource.js';
