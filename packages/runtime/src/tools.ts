// @otp-ts/runtime/tools: what tools and tests use beside the user API, starting with the port mapper.
// Built with the main entry into shared chunks (otpBuild.shared): a module both reach exists once in dist/.

/** The port mapper (epmd) as an in-process server: start one on a port of its own for a test or a tool. */
export { EpmdServer, DEFAULT_EPMD_LIMITS } from './distribution/epmd-server.js';
/** Its limits (request timeout, connections, registered nodes). */
export type { EpmdLimits } from './distribution/epmd-server.js';
/** The port mapper's client requests: register a node, look one up, list the names, stop a port mapper nothing relies on. */
export { register as portMapperRegister, lookup as portMapperLookup, names as portMapperNames, killPortMapper, epmdPort } from './distribution/epmd-client.js';
/** A registration (closed to unregister) and a node's entry in the port mapper. */
export type { Registration } from './distribution/epmd-client.js';
export type { NodeEntry } from './distribution/epmd-protocol.js';
/** Colour for tools' terminal output: on a TTY, off with NO_COLOR, on with FORCE_COLOR, never in a pipe otherwise. */
export { colours, colourEnabled } from './colour.js';
/** The styles for one stream, and what the decision looks at. */
export type { Colours, ColourStream } from './colour.js';
/** The trace agent's call-pattern language (`mod.fn/2`, wildcards, argument patterns, guards) and its bounded value formatter. */
export { parseCallPattern, compileArgsMatcher } from './trace/pattern.js';
export { formatBounded } from './trace/format.js';
/** The node side of `otp observer` (the otp_observer rpc module and the functions it answers with), for tools and tests. */
export { observerRpcModule, processPage, tablePage, tableRows, act } from './trace/observe.js';
