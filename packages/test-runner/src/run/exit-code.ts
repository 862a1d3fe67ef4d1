import type { CaseResult } from '../result.js';

/** The name of the failed case a file gets when its worker's `process.exitCode` is non-zero at its end. */
export const EXIT_CODE_CASE = 'process.exitCode was set';

const nonZero = (code: typeof process.exitCode): boolean => code !== undefined && code !== null && Number(code) !== 0;

/**
 * Watches the worker's `process.exitCode` (each worker has its own), which a test or the code under test may set
 * instead of throwing: `node --test` fails a file whose exit code is non-zero when it ends, and so does `otp test`.
 */
export function watchExitCode(): { caseEnded(result: CaseResult): void; verdict(): string | undefined } {
  let firstSeen: string | undefined;
  return {
    caseEnded: (result) => {
      if (firstSeen === undefined && nonZero(process.exitCode)) firstSeen = result.path.join(' > ');
    },
    verdict: () => {
      const code = process.exitCode;
      if (!nonZero(code)) return undefined;
      const when = firstSeen === undefined ? 'outside any test' : `first seen after ${firstSeen} ended`;
      return `the file ended with process.exitCode ${String(code)} (${when}): node --test fails such a file, and so does otp test (a failing test should throw)`;
    },
  };
}
