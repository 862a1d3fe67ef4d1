import { thrownReason } from '../errors.js';

/** What a callback did: returned a value, or threw (the error, or the reason an `exit(reason)` carried). */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** True for a promise-like value: a callback that returns one is awaited, any other result is used at once. */
export function isThenable(v: unknown): v is Promise<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function';
}

/** The reason a throw ends a behaviour with: `exit(reason)` inside a callback ends it with that reason, as in OTP (see `thrownReason`). */
export function exitReasonOf(error: unknown): unknown {
  return thrownReason(error);
}

/** The behaviours' try-wrapper: runs a callback, sync or async, and turns a throw into a value. */
export async function attempt(fn: () => unknown): Promise<Outcome> {
  try {
    const r = fn();
    return { ok: true, value: isThenable(r) ? await r : r };
  } catch (error) {
    return { ok: false, error: exitReasonOf(error) };
  }
}
