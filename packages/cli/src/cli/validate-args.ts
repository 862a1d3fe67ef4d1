// `otp`'s usage checks: the toolchain's shared ones (in @otp-ts/release, which the start script also parses
// with), said for the program `otp`.
import { checkFlags as checkFlagsOf, collectArgs as collectArgsOf, usageError as usageErrorOf, type OtpError } from '@otp-ts/release';
import type { AnyProvider, OptionSpec } from './provider.js';

export { listOf } from '@otp-ts/release';

/** A usage error for `otp <command>`, ending with where to find help. */
export function usageError(message: string, command?: string): OtpError {
  return usageErrorOf('otp', message, command);
}

/** Refuses any `--flag` or `-f` on the command line that the command's table does not declare. */
export function checkFlags(argv: readonly string[], options: readonly OptionSpec[], command?: string): void {
  checkFlagsOf('otp', argv, options, command);
}

/** Checks positionals and option values against the provider's tables and returns the typed argument object. */
export function collectArgs(provider: AnyProvider, parsed: Record<string, unknown>, extra: readonly unknown[], argv: readonly string[] = []): Record<string, unknown> {
  return collectArgsOf('otp', provider, parsed, extra, argv);
}
