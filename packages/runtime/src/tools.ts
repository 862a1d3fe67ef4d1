// @otp-ts/runtime/tools: what tools and tests use beside the user API, starting with the port mapper.
// Built with the main entry into shared chunks (otpBuild.shared): a module both reach exists once in dist/.

/** The port mapper (epmd) as an in-process server: start one on a port of its own for a test or a tool. */
export { EpmdServer, DEFAULT_EPMD_LIMITS } from './distribution/epmd-server.js';
/** Its limits (request timeout, connections, registered nodes). */
export type { EpmdLimits } from './distribution/epmd-server.js';
/** The port mapper's client requests: register a node, look one up, list the names, stop a port mapper nothing relies on. */
export { register as portMapperRegister, lookup as portMapperLookup, names as portMapperNames, killPortMapper, epmdPort, EnvironmentError, PortMapperError } from './distribution/epmd-client.js';
/** A registration (closed to unregister) and a node's entry in the port mapper. */
export type { Registration } from './distribution/epmd-client.js';
export type { NodeEntry } from './distribution/epmd-protocol.js';
/** Why a string is not a node name (name@host), or undefined; and a value quoted for one line, newlines and control characters escaped. */
export { nodeNameProblem, quoteForLog } from './distribution/handshake.js';
/** Says in one sentence when the process runs out of file descriptors (its listeners' connections then closed unseen), and again when they are free. */
export { watchDescriptors } from './distribution/descriptors.js';
/** Keeps listening servers serving through their accept errors (said in a line, at most one a second), and that rate-limited line-writer itself. */
export { keepServing, rateLimitedLog } from './distribution/descriptors.js';
/** How far a misspelt word is from a name (Levenshtein distance), for the tools' "did you mean" on names in files. */
export { editDistance } from './edit-distance.js';
/** Colour for tools' terminal output: on a TTY, off with NO_COLOR, on with FORCE_COLOR, never in a pipe otherwise. */
export { colours, colourEnabled } from './colour.js';
/** The styles for one stream, and what the decision looks at. */
export type { Colours, ColourStream } from './colour.js';
/** The trace agent's call-pattern language (`mod.fn/2`, wildcards, argument patterns, guards) and its bounded value formatter. */
export { parseCallPattern, compileArgsMatcher } from './trace/pattern.js';
export { formatBounded, ListingBudget } from './trace/format.js';
/** The node side of `otp observer` (the otp_observer rpc module and the functions it answers with), for tools and tests. */
export { observerRpcModule, processPage, tablePage, tableRows, act, loopDelay } from './trace/observe.js';

// What the start script, the CLI, the tracer and the release tooling use: loaded with the user API, not part of it.
// Distribution installs itself on nodes as the main entry loads it: a tool that imports only this entry boots releases too.
import './distribution/install.js';
/** A release root's files: RELEASES.json, a version's release file, node.args and sys.config, and the `${VAR}` they use. */
export { readReleases, writeReleases, withReleasesLock, releasesLockHolder, holderText, osProcessRuns, osProcessStart, ReleaseBusyError, readVersion, readReleaseFile, checkReleaseFile, readNodeArgs, permanentVersion, hasVersion, versionVariables, installInProgress, clearStaleInstall } from './release/files.js';
export type { VersionFiles, VersionVariable, InstallInProgress, LockHolder, LockOptions } from './release/files.js';
export type { NativeBuild, ReleaseApp, ReleaseFile, ReleaseStatus, ReleasesFile, RelupStep, Relup } from './release/types.js';
/** node.args parsing and `${VAR}` substitution in sys.config values; ReleaseConfigError names the file and the fix. */
export { substituteEnv, parseNodeArgs, checkSysConfig, unknownConfigApps, configTypeWarnings, variablesOf, ReleaseConfigError } from './release/config.js';
export type { NodeArgs, HeartArgs } from './release/config.js';
/** Boots a release root and serves its release handler (what `bin/<name> foreground` runs). */
export { bootRelease } from './release/boot.js';
export type { BootOptions, BootedRelease } from './release/boot.js';
/** The release handler's upgrade and downgrade of a running node, and the report they answer with. */
export { install as installRelease, makePermanent, InstallError, MAX_PROBE_MS } from './release/handler.js';
export type { InstallReport, InstallOptions, InstallRefused, LastUpgrade, RunningRelease } from './release/handler.js';
/** The hook supervisors and the application controller consult before giving up (the release handler holds escalations with it). */
export { setEscalationGuard, ResumeRestarts } from './supervisor/escalation.js';
export type { Escalation, EscalationGuard } from './supervisor/escalation.js';
/** The crash dump a release's node writes when it dies abnormally, and its file's shape (`otp crashdump` reads it). */
export { installCrashDump, buildCrashDump, CRASH_DUMP_FILE, CRASH_DUMP_BYTES, CRASH_DUMP_MAX_BYTES } from './release/crashdump.js';
export type { CrashDump, CrashDumpOptions, CrashDumper, DumpedProcess, DumpTreeNode } from './release/crashdump.js';
/** The code server's pieces the compiler, the test runner and the release tooling share: built modules and applications read from disk. */
export { ModuleVersion, sourceHash, IMPORT_META, loadBuiltApplication, readBuiltModules, dependencyOrder, resolveImport } from './code/index.js';
export type { AppFile } from './code/index.js';
/** The eval bounds of `otp remote`, `otp eval` and `bin/<name> eval|remote`, and the shells' helpers and printer. */
export { evalBounds, evalReplyTimeout, remoteAnswer, printedAnswer, thrownAfterPrinting, EvalStopped, DEFAULT_EVAL_TIMEOUT_MS, DEFAULT_EVAL_AWAIT_TIMEOUT_MS, type EvalOptions, type EvalLineOptions } from './rpc/eval.js';
export { shellScope, formatShellValue, SHELL_HELPERS, type ShellHelper } from './rpc/shell-helpers.js';
/** The process of a remote shell's tool node that prints what its session prints on the node after a line answered. */
export { lateOutputReceiver } from './rpc/eval-output.js';
/** An rpc result as `otp rpc` and `bin/<name> rpc` print it: JSON that keeps BigInts, Maps and Sets. */
export { rpcResultJson } from './rpc/result-json.js';
/** The node's trace agent (the rpc module `otp_trace`), its limits and the bounded inspection `otp procs|top|tree` use. */
export { TraceAgent, traceAgentOf, MAX_FUNCTIONS, TRACE_DEFAULTS, MAX_TRACE_BUFFER, MAX_TRACE_SESSIONS, MAX_UNOWNED_TRACE_MS, MAX_TRACE_TIME_MS, MAX_TRACE_PATTERNS, MAX_TRACE_PATTERN_TOTAL, MAX_TRACE_SELECTED, traceListsRefusal, MAX_TRACE_BOUNDS, MAX_TRACE_BUFFER_CHARS, TRACE_RPC_MODULE, DEFAULT_BOUNDS, topProcesses, processDetails, supervisionTree, PROCS_MAX_WINDOW_MS, PROCS_MAX_ROWS, INFO_MAX_MESSAGES, TREE_MAX_CHILDREN } from './trace/index.js';
export type { CallPattern, ArgPattern, Guard, Operand, ParseResult, FormatBounds, ProcsSort, ProcRow, ProcessDetails, TreeNode, TraceSpec, TraceEvent, TraceEndReason, TraceMessage, TraceErrorCode, TraceStartResult, TraceSessionInfo } from './trace/index.js';
/** The rpc modules `otp_observer` and `otp_profile` every distributed node serves, and what they answer with. */
export { OBSERVER_RPC_MODULE, PROFILE_RPC_MODULE, PROFILE_MAX_MS, OTHER_WORK } from './trace/index.js';
export type { ObservedSort, ProcessQuery, ObservedProcess, ProcessPage, ObservedTable, Overview, ObserverAction, CpuProfile, CpuProfileNode, ProfileResult, ProcessTime, ProfileFilter } from './trace/index.js';
/** What `otp heap` reads through `otp_profile`: memory per process and table, and the heap snapshot's chunking. */
export { HEAP_STATE_ASKS, HEAP_MAX_TOP, SNAPSHOT_CHUNK, SNAPSHOT_MIN_BYTES } from './trace/index.js';
export type { HeapReport, HeapProcess } from './trace/index.js';
