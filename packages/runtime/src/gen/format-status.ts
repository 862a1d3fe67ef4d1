import { formatValue } from '../logger.js';

/**
 * Runs a callback module's formatStatus, if it has one; a formatStatus that throws must not hide the
 * report it was asked for, so `field` of the status is replaced by a note saying it crashed, and the sys
 * log (whose events hold states and messages it meant to redact) is left out.
 */
export function safeFormatStatus<S extends object>(formatStatus: ((status: S) => S) | undefined, status: S, field: keyof S & string): S {
  if (!formatStatus) return status;
  try {
    return formatStatus(status);
  } catch (error) {
    const { log: _log, ...rest } = status as S & { log?: unknown };
    return { ...rest, [field]: `<formatStatus crashed: ${formatValue(error, 200)}>` } as S;
  }
}
