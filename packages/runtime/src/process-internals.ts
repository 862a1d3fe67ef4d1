import { PROCESS, type Pid } from './pid.js';
import { ProcessImpl } from './process.js';
import type { ProcessInternals } from './process-record.js';
import type { ProcessContext } from './types.js';

// Declared with the record, below process.ts, whose ProcessImpl implements them (this file imports ProcessImpl).
export { DETACHED, type Answer, type LoopWake, type MonitorView, type ProcessInternals } from './process-record.js';

/** The internals of the calling process: every `ProcessContext` the runtime hands out is its process record. */
export function internals(ctx: ProcessContext): ProcessInternals {
  return ctx as ProcessInternals;
}

/** The record of a local process from its pid, if the pid carries one (a pid decoded from elsewhere does not). */
export function internalsOf(pid: Pid): ProcessInternals | undefined {
  return pid[PROCESS] as ProcessInternals | undefined;
}

/** True when `x` is a process context (a process record), not some other value such as an exit reason. */
export function isProcessContext(x: unknown): x is ProcessContext {
  return x instanceof ProcessImpl;
}
