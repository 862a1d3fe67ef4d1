// Shared with the usage checks (in @otp-ts/release), whose hints are command lines to paste too.
export { shellWord } from '@otp-ts/release';
