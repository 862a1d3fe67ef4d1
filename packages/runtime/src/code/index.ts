export { CodeServer, CodeError, codeServerOf } from './server.js';
export type { CodeServerOptions } from './server.js';
export { ModuleVersion, sourceHash, RemovedExportError, IMPORT_META } from './module.js';
export type { ModuleSource, ModuleLinks } from './module.js';
export { upgradeModules, UpgradeError } from './upgrade.js';
export { copyState } from './protect.js';
export type { UpgradeOptions, UpgradeReport } from './upgrade.js';
export { loadBuiltApplication, readBuiltModules, dependencyOrder } from './app-loader.js';
export type { AppFile } from './app-loader.js';
