export { Pid, Ref } from './pid.js';
export { Exit, Down, TIMEOUT, isExit, isDown } from './messages.js';
export type { ExitReason, Timeout } from './messages.js';
export { RuntimeError, ExitSignal, ProcessExitedError, describeReason } from './errors.js';
export type { RuntimeErrorCode } from './errors.js';
export { OtpNode, ProcessExit, REDUCTION_BUDGET } from './node.js';
export type { NodeOptions } from './node.js';
export { createNode } from './create.js';
export { _, compareTerms, matchPattern, estimateSize } from './terms.js';
export type { Table, TableOptions, TableType, TableAccess, TableInfo, UpdateCounterOptions } from './table.js';
export type {
  Dest,
  Matcher,
  ProcessContext,
  ProcessFn,
  ProcessInfo,
  ProcessLabel,
  ProcessStatus,
  SpawnOptions,
  DemonitorOptions,
} from './types.js';
