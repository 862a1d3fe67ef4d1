/** Placeholder entry of @otp-ts/test-runner/assert (the assertions arrive with the otp test issue). */
export const assertVersion = '0.1.0';
