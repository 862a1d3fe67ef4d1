// The scheduler's hook for time per process (eprof's view in `otp profile`). While no profile runs the
// slot is null and a process run pays one property test where it is woken and one where it yields; a
// profile (trace/profile.ts) installs its timer here for as long as it runs.
// It knows no process class: a timer is told the process record itself, which it keys its figures by, so this
// file sits below the process files (rule below-the-process-files).

/** What the scheduler tells a process timer: a process (its record) was woken (it runs next) and a process yielded (its run ended). */
export interface RunTimer {
  woke(p: object): void;
  yielded(p: object): void;
}

/** The installed process timer, if a profile runs (one per Node.js process, as the inspector's profiler). */
export const runTiming: { on: RunTimer | null } = { on: null };
