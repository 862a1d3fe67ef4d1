import { getHeapStatistics } from 'node:v8';

const MB = 2 ** 20;

/** How a user gives the workers a larger heap, from `otp test` and from `runTests`. */
const RAISE = 'a larger heap: NODE_OPTIONS=--max-old-space-size=MB otp test, or workerMemoryMb in runTests';

/** A worker's heap limit in MB: its own (`workerMemoryMb`), else V8's for this process, which a worker thread inherits. */
export function heapLimitMb(memoryMb: number | undefined): number {
  return memoryMb ?? Math.round(getHeapStatistics().heap_size_limit / MB);
}

/** The resident memory of this process (every worker's heap is in it), to compare over a case. */
export const residentBytes = (): number => process.memoryUsage.rss();

/** Why a worker died of V8's out-of-memory error, naming its limit and how to raise it. */
export function outOfMemory(limitMb: number): string {
  return `the worker ran out of memory (its heap limit is ${limitMb} MB; ${RAISE})`;
}

/** Growth of the process's memory over a blocked case that says the case was allocating without end, whatever the limit. */
const GROWTH_MB = 512;

/**
 * Why a worker whose case kept its event loop blocked for `ms` was terminated. Near its heap limit a worker that
 * allocates without end spends its time collecting garbage long before V8 gives up, and far from it (V8's default
 * is several GB) it is still filling it: when the process's memory grew by half the heap limit, or by GROWTH_MB,
 * since the case started, the reason says the case was running out of memory rather than looping.
 */
export function blockedReason(ms: number, residentAtStart: number, limitMb: number): string {
  const grownMb = Math.round((residentBytes() - residentAtStart) / MB);
  if (grownMb >= limitMb / 2) {
    return `the worker ran out of memory: its memory grew by ${grownMb} MB (its heap limit is ${limitMb} MB) while the case kept it blocked for ${ms} ms, and it was terminated (a test that allocates without end? ${RAISE})`;
  }
  if (grownMb >= GROWTH_MB) {
    return `the worker was running out of memory: its memory grew by ${grownMb} MB toward its heap limit of ${limitMb} MB while the case kept it blocked for ${ms} ms, and it was terminated (a test that allocates without end? ${RAISE})`;
  }
  return `the worker was blocked for ${ms} ms (a synchronous loop never yields to the event loop) and was terminated`;
}
