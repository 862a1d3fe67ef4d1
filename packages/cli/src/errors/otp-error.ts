// The error base is shared with a release's start script: it lives in @otp-ts/release, re-exported here.
export { OtpError, isOtpError } from '@otp-ts/release';
export type { OtpErrorCode, OtpErrorOptions, Location } from '@otp-ts/release';
