/** The version of the test runner (its API arrives with the otp test issue). */
export const version = '0.1.0';
