// The observed node's event-loop delay over one second, as bench/observer reports it: how late the loop ran
// its sampling timer. monitorEventLoopDelay records each sample as the whole time since the previous one, its
// interval included, so an idle loop would read as one interval late; the interval is taken off.
import { monitorEventLoopDelay, type Histogram, type IntervalHistogram } from 'node:perf_hooks';
import { loopDelay } from '@otp-ts/runtime/tools';

/** How often the bench's node samples its event loop, in ms. */
export const DELAY_RESOLUTION_MS = 5;

/** A histogram of the loop's delay, sampled every DELAY_RESOLUTION_MS, running. */
export function startDelayHistogram(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  h.enable();
  return h;
}

/** The delay (p99 and max, ms) of the samples `h` holds: the loop's lateness, without the sampling interval. */
export function delayFigures(h: Histogram): { p99: number; max: number } {
  const { p99, max } = loopDelay(h, DELAY_RESOLUTION_MS);
  return { p99, max };
}
