/** Levenshtein distance between two strings (insertions, deletions and substitutions): how far a typo is from a name. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * A key of `object` (its own) that is not one of `known` but a misspelling of one (`shutdwon`, `nmae`: another case,
 * or within two edits of it for keys of 4 letters or more), which would otherwise be ignored and leave its option at
 * the default. Keys far from every known one (a caller's own metadata) pass: undefined.
 */
export function misspeltKey(object: object, known: readonly string[]): { key: string; meant: string } | undefined {
  // for…in rather than Object.keys: no array per call (every behaviour start asks it of its options).
  for (const key in object) {
    if (!Object.hasOwn(object, key) || known.includes(key)) continue;
    const meant = known.find((k) => k.toLowerCase() === key.toLowerCase() || (key.length >= 4 && editDistance(key.toLowerCase(), k.toLowerCase()) <= 2));
    if (meant !== undefined) return { key, meant };
  }
  return undefined;
}
