/** A shard of a run: the `index`-th (from 1) of `count` deterministic parts of the test files. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n) into a shard, or says why it is not one. */
export function parseShard(text: string): { ok: true; shard: Shard } | { ok: false; error: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return { ok: false, error: `--shard ${text} is not of the form i/n (e.g. 1/4)` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return { ok: false, error: `--shard ${text}: the number of parts (after the /) must be at least 1, e.g. 1/4` };
  if (index < 1 || index > count) return { ok: false, error: `--shard ${text}: there is no part ${index} of ${count}: give a part from 1 to ${count}, e.g. 1/${count}` };
  return { ok: true, shard: { index, count } };
}

/** The files of one shard (pure): sorted, then dealt round-robin, so every file is in exactly one shard and sizes differ by at most one. */
export function shardFiles<T extends string>(files: readonly T[], shard: Shard): T[] {
  return [...files].sort().filter((_, i) => i % shard.count === shard.index - 1);
}

// mulberry32: a small seeded generator, so a seed replays the same order on every machine.
function random(seed: number): () => number {
  // murmur3's finalizer first: neighbouring seeds (1, 2, 3…) would otherwise start alike.
  let a = Math.imul((seed >>> 0) ^ ((seed >>> 0) >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a = (a ^ (a >>> 16)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `items` in the order the seed gives (pure: Fisher–Yates over a seeded generator). */
export function shuffleWithSeed<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const next = random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
