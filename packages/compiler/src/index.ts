export { compile, moduleName, buildDefaults } from './compile.js';
export type { BuildOptions, CompileOptions, CompiledApp, Profile } from './compile.js';
export type { AppFile } from '@otp-ts/runtime/tools';
export { findApps, appName } from './apps.js';
export type { AppSource } from './apps.js';
export { CompileError, formatDiagnostic } from './errors.js';
export type { Diagnostic, Location } from './errors.js';
export { clearingTimers } from './top-level-timers.js';
