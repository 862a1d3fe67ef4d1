// The scheduler's hook for time per process (eprof's view in `otp profile`). While no profile runs the
// slot is null and a process run pays one property test where it is woken and one where it yields; a
// profile (trace/profile.ts) installs its timer here for as long as it runs.
import type { ProcessImpl } from './process.js';

/** What the scheduler tells a process timer: a process was woken (it runs next) and a process yielded (its run ended). */
export interface RunTimer {
  woke(p: ProcessImpl): void;
  yielded(p: ProcessImpl): void;
}

/** The installed process timer, if a profile runs (one per Node.js process, as the inspector's profiler). */
export const runTiming: { on: RunTimer | null } = { on: null };
