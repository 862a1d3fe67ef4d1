export { startController, load, unload, start, ensureStarted, ensureAllStarted, stop, loadedApplications, whichApplications, setConfig, update, getEnv, getAllEnv, setEnv, unsetEnv, getApplication, getKey, getAllKey, getSupervisor } from './api.js';
export type { EnvOptions } from './api.js';
export type { AppKeys } from './keys.js';
export { groupLeader, setGroupLeader } from './group-leader.js';
export { readResource, validateResource } from './resource.js';
