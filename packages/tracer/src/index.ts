/** @otp-ts/tracer: tracing and live inspection of running nodes, over distribution. */
export { connect, notANodeName } from './connect.js';
export type { ConnectOptions, Connection, TraceHandle, TraceSummary } from './connect.js';
export { TracerError } from './errors.js';
export type { TracerErrorCode } from './errors.js';
export { formatTraceEvent, formatSummary, formatProcs, formatInfo, formatTree } from './format.js';
export type { EventFormat } from './format.js';
export type { TraceSpec, TraceEvent, TraceEndReason, ProcRow, ProcsSort, ProcessDetails, TreeNode } from '@otp-ts/runtime/tools';
