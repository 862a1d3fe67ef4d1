/** @otp-ts/tracer: tracing and live inspection of running nodes (issue 9). */
export {};
