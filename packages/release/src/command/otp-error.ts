// The one error base of the toolchain's command-line programs: `otp` (which re-exports it) and a release's
// start script (bin/<name>), so both say what went wrong the same way and exit with the same codes.
// It lives here, not in @otp-ts/cli, because the start script ships inside releases without the CLI.

/** Where an error was found: a file, and the line and column when they are known (1-based). */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

/** What went wrong, for programs: usage and input errors exit 2, failures of the work exit 1. */
export type OtpErrorCode =
  | 'usage'
  | 'badName'
  | 'exists'
  | 'noProject'
  | 'badConfig'
  | 'badCookie'
  | 'badTemplate'
  | 'failed';

/** Options of an OtpError beyond its code and message. */
export interface OtpErrorOptions {
  location?: Location;
  hint?: string;
  cause?: unknown;
}

const usageCodes: ReadonlySet<OtpErrorCode> = new Set(['usage', 'badName', 'exists', 'noProject', 'badConfig', 'badCookie']);

/** An error a person can act on: one sentence, where it happened and how to fix it; rendered by renderError. */
export class OtpError extends Error {
  readonly location: Location | undefined;
  readonly hint: string | undefined;

  constructor(
    readonly code: OtpErrorCode,
    message: string,
    options: OtpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OtpError';
    this.location = options.location;
    this.hint = options.hint;
  }

  /** The process exit code this error ends the command with (SPEC §4): 2 for usage and input, 1 for the work. */
  get exitCode(): 1 | 2 {
    return usageCodes.has(this.code) ? 2 : 1;
  }
}

/** Tells an OtpError from any other thrown value, across copies of the module. */
export function isOtpError(error: unknown): error is OtpError {
  return error instanceof OtpError || (error instanceof Error && error.name === 'OtpError' && typeof (error as OtpError).code === 'string');
}
