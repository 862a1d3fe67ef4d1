// One "did you mean" for the toolchain: the release package's, which the start script shares.
export { distance, closest, didYouMean } from '@otp-ts/release';
