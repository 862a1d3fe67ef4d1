export { TraceAgent, traceAgentOf, MAX_FUNCTIONS, TRACE_DEFAULTS } from './agent.js';
export { TRACE_RPC_MODULE } from './api.js';
export { parseCallPattern, compileArgsMatcher } from './pattern.js';
export type { CallPattern, ArgPattern, Guard, Operand, ParseResult } from './pattern.js';
export { formatBounded, DEFAULT_BOUNDS } from './format.js';
export type { FormatBounds } from './format.js';
export { topProcesses, processDetails, supervisionTree } from './inspect.js';
export type { ProcsSort, ProcRow, ProcessDetails, TreeNode } from './inspect.js';
export type { TraceSpec, TraceEvent, TraceEndReason, TraceMessage, TraceErrorCode, TraceStartResult, TraceSessionInfo } from './types.js';
