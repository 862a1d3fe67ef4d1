/** The seeds a run takes: the runner prints 32-bit unsigned ones, and fast-check's own (printed elsewhere) are 32-bit signed; past either, a seed would be silently wrapped to another. */
export const MIN_SEED = -(2 ** 31);
/** The largest seed a run takes (see MIN_SEED). */
export const MAX_SEED = 2 ** 32 - 1;

/** A seed outside the 32-bit seeds a run prints and replays: `otp test --seed` refuses it as a usage error, `runTests` throws this. */
export class SeedRangeError extends RangeError {
  constructor(readonly seed: number) {
    super(`--seed must be a whole number from ${MIN_SEED} to ${MAX_SEED} (a seed a run printed), got ${Number.isSafeInteger(seed) ? String(seed) : seed < 0 ? 'a smaller one' : 'a larger one'}`);
    this.name = 'SeedRangeError';
  }
}

/** Throws a SeedRangeError for a seed outside MIN_SEED..MAX_SEED (a larger one would be wrapped to another seed); undefined passes. */
export function checkSeedRange(seed: number | undefined): void {
  if (seed !== undefined && (seed < MIN_SEED || seed > MAX_SEED)) throw new SeedRangeError(seed);
}
