import { usageError } from '../cli/validate-args.js';

/** A whole-number flag's value checked against its range: a usage error (exit 2) naming the flag and the range otherwise. */
export function wholeFlag(command: string, flag: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  throw usageError(`--${flag} must be a whole number ${range}, got '${String(value)}'`, command);
}
