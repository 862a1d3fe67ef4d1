// What otp new's project writer takes from this package, alone: create-otp-ts bundles this file in place of
// @otp-ts/release, so `npm create otp-ts` carries the error base and the shell quoting, not the release tools.
export { OtpError, isOtpError } from './otp-error.js';
export type { OtpErrorCode, OtpErrorOptions, Location } from './otp-error.js';
export { shellWord } from './shell-word.js';
