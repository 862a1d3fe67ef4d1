export { compile, moduleName } from './compile.js';
export type { CompileOptions, CompiledApp, AppFile, Profile } from './compile.js';
export { findApps, appName } from './apps.js';
export type { AppSource } from './apps.js';
export { CompileError, formatDiagnostic } from './errors.js';
export type { Diagnostic, Location } from './errors.js';
