// What one trace spec may make the node do as its session starts: its lists are read and resolved in one turn of
// the node's one thread. The node and both clients (otp trace, the observer's /api/trace) refuse past these with the
// same sentence, before anything is resolved.

/** The most characters a call pattern may have: a longer one is refused before it is read. */
export const MAX_PATTERN_CHARS = 4096;

/** The most call patterns one session may give: each is resolved against every loaded module as the session starts, on the node's one thread. */
export const MAX_TRACE_PATTERNS = 100;

/** The most characters a session's call patterns may come to together: each is matched against every loaded function's name. */
export const MAX_TRACE_PATTERN_TOTAL = 8192;

/** The most entries a session's `pids` list, and its `names` list, may each hold: each is looked up as the session starts. */
export const MAX_TRACE_SELECTED = 1000;

/** The most characters of a name or pid the node's refusal repeats: a megabyte name typed is not sent back whole. */
export const SHOWN_CHARS = 100;

/** Text from a spec as a refusal repeats it: at most SHOWN_CHARS characters. */
export const shownText = (text: string): string => (text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text);

/**
 * Why a spec's lists are more than a trace may take (too many patterns, pids or names, or patterns too long in all),
 * as one sentence naming the limit; undefined when they fit. The lists must already be lists of strings.
 */
export function traceListsRefusal(spec: { patterns?: readonly string[]; pids?: readonly string[]; names?: readonly string[] }): string | undefined {
  const { patterns = [], pids = [], names = [] } = spec;
  if (patterns.length > MAX_TRACE_PATTERNS) return `a trace takes at most ${MAX_TRACE_PATTERNS} call patterns, got ${patterns.length}: a wildcard names many functions in one (shop/cart.*, shop/*.handle*)`;
  const chars = patterns.reduce((n, p) => n + p.length, 0);
  // One pattern past its own limit is refused by the pattern's parse, in the sentence naming that pattern.
  if (chars > MAX_TRACE_PATTERN_TOTAL && patterns.every((p) => p.length <= MAX_PATTERN_CHARS)) return `a trace's call patterns come to at most ${MAX_TRACE_PATTERN_TOTAL} characters together, got ${chars}: give fewer or shorter patterns (a wildcard names many functions in one, shop/cart.*)`;
  if (pids.length > MAX_TRACE_SELECTED) return `a trace takes at most ${MAX_TRACE_SELECTED} pids, got ${pids.length}: all, new or existing selects many processes in one`;
  if (names.length > MAX_TRACE_SELECTED) return `a trace takes at most ${MAX_TRACE_SELECTED} registered names, got ${names.length}: give fewer, or select processes with all, new or existing`;
  return undefined;
}
