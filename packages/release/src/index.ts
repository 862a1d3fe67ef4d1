/** @otp-ts/release: release assembly, tarballs, relups and the start script. */
export {};
