export { Pid, Ref } from './pid.js';
export { Exit, Down, TIMEOUT, isExit, isDown, TimeoutMessage, TimerResult } from './messages.js';
export type { ExitReason, Timeout } from './messages.js';
export { RuntimeError, ExitSignal, ProcessExitedError, describeReason } from './errors.js';
export type { RuntimeErrorCode } from './errors.js';
export { OtpNode, ProcessExit, REDUCTION_BUDGET } from './node.js';
export type { NodeOptions } from './node.js';
export { createNode } from './create.js';
export { timer } from './interval.js';
export { _, compareTerms, matchPattern, estimateSize } from './terms.js';
export type { Table, TableOptions, TableType, TableAccess, TableInfo, UpdateCounterOptions, CounterOp, ElementUpdate, TableHeir } from './table.js';
export type { SafeFixed } from './table-fix.js';
export { TableTransfer, isTableTransfer } from './table.js';
export { matchSpec, matchSpecRun, MatchSpec, gt, ge, lt, le, eq, ne, and, or, not, isNumber, isString, isBoolean, isTuple, isObject } from './table-match.js';
export type { Expr, Field, SpecOperand, RowPattern, Out } from './table-match.js';
export type { SelectChunk, SelectContinuation } from './table-select.js';
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
  CancelTimerOptions,
  ReadTimerOptions,
  TimerOptions,
} from './types.js';
export type { AliasMode, MonitorOptions } from './alias.js';
export type { MailboxLimit } from './limits.js';
export { setMessageIsolation, messageIsolation, profileIsolation } from './isolation.js';
export { Logger, loggerOf, formatEvent, formatValue, stderrHandler, isNormalExit } from './logger.js';
export type { LogLevel, LogEvent, LogHandler, LogFormatter, LogMeta, Report } from './logger.js';
export { From } from './gen/messages.js';
export { CallError, StartError, BadReturnValue } from './gen/errors.js';
export type { CallFailure } from './gen/errors.js';
export { DEFAULT_CALL_TIMEOUT, whereisServer } from './gen/call.js';
export type { ServerRef, ServerName, ViaRegistry } from './gen/call.js';
export type { StartOptions } from './gen/start.js';
export { RequestId, ReqIdCollection } from './gen/request.js';
export type { Response, CollectionResponse, WaitTime } from './gen/request.js';
export type { MultiCallResult } from './gen-server/cluster.js';
export { sys } from './sys.js';
export type { Statistics, SysStatus, SpecialModule, SpecialProcess, SysEvent, SysEventKind, DebugFun, DebugOption, LogFlag } from './sys.js';
export * as genServer from './gen-server/index.js';
export type {
  GenServer,
  InitResult,
  InitError,
  CallResult,
  NoReplyResult,
  Action,
  Status,
  Awaitable,
  ServerPid,
} from './gen-server/types.js';
export { ok, ignore, initError, reply, noreply, stop } from './gen-server/types.js';
export * as supervisor from './supervisor/index.js';
export * as application from './application/index.js';
export { ApplicationError } from './application/types.js';
export type { AppResource, ApplicationModule, StartType, StartPhase, RunningApp, ModuleLoader, ApplicationErrorCode } from './application/types.js';
export type { ControllerOptions } from './application/controller.js';
export type { AppKeys } from './application/keys.js';
export type { EnvOptions } from './application/api.js';
export { SupervisorError } from './supervisor/types.js';
export type { Supervisor, SupervisorSpec, ChildSpec, SupFlags, Strategy, Restart, Shutdown, ChildType, ChildInfo, ChildCounts, StartFn, SupervisorErrorCode, AutoShutdown, BadSpecDetail } from './supervisor/types.js';
export * as genEvent from './gen-event/index.js';
export type { GenEventHandler } from './gen-event/types.js';
export { HandlerExit, GenEventError } from './gen-event/types.js';
export * as genStatem from './gen-statem/index.js';
export type { GenStatem } from './gen-statem/types.js';
export { CodeServer, CodeError, codeServerOf, RemovedExportError, upgradeModules, UpgradeError, copyState } from './code/index.js';
export type { CodeServerOptions, ModuleSource, ModuleLinks, Stranded, UpgradeOptions, UpgradeReport } from './code/index.js';
// Loading distribution installs `node.startDistribution` (the process layer does not import distribution).
import './distribution/install.js';
export { NodeDown } from './distribution/node-dist.js';
export type { DistributionOptions, NodeDownReason } from './distribution/node-dist.js';
export type { DistributionTls, ConnectFailure, ConnectFailureReason } from './distribution/transport.js';
export { rpc, BadRpc, registerRpcModule, CTX_FIRST_KEY, type ExceptionClass } from './rpc/index.js';
export { erpc, ErpcError, ErpcRequestId, type ErpcErrorKind, type ErpcResponse, type MulticallResult } from './rpc/erpc.js';
// Every distributed node serves the trace agent, otp_observer and otp_profile (otp trace, top, observer,
// profile reach any node), though their exports live in /tools: loading them installs the service.
import './trace/api.js';
export type { ModuleChange, AppChange } from './release/types.js';
export { global, GlobalNameConflict } from './global/index.js';
export type { ConflictResolver, GlobalRegisterOptions, LockId } from './global/index.js';
export { pg, PgUpdate } from './pg/index.js';
export type { PgGroup } from './pg/index.js';
export { NodeUp } from './distribution/node-dist.js';
export type { DiscoveryOptions, DnsDiscovery } from './distribution/discovery.js';

// Code the node loads at run time (hot-loaded modules, rpc eval) sees this entry as `@otp-ts/runtime`.
import * as runtimeEntry from './index.js';
import { provideRuntimeApi } from './code/runtime-api.js';
provideRuntimeApi(runtimeEntry);
