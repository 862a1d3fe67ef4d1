import { inspect } from 'node:util';

/** One value on one line (or a few), as diffs and failure messages show it. */
export function show(value: unknown): string {
  try {
    return inspect(value, { depth: 6, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 500, compact: true });
  } catch {
    return '<unprintable>';
  }
}
