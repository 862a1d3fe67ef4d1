// Crash dumps (erl_crash.dump's counterpart): when a node dies abnormally it writes one JSON file saying
// why, where, and what every process, name, table and module looked like at that moment. Written
// synchronously (the process is about to end), atomically (tmp + rename), once per crash, within a size
// limit. On the heap limit no JavaScript can run: Node.js' own diagnostic report is written to the same
// path instead (process.report.reportOnFatalError), and `otp crashdump` reads either. A behaviour's state is
// read from its loop's sys target (formatStatus applied), synchronously: no message needs answering.
import { readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import { Pid } from '../pid.js';
import { loggerOf } from '../logger.js';
import { tableOf } from '../global/table.js';
import { formatBounded, type FormatBounds } from '../trace/format.js';
import { sysTargetOf } from '../gen/sys-handler.js';

/** The file name a crash dump gets when none is configured (Erlang's erl_crash.dump). */
export const CRASH_DUMP_FILE = 'otp_crash.dump';
/** The size limit of a crash dump when none is configured, in bytes. */
export const CRASH_DUMP_BYTES = 32 * 1024 * 1024;
/** The largest size limit a crash dump may have, in bytes: a dying node builds its dump in memory, and `otp crashdump` reads no larger file. */
export const CRASH_DUMP_MAX_BYTES = 256 * 1024 * 1024;

/** Options of `installCrashDump`. */
export interface CrashDumpOptions {
  /** Where the dump goes; default: $OTP_CRASH_DUMP, else otp_crash.dump in the current directory. */
  file?: string;
  /** At most this many bytes (4096 to 256 MiB; more throws a RangeError); default: $OTP_CRASH_DUMP_BYTES, else 32 MiB. The process list is cut to fit, with a note. */
  maxBytes?: number;
  /** The running release, if any: its name, version and applications. */
  release?: () => { name: string; vsn: string; runtime?: string; applications?: Array<{ name: string; vsn: string }> } | undefined;
  /** Told the file once a dump is written; default: prints `crash dump written to FILE` on stderr. */
  announce?: (file: string) => void;
}

/** One process in a crash dump. */
export interface DumpedProcess {
  pid: string;
  name?: string;
  behaviour?: string;
  module?: string;
  initialCall: string;
  currentFunction: string;
  status: string;
  mailboxLength: number;
  /** The first messages, formatted with the tracer's bounds. */
  mailbox: string[];
  links: string[];
  monitors: string[];
  memory: number;
  reductions: number;
  trapExit: boolean;
  tables: number;
  /** A behaviour's state as its loop last kept it (formatStatus applied), formatted with the tracer's bounds. */
  state?: string;
}

/** One node of the supervision tree at death: an application, a supervisor or a worker. */
export interface DumpTreeNode {
  kind: 'application' | 'supervisor' | 'worker';
  /** The application's name, or the process's registered name or pid. */
  label: string;
  pid?: string;
  name?: string;
  behaviour?: string;
  module?: string;
  mailboxLength?: number;
  children: DumpTreeNode[];
  /** Children left out past the bound. */
  more?: number;
}

/** The crash dump file: one JSON object (documented in docs/crashdump.md). */
export interface CrashDump {
  otpCrashDump: 1;
  kind: 'uncaught_error' | 'application_exit' | 'other';
  reason: string;
  where: string | undefined;
  time: string;
  node: string;
  osPid: number;
  versions: { node: string; otpTs: string; release?: { name: string; vsn: string }; applications: Array<{ name: string; vsn: string }> };
  memory: NodeJS.MemoryUsage & { heapLimit: number };
  processCount: number;
  /** Processes by mailbox length then memory, most first; cut to the size limit. */
  processes: DumpedProcess[];
  /** Set when `processes` was cut: how many are listed out of how many. */
  truncated?: { listed: number; total: number; note: string };
  registered: Record<string, string>;
  global: Record<string, string>;
  tables: Array<{ id: number; name?: string; type: string; owner: string; size: number }>;
  /** The supervision tree at the moment of death: each application, its top supervisor and their children (bounded). */
  tree: DumpTreeNode[];
  /** How many behaviours' states are in `processes` (read from their loops at death), and what that means. */
  states: { captured: boolean; behaviours: number; read: number; note: string };
  modules: Array<{ name: string; current?: string; old?: string }>;
  log: string[];
  /** Node.js' diagnostic report (process.report.getReport()), trimmed when it would not fit. */
  report: unknown;
  maxBytes: number;
}

/** A node's crash dump writer: `write` at most once, `uninstall` to stop watching the process. */
export interface CrashDumper {
  readonly file: string;
  readonly maxBytes: number;
  /** Writes the dump (once: later calls return undefined), synchronously; returns the file written. */
  write(kind: CrashDump['kind'], reason: unknown): string | undefined;
  uninstall(): void;
}

const MAILBOX_HEAD = 5;
const MESSAGE_BOUNDS: FormatBounds = { depth: 3, items: 10, chars: 300 };
const STATE_BOUNDS: FormatBounds = { depth: 4, items: 20, chars: 2000 };
const LOG_LINES = 100;
const TREE_NODES = 10_000;
const TREE_CHILDREN = 200;
// An error's message and its stack are cut to these many characters (an error may carry a whole state in its message).
const REASON_CHARS = 2000;
const WHERE_CHARS = 8000;

// The size of a value in the file: bytes of UTF-8, not characters (a character outside ASCII takes up to three).
const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const cut = (text: string, chars: number): string => (text.length > chars ? `${text.slice(0, chars)}… (${text.length - chars} more characters)` : text);

// The longest any other text of the dump is written (a registered or global name, a table's or a module's name, a
// label, an initial call): a node bounds none of these, and `otp crashdump` refuses a text over 1 MiB as no dump a
// node wrote. Cut with the same mark; even at six bytes a character (an escaped lone surrogate) it stays far below.
const TEXT_CHARS = 10_000;

// JSON.stringify's replacer: each string, and each object's key, longer than TEXT_CHARS is cut with its mark.
function cutLongTexts(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return cut(value, TEXT_CHARS);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.some(([k]) => k.length > TEXT_CHARS) ? Object.fromEntries(entries.map(([k, v]) => [cut(k, TEXT_CHARS), v])) : value;
}

let otpVersion: string | undefined;
function otpTsVersion(): string {
  if (otpVersion !== undefined) return otpVersion;
  otpVersion = 'unknown';
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 5; i++, dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@otp-ts/runtime') {
        otpVersion = pkg.version ?? 'unknown';
        break;
      }
    }
  } catch {
    // The version is a courtesy: a dump without it is still a dump.
  }
  return otpVersion;
}

function describe(reason: unknown): { reason: string; where: string | undefined } {
  if (reason instanceof Error) {
    // Its own fields (a system error's code, errno, syscall, address and port; its cause) follow when all fits the bound.
    const head = `${reason.name}: ${reason.message}`;
    const full = formatBounded(reason, { depth: 3, items: 20, chars: REASON_CHARS });
    return { reason: full.length < REASON_CHARS && full.startsWith(head) ? full : cut(head, REASON_CHARS), where: reason.stack === undefined ? undefined : cut(reason.stack, WHERE_CHARS) };
  }
  // An exit reason wrapping an error ({ applicationStartFailure, reason }, { applicationTerminated, reason }): where is that error's stack.
  const inner = typeof reason === 'object' && reason !== null ? (reason as { reason?: unknown }).reason : undefined;
  return { reason: formatBounded(reason, { depth: 4, items: 20, chars: REASON_CHARS }), where: inner instanceof Error && inner.stack !== undefined ? cut(inner.stack, WHERE_CHARS) : undefined };
}

// A behaviour's state as its loop keeps it between messages (formatStatus applied, so secrets stay out); undefined for other processes.
function stateOf(p: ProcessImpl): string | undefined {
  const target = sysTargetOf(p);
  if (target === undefined) return undefined;
  try {
    return formatBounded(target.formattedState(), STATE_BOUNDS);
  } catch (error) {
    return `(its formatStatus threw: ${formatBounded(error, { depth: 2, items: 5, chars: 200 })})`;
  }
}

function dumpProcess(p: ProcessImpl): DumpedProcess {
  const monitors: string[] = [];
  for (const m of p.mons ?? []) if (m.watcher === p) monitors.push(m.target.pid.toString());
  const out: DumpedProcess = {
    pid: p.pid.toString(),
    initialCall: p.initialCall,
    currentFunction: p.currentFunction ?? p.initialCall,
    status: p.status,
    mailboxLength: p.queueLength,
    mailbox: p.pendingMessages(MAILBOX_HEAD).map((m) => formatBounded(m, MESSAGE_BOUNDS)),
    links: p.links ? Array.from(p.links, (l) => l.pid.toString()) : [],
    monitors,
    memory: p.memoryEstimate(),
    reductions: p.reductions,
    trapExit: p.trapping,
    tables: p.tables?.size ?? 0,
  };
  if (p.name !== undefined) out.name = p.name;
  if (p.label?.behaviour) out.behaviour = p.label.behaviour;
  if (p.label?.module) out.module = p.label.module;
  const state = stateOf(p);
  if (state !== undefined) out.state = state;
  return out;
}

/** The supervision tree as it stands: each application master's linked top supervisor, and supervisors' linked children (bounded). */
export function supervisionTreeNow(node: OtpNode): DumpTreeNode[] {
  let budget = TREE_NODES;
  const seen = new Set<ProcessImpl>();
  for (const p of node.liveProcesses()) if (p.name === 'application_controller' || p.label?.module === 'application_controller') seen.add(p);
  const masters = Array.from(node.liveProcesses()).filter((p) => p.label?.behaviour === 'application_master');
  for (const m of masters) seen.add(m);
  const nodeOf = (p: ProcessImpl): DumpTreeNode => {
    budget--;
    const supervisor = p.label?.behaviour === 'supervisor';
    const out: DumpTreeNode = { kind: supervisor ? 'supervisor' : 'worker', label: p.name ?? p.pid.toString(), pid: p.pid.toString(), children: [] };
    if (p.name !== undefined) out.name = p.name;
    if (p.label?.behaviour) out.behaviour = p.label.behaviour;
    if (p.label?.module) out.module = p.label.module;
    if (p.queueLength) out.mailboxLength = p.queueLength;
    if (supervisor) children(p, out);
    return out;
  };
  const children = (p: ProcessImpl, into: DumpTreeNode): void => {
    for (const c of p.links ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      if (budget <= 0 || into.children.length >= TREE_CHILDREN) into.more = (into.more ?? 0) + 1;
      else into.children.push(nodeOf(c));
    }
  };
  return masters.map((m) => {
    const app: DumpTreeNode = { kind: 'application', label: m.label?.module ?? '?', pid: m.pid.toString(), children: [] };
    children(m, app);
    return app;
  });
}

/** Builds a node's crash dump (everything but the write), within `maxBytes` once serialised. */
export function buildCrashDump(
  node: OtpNode,
  kind: CrashDump['kind'],
  reason: unknown,
  options: { maxBytes: number; log?: string[]; release?: CrashDumpOptions['release'] },
): CrashDump {
  const procs = Array.from(node.liveProcesses());
  let release: ReturnType<NonNullable<CrashDumpOptions['release']>>;
  try {
    release = options.release?.();
  } catch {
    release = undefined;
  }
  const { reason: text, where } = describe(reason);
  const dump: CrashDump = {
    otpCrashDump: 1,
    kind,
    reason: text,
    where,
    time: new Date().toISOString(),
    node: node.name,
    osPid: process.pid,
    versions: {
      node: process.version,
      otpTs: release?.runtime ?? otpTsVersion(),
      ...(release ? { release: { name: release.name, vsn: release.vsn } } : {}),
      applications: (release?.applications ?? []).map((a) => ({ name: a.name, vsn: a.vsn })),
    },
    memory: { ...process.memoryUsage(), heapLimit: getHeapStatistics().heap_size_limit },
    processCount: procs.length,
    processes: [],
    ...namesAndTables(node, procs),
    tree: supervisionTreeNow(node),
    states: { captured: true, behaviours: 0, read: 0, note: '' },
    modules: loadedModules(node),
    log: options.log ?? [],
    report: diagnosticReport(),
    maxBytes: options.maxBytes,
  };
  fitToLimit(dump, procs, options.maxBytes);
  return dump;
}

// The registered names, global names and tables of the node's live processes.
function namesAndTables(node: OtpNode, procs: readonly ProcessImpl[]): Pick<CrashDump, 'registered' | 'global' | 'tables'> {
  const registered: Record<string, string> = {};
  const tables: CrashDump['tables'] = [];
  for (const p of procs) {
    if (p.name !== undefined) registered[p.name] = p.pid.toString();
    for (const s of p.tables ?? []) if (!s.deleted) tables.push({ id: s.id, ...(s.name !== undefined ? { name: s.name } : {}), type: s.type, owner: p.pid.toString(), size: s.count });
  }
  const global: Record<string, string> = {};
  for (const [name, entry] of tableOf(node)) global[name] = entry.pid instanceof Pid ? entry.pid.toString() : String(entry.pid);
  return { registered, global, tables };
}

// Every loaded module with its current and old version, when the node has a code server.
function loadedModules(node: OtpNode): CrashDump['modules'] {
  const code = node.code as unknown as { loaded?: () => string[]; versions?: (n: string) => { current?: string; old?: string } } | null;
  return (code?.loaded?.() ?? []).map((name) => ({ name, ...code!.versions!(name) }));
}

// Node.js's diagnostic report, or why there is none.
function diagnosticReport(): unknown {
  try {
    return process.report?.getReport();
  } catch (error) {
    return { error: `no diagnostic report: ${String(error)}` };
  }
}

// Trims the dump to `maxBytes`: the report, then the tree, then lists the processes (most telling first) while they fit.
function fitToLimit(dump: CrashDump, procs: ProcessImpl[], maxBytes: number): void {
  // The report first: when it alone would take more than a quarter of the limit, keep its header and stacks.
  let size = bytesOf(dump);
  const report = dump.report;
  if (size > maxBytes / 4 && report !== null && typeof report === 'object') {
    const r = report as Record<string, unknown>;
    dump.report = { header: r.header, javascriptStack: r.javascriptStack, javascriptHeap: r.javascriptHeap, note: 'trimmed to fit the crash dump size limit' };
    size = bytesOf(dump);
  }
  // The tree next: past a quarter of the limit, each application keeps only its count of children.
  if (size > maxBytes / 4 && bytesOf(dump.tree) > maxBytes / 8) {
    dump.tree = dump.tree.map((a) => ({ ...a, children: [], more: a.children.length + (a.more ?? 0) }));
    size = bytesOf(dump);
  }
  // Then the processes, the most telling first, while they fit (a margin for the truncation note).
  procs.sort((a, b) => b.queueLength - a.queueLength || b.memoryEstimate() - a.memoryEstimate());
  const budget = maxBytes - size - 512;
  let used = 0;
  for (const p of procs) {
    const one = dumpProcess(p);
    const bytes = bytesOf(one) + 1;
    if (used + bytes > budget) break;
    used += bytes;
    dump.processes.push(one);
  }
  let behaviours = 0;
  for (const p of procs) if (sysTargetOf(p) !== undefined) behaviours++;
  const read = dump.processes.reduce((n, p) => n + (p.state !== undefined ? 1 : 0), 0);
  dump.states = { captured: true, behaviours, read, note: `${read} of ${behaviours} behaviours' states, as each loop kept it between messages (formatStatus applied; a behaviour busy in a callback shows the state it started it with)${read < behaviours ? '; the others were cut with their processes to fit the size limit' : ''}` };
  if (dump.processes.length < procs.length) {
    dump.truncated = { listed: dump.processes.length, total: procs.length, note: `the size limit (${maxBytes} bytes) left room for ${dump.processes.length} of ${procs.length} processes: those with the longest mailboxes and most memory are listed; raise --crash-dump-bytes for all` };
  }
}

// The dump as written: when even the trimmed dump is over its limit (names, tables or modules by the hundred
// thousand), the lists go, then the log, keeping the reason, the versions and the counts; never over `maxBytes`.
function withinLimit(dump: CrashDump, maxBytes: number): string {
  let text = JSON.stringify(dump, cutLongTexts);
  const steps: Array<() => void> = [
    () => {
      dump.processes = [];
      dump.tree = [];
      dump.report = { note: 'left out: the dump did not fit its size limit' };
      dump.log = dump.log.slice(-10);
      dump.truncated = { listed: 0, total: dump.processCount, note: `the size limit (${maxBytes} bytes) left room for none of the ${dump.processCount} processes: raise --crash-dump-bytes` };
      dump.states = { ...dump.states, read: 0, note: `0 of ${dump.states.behaviours} behaviours' states: they were cut with their processes to fit the size limit` };
    },
    () => {
      const counts = `${Object.keys(dump.registered).length} registered names, ${Object.keys(dump.global).length} global names, ${dump.tables.length} tables and ${dump.modules.length} modules`;
      dump.registered = {};
      dump.global = {};
      dump.tables = [];
      dump.modules = [];
      dump.truncated!.note += `; the ${counts} were left out too`;
    },
    () => {
      dump.log = [];
      dump.where = dump.where === undefined ? undefined : cut(dump.where, 500);
      dump.reason = cut(dump.reason, 500);
    },
  ];
  for (const step of steps) {
    if (Buffer.byteLength(text) <= maxBytes) break;
    step();
    text = JSON.stringify(dump, cutLongTexts);
  }
  return text;
}

/**
 * Makes a node write a crash dump when it dies abnormally: on an uncaught error (the process then ends
 * as Node.js ends it), when `write` is called (a permanent application exited), and on the heap limit
 * (Node.js' diagnostic report, to the same file). Keeps the node's last log lines for the dump.
 */
export function installCrashDump(node: OtpNode, options: CrashDumpOptions = {}): CrashDumper {
  const file = resolve(options.file ?? (process.env.OTP_CRASH_DUMP || CRASH_DUMP_FILE));
  const fromEnv = Number(process.env.OTP_CRASH_DUMP_BYTES);
  const maxBytes = Math.max(4096, options.maxBytes ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : CRASH_DUMP_BYTES));
  // A dying node builds its dump in memory, and no reader takes a larger file: a larger limit is a mistake, said before any crash.
  if (maxBytes > CRASH_DUMP_MAX_BYTES) {
    const given = options.maxBytes !== undefined ? `the crash dump size limit ${options.maxBytes}` : `$OTP_CRASH_DUMP_BYTES=${process.env.OTP_CRASH_DUMP_BYTES}`;
    throw new RangeError(`${given} is more than the ${CRASH_DUMP_MAX_BYTES} bytes (256 MiB) a crash dump may take: give at most ${CRASH_DUMP_MAX_BYTES}`);
  }
  const ring: string[] = [];
  const logger = loggerOf(node);
  const handlerId = 'crash_dump_ring';
  logger.removeHandler(handlerId);
  logger.addHandler({
    id: handlerId,
    log: (_event, text) => {
      ring.push(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
      if (ring.length > LOG_LINES) ring.shift();
    },
  });
  if (process.report) {
    process.report.reportOnFatalError = true;
    process.report.directory = dirname(file);
    process.report.filename = basename(file);
  }
  let written = false;
  const tmp = `${file}.${process.pid}.tmp`;
  const writeOnce = (kind: CrashDump['kind'], reason: unknown): string | undefined => {
    if (written) return undefined;
    written = true;
    try {
      const dump = buildCrashDump(node, kind, reason, { maxBytes, log: [...ring], release: options.release });
      const text = withinLimit(dump, maxBytes);
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      if (options.announce) options.announce(file);
      else process.stderr.write(`crash dump written to ${file}\n`);
      return file;
    } catch (error) {
      // A disk that filled up mid-write, or a folder where the dump goes: no half dump is left beside it.
      rmSync(tmp, { force: true });
      process.stderr.write(`could not write the crash dump ${file}: ${String(error)}\n`);
      return undefined;
    }
  };
  const dumper: CrashDumper = {
    file,
    maxBytes,
    write(kind, reason) {
      return writeOnce(kind, reason);
    },
    uninstall() {
      process.off('uncaughtExceptionMonitor', onUncaught);
      logger.removeHandler(handlerId);
      if (process.report) process.report.reportOnFatalError = false;
    },
  };
  // Only when the error ends the process: an 'uncaughtException' listener means someone handles it.
  const onUncaught = (error: unknown): void => {
    if (process.listenerCount('uncaughtException') === 0) void dumper.write('uncaught_error', error);
  };
  process.on('uncaughtExceptionMonitor', onUncaught);
  return dumper;
}
