// otp new's project writer alone, without the rest of the CLI: create-otp-ts bundles this entry (and the
// error base it reaches) into one file, so `npm create otp-ts` installs one small package, not the toolchain.
export { newProject } from './new-project.js';
export type { NewProjectOptions, NewProjectResult } from './new-project.js';
export { templateNames } from './templates-dir.js';
export { shellWord } from './shell-word.js';
export type { TemplateName } from './templates-dir.js';
export { isOtpError } from '../errors/otp-error.js';
