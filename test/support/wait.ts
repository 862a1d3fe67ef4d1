// Tests wait on conditions, not clocks: poll for what must happen, with a generous deadline that only a
// broken run reaches; and a test that edits source text checks that its edit applied.

/** Polls `check` (sync or async) every `everyMs` (0: every turn of the event loop) until it holds; past `ms` (default 30 s) throws naming `what` and the last value seen. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, { ms = 30_000, everyMs = 10 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: still not true after ${ms} ms (last: ${String(last)})`);
    await new Promise((r) => (everyMs === 0 ? setImmediate(r) : setTimeout(r, everyMs)));
  }
}

/** Polls `check` like waitFor until it holds or `ms` (default 30 s) pass, and says whether it held: for a caller whose own assertion then shows what was seen. */
export async function waitUntil(check: () => unknown, { ms = 30_000, everyMs = 10 } = {}): Promise<boolean> {
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, everyMs))) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
  }
}

/** `text` with `from` replaced by `to`; throws when `from` does not occur, so a stale edit fails the test instead of testing the unedited source. */
export function replaceOrFail(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : new RegExp(from.source, from.flags.replace('g', '')).test(text);
  if (!found) throw new Error(`the edit did not apply: ${String(from)} is not in the text (${text.length} chars, starting ${JSON.stringify(text.slice(0, 80))})`);
  return typeof from === 'string' ? text.replace(from, () => to) : text.replace(from, to);
}

/** `text` with each `[from, to]` applied in turn by replaceOrFail: every edit must apply. */
export function editsOrFail(text: string, edits: ReadonlyArray<readonly [string | RegExp, string]>): string {
  return edits.reduce((t, [from, to]) => replaceOrFail(t, from, to), text);
}

/**
 * How many windows of a per-second log limit the lines logged at `times` (ms) can have used: a window opens at a
 * line and the next at least a second later, so a flood a loaded machine spreads over several seconds may log its
 * allowance in each. 1 for lines within the same second; 0 for none. (990 ms: a timer may fire a millisecond early.)
 */
export function logWindows(times: readonly number[]): number {
  return times.length === 0 ? 0 : 1 + Math.floor((Math.max(...times) - Math.min(...times)) / 990);
}
