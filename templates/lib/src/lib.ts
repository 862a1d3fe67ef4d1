/** How retries back off: the first delay, the cap, and the growth factor. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** A backoff that starts at 100 ms, doubles, and stops growing at 30 s. */
export const defaultBackoff: Backoff = { initialMs: 100, maxMs: 30_000, factor: 2 };

/** The delay before retry number `attempt` (0 for the first): grows by `factor`, never above `maxMs`. */
export function delayFor(attempt: number, backoff: Backoff = defaultBackoff): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a whole number from 0, got ${attempt}`);
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** attempt);
}

/** The first `n` delays of a backoff, for logs and tests. */
export function schedule(n: number, backoff: Backoff = defaultBackoff): number[] {
  return Array.from({ length: n }, (_, i) => delayFor(i, backoff));
}
