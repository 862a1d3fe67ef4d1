import { getHeapStatistics } from 'node:v8';

const MB = 2 ** 20;

/** How a user gives the workers a larger heap, from `otp test` and from `runTests`. */
const RAISE = 'a larger heap: NODE_OPTIONS=--max-old-space-size=MB otp test, or workerMemoryMb in runTests';

/** A worker's heap limit in MB: its own (`workerMemoryMb`), else V8's for this process, which a worker thread inherits. */
export function heapLimitMb(memoryMb: number | undefined): number {
  return memoryMb ?? Math.round(getHeapStatistics().heap_size_limit / MB);
}

/** Why a worker died of V8's out-of-memory error, naming its limit and how to raise it. */
export function outOfMemory(limitMb: number): string {
  return `the worker ran out of memory (its heap limit is ${limitMb} MB; ${RAISE})`;
}

/** Growth of a worker's heap over a blocked case that says the case was allocating without end, whatever the limit. */
const GROWTH_MB = 512;

/** A worker's used heap as a case started and when its watchdog fired, in bytes. */
export interface HeapGrowth {
  readonly atStart: number;
  readonly now: number;
}

/**
 * Why a worker whose case kept its event loop blocked for `ms` was terminated. Near its heap limit a worker that
 * allocates without end spends its time collecting garbage long before V8 gives up, and far from it (V8's default
 * is several GB) it is still filling it: when the worker's own heap (`heap`, undefined when it could not be
 * measured) holds three quarters of its limit, or grew since the case started by a sixth of it or by GROWTH_MB,
 * the reason says the case was running out of memory rather than looping. Only this worker's heap is measured:
 * another worker's memory never counts.
 */
export function blockedReason(ms: number, heap: HeapGrowth | undefined, limitMb: number): string {
  const nowMb = Math.round((heap?.now ?? 0) / MB);
  const grownMb = heap === undefined ? 0 : Math.round((heap.now - heap.atStart) / MB);
  if (nowMb >= limitMb * 0.75) {
    return `the worker ran out of memory: its heap held ${nowMb} MB (its heap limit is ${limitMb} MB) while the case kept it blocked for ${ms} ms, and it was terminated (a test that allocates without end? ${RAISE})`;
  }
  if (grownMb >= Math.min(limitMb / 6, GROWTH_MB)) {
    return `the worker was running out of memory: its heap grew by ${grownMb} MB toward its heap limit of ${limitMb} MB while the case kept it blocked for ${ms} ms, and it was terminated (a test that allocates without end? ${RAISE})`;
  }
  return `the worker was blocked for ${ms} ms (a synchronous loop never yields to the event loop) and was terminated`;
}
