import fc from 'fast-check';
import { delayFor } from '../src/{{name}}.ts';

const backoffs = fc.record({ initialMs: fc.integer({ min: 1, max: 1000 }), maxMs: fc.integer({ min: 1, max: 100_000 }), factor: fc.integer({ min: 1, max: 4 }) });

/** Delays never shrink from one attempt to the next and never pass the cap. */
export const propDelaysGrowUpToTheCap = () =>
  fc.property(backoffs, fc.nat(60), (backoff, attempt) => {
    const now = delayFor(attempt, backoff);
    return now <= delayFor(attempt + 1, backoff) && now <= backoff.maxMs;
  });
