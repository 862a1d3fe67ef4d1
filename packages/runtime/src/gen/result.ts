import type { Outcome } from './attempt.js';

/**
 * A callback's result as the union `T` of the results it may give (tagged by `type`), or null when it is not
 * a tagged object at all. User code may return anything: a value with a `type` outside the union is let through
 * here and falls out of the caller's exhaustive switch, where it is a bad return value, as null is.
 */
export function resultOf<T extends { readonly type: string }>(value: unknown): T | null {
  return value !== null && typeof value === 'object' && typeof (value as { readonly type?: unknown }).type === 'string' ? (value as T) : null;
}

/**
 * A callback's result that it threw instead of returning (`throw reply(v, s)`, an early return from deep inside a
 * helper), or null for any other thrown value: OTP takes a value a callback throws (class throw) as its return. Only
 * a tagged result of one of `types`, not an Error, counts, so an error that happens to carry a `type` still crashes.
 */
export function thrownResult<T extends { readonly type: string }>(thrown: unknown, types: readonly string[]): T | null {
  try {
    if (thrown instanceof Error) return null;
    const r = resultOf<T>(thrown);
    return r !== null && types.includes(r.type) ? r : null;
  } catch {
    // A proxy whose traps throw is no result: it stays the crash's reason.
    return null;
  }
}

/** The outcome of a callback whose thrown result (see thrownResult) counts as returned. */
export function returnedIfThrown(out: Outcome, types: readonly string[]): Outcome {
  return !out.ok && thrownResult(out.error, types) !== null ? { ok: true, value: out.error } : out;
}
