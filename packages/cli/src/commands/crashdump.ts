import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { CRASH_DUMP_MAX_BYTES, type CrashDump, type DumpedProcess, type DumpTreeNode } from '@otp-ts/runtime/tools';
import { defineProvider } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import { withinWriteBounds } from './crashdump-bounds.js';

// Node.js' own diagnostic report (what a node leaves on the heap limit, where no JavaScript runs).
interface DiagnosticReport {
  header: { event?: string; trigger?: string; dumpEventTime?: string; nodejsVersion?: string; processId?: number; commandLine?: string[] };
  javascriptStack?: { message?: string; stack?: string[] | string };
  javascriptHeap?: { totalMemory?: number; usedMemory?: number; memoryLimit?: number };
}

// The characters a terminal acts on rather than shows (C0 and C1 controls but the newline, DEL, line and paragraph
// separators, bidi overrides): a dump or report carries text from the dead node (reasons, stacks, log lines) and may
// be edited by anyone, so each is printed as an escape and no file can move the cursor or retitle the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const printable = (text: string): string => text.replace(CONTROL, (c) => (c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

// The fields `otp crashdump` reads of an otp crash dump, with the type each must have.
const DUMP_FIELDS: Array<[keyof CrashDump, 'string' | 'number' | 'object' | 'array']> = [
  ['kind', 'string'], ['reason', 'string'], ['time', 'string'], ['node', 'string'], ['versions', 'object'], ['memory', 'object'],
  ['processCount', 'number'], ['processes', 'array'], ['registered', 'object'], ['global', 'object'], ['tables', 'array'], ['modules', 'array'], ['log', 'array'],
];

// The deepest supervision tree a dump may record: deeper is no tree a node wrote.
const TREE_MAX_DEPTH = 1000;

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

// The text of a dump file, or a usage error naming what is wrong with the file (never its raw bytes).
function dumpText(file: string): string {
  const give = 'give the otp_crash.dump a node wrote (in its release root by default)';
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new OtpError('usage', `${file} does not exist: give the crash dump a node wrote (otp_crash.dump in its release root by default)`);
  }
  if (stat.isDirectory()) throw new OtpError('usage', `${file} is a folder, not a crash dump: ${give}`);
  // A pipe with no writer would block the open for ever, and a device may never end: a node writes a regular file.
  if (!stat.isFile()) throw new OtpError('usage', `${file} is ${stat.isFIFO() ? 'a pipe' : stat.isSocket() ? 'a socket' : 'a device'}, not a crash dump file: ${give} (copy a dump from a pipe to a file first)`);
  if (stat.size > CRASH_DUMP_MAX_BYTES) throw new OtpError('usage', `${file} is ${mb(stat.size)}, more than the ${mb(CRASH_DUMP_MAX_BYTES)} a node writes as a crash dump at most (--crash-dump-bytes is capped there), so it is not a whole dump a node wrote: ${give}`);
  let text: string;
  try {
    refuseByStart(file, give);
    if (stat.size > TEXT_MAX_BYTES) refuseLongText(file, give);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof OtpError) throw error;
    throw new OtpError('usage', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${give}`, { cause: error });
  }
  if (text.trim() === '') throw new OtpError('usage', `${file} is empty, and a node writes its dump whole (to a .tmp file, then renamed): ${give}`);
  return text;
}

// Both kinds of dump are one JSON object: a file whose first 4 KiB show anything else (binary junk, a core file, a JSON
// list) is refused by its first character, before the whole of it (100 MiB of it) is read and parsed.
function refuseByStart(file: string, give: string): void {
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const first = head.subarray(0, n).findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first < 0 || head[first] === 0x7b) return;
  const c = head[first]!;
  if (c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39) || /^(null|true|false)/.test(head.subarray(first, first + 5).toString('latin1'))) {
    throw new OtpError('usage', `${file} is JSON but neither an otp crash dump nor a Node.js diagnostic report (each is one JSON object, and it starts with '${String.fromCharCode(c)}'): ${give}`);
  }
  throw new OtpError('usage', `${file} is not a crash dump (not JSON: it starts with byte 0x${c.toString(16).padStart(2, '0')}, where a dump starts with '{'): ${give}`);
}

// The longest text (JSON string, in bytes) a dump may hold: a node cuts each it writes (reason, stack, log line,
// message, state) to a few thousand characters, and Node.js' report holds none near this.
const TEXT_MAX_BYTES = 1024 * 1024;

// A file of one huge string (100 MiB of it) would take several times its size to read and parse: its strings are
// measured first, a chunk at a time, and one longer than any a node writes refuses the file before it is read whole.
function refuseLongText(file: string, give: string): void {
  const chunk = Buffer.alloc(1024 * 1024);
  const fd = openSync(file, 'r');
  try {
    let inString = false;
    let escaped = false;
    let start = 0;
    let at = 0;
    for (let n = readSync(fd, chunk, 0, chunk.length, at); n > 0; at += n, n = readSync(fd, chunk, 0, chunk.length, at)) {
      for (let i = 0; i < n; i++) {
        const c = chunk[i]!;
        if (!inString) {
          if (c === 0x22) [inString, start] = [true, at + i];
        } else if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        if (inString && at + i - start > TEXT_MAX_BYTES) {
          throw new OtpError('usage', `${file} holds a text of more than ${mb(TEXT_MAX_BYTES)} (from byte ${start}), longer than any a node writes in a crash dump (it cuts reasons, stacks, log lines and states to a few thousand characters), so it is not a dump a node wrote: ${give}`);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

// An otp crash dump's fields `otp crashdump` reads, checked: a usage error naming the first one missing or of the wrong type.
function checkDump(file: string, v: Record<string, unknown>): CrashDump {
  const a = (kind: string): string => `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
  const damaged = (field: string, value: unknown, type: string): OtpError => new OtpError('usage', `${file} is a damaged otp crash dump: its field '${field}' is ${value === undefined ? 'missing' : a(kindOf(value))}, not ${a(type)}: give the otp_crash.dump as the node wrote it`);
  for (const [field, type] of DUMP_FIELDS) if (kindOf(v[field]) !== type) throw damaged(field, v[field], type);
  const need = (field: string, value: unknown, type: 'string' | 'number' | 'object' | 'array', optional = false): void => {
    if (!(kindOf(value) === type || (optional && (value === undefined || value === null)))) throw damaged(field, value, type);
  };
  const versions = v.versions as Record<string, unknown>;
  need('versions.applications', versions.applications, 'array');
  (versions.applications as unknown[]).forEach((a, i) => {
    need(`versions.applications[${i}]`, a, 'object');
    need(`versions.applications[${i}].name`, (a as Record<string, unknown>).name, 'string');
  });
  need('where', v.where, 'string', true);
  for (const key of ['rss', 'heapUsed', 'heapLimit']) need(`memory.${key}`, (v.memory as Record<string, unknown>)[key], 'number');
  const bad = (v.processes as unknown[]).findIndex((p) => kindOf(p) !== 'object' || typeof (p as DumpedProcess).pid !== 'string' || !Array.isArray((p as DumpedProcess).links) || !Array.isArray((p as DumpedProcess).mailbox));
  if (bad >= 0) throw new OtpError('usage', `${file} is a damaged otp crash dump: its process ${bad + 1} lacks a pid, links or mailbox: give the otp_crash.dump as the node wrote it`);
  (v.processes as Array<Record<string, unknown>>).forEach((p, i) => {
    need(`processes[${i}].name`, p.name, 'string', true);
    need(`processes[${i}].state`, p.state, 'string', true);
    need(`processes[${i}].initialCall`, p.initialCall, 'string');
    need(`processes[${i}].monitors`, p.monitors, 'array');
    for (const key of ['mailboxLength', 'memory']) need(`processes[${i}].${key}`, p[key], 'number');
  });
  (v.tables as unknown[]).forEach((t, i) => {
    need(`tables[${i}]`, t, 'object');
    need(`tables[${i}].name`, (t as Record<string, unknown>).name, 'string', true);
    need(`tables[${i}].type`, (t as Record<string, unknown>).type, 'string');
  });
  (v.log as unknown[]).forEach((l, i) => need(`log[${i}]`, l, 'string'));
  need('truncated', v.truncated, 'object', true);
  if (v.truncated) for (const key of ['listed', 'total'] as const) need(`truncated.${key}`, (v.truncated as Record<string, unknown>)[key], 'number');
  if (v.truncated) need('truncated.note', (v.truncated as Record<string, unknown>).note, 'string');
  need('states', v.states, 'object', true);
  if (v.states) need('states.note', (v.states as Record<string, unknown>).note, 'string');
  // The recorded tree, walked without recursion: one nested past any supervision tree is refused, not a stack overflow.
  if (v.tree !== undefined) need('tree', v.tree, 'array');
  const nodes: Array<[string, unknown, number]> = ((v.tree ?? []) as unknown[]).map((n, i) => [`tree[${i}]`, n, 1]);
  for (let next = nodes.pop(); next; next = nodes.pop()) {
    const [field, n, depth] = next;
    need(field, n, 'object');
    need(`${field}.children`, (n as DumpTreeNode).children, 'array');
    if (depth >= TREE_MAX_DEPTH) throw new OtpError('usage', `${file} is a damaged otp crash dump: its field 'tree' nests deeper than ${TREE_MAX_DEPTH} levels, which no supervision tree does: give the otp_crash.dump as the node wrote it`);
    // A deep node's name keeps its last steps: the sentence stays one readable line.
    (n as DumpTreeNode).children.forEach((c, i) => nodes.push([`${field.length > 200 ? `tree…${field.slice(-150)}` : field}.children[${i}]`, c, depth + 1]));
  }
  return v as unknown as CrashDump;
}

/** Reads a crash dump file: an otp crash dump or a Node.js diagnostic report; throws a usage error naming the file and what is wrong with it otherwise. */
export function readDump(file: string): { kind: 'otp'; dump: CrashDump } | { kind: 'report'; report: DiagnosticReport } {
  const text = dumpText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const at = /at position (\d+)/.exec((error as Error).message);
    const cut = /^\s*\{/.test(text) && (/end of JSON input|Unterminated/.test((error as Error).message) || (at !== null && Number(at[1]) >= text.trimEnd().length - 1));
    throw new OtpError('usage', cut ? `${file} is cut short (its JSON ends after ${text.length} bytes, unfinished): it was copied or written partially; give the whole otp_crash.dump a node wrote` : `${file} is not a crash dump (not JSON${at ? `: invalid at byte ${at[1]}` : ''}): give the otp_crash.dump a node wrote`);
  }
  const v = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (v.otpCrashDump === 1) return { kind: 'otp', dump: withinWriteBounds(checkDump(file, v)) };
  if (typeof v.otpCrashDump === 'number') throw new OtpError('usage', `${file} is an otp crash dump of format ${v.otpCrashDump}, and this otp reads format 1: read it with the otp-ts version of the node that wrote it`);
  if (v.header && typeof v.header === 'object' && 'reportVersion' in v.header) return { kind: 'report', report: value as DiagnosticReport };
  throw new OtpError('usage', `${file} is JSON but neither an otp crash dump nor a Node.js diagnostic report: give the otp_crash.dump a node wrote`);
}

function processLine(p: DumpedProcess): string {
  const label = p.behaviour ? `${p.behaviour}:${p.module ?? '?'}` : p.initialCall;
  return `  ${p.pid.padEnd(12)} ${(p.name ?? '').padEnd(20)} ${label.padEnd(32)} mailbox ${String(p.mailboxLength).padStart(7)}  memory ${String(p.memory).padStart(9)}  ${p.currentFunction}`;
}

/** The supervision tree at death, drawn from the dump's links: applications, their supervisors, and those supervisors' linked children. */
export function dumpTree(dump: CrashDump): string[] {
  const byPid = new Map(dump.processes.map((p) => [p.pid, p]));
  const seen = new Set<string>();
  const lines: string[] = [];
  const masters = dump.processes.filter((p) => p.behaviour === 'application_master');
  // The application controller links to every master: never a child.
  for (const p of dump.processes) if (p.behaviour === 'application_controller' || p.name === 'application_controller') seen.add(p.pid);
  for (const m of masters) seen.add(m.pid);
  const walk = (p: DumpedProcess, depth: number): void => {
    lines.push(`${'  '.repeat(depth + 1)}${p.name ?? p.pid} ${p.pid}${p.behaviour ? ` (${p.behaviour}${p.module ? `:${p.module}` : ''})` : ''}${p.mailboxLength ? ` mailbox ${p.mailboxLength}` : ''}`);
    if (p.behaviour !== 'supervisor' && p.behaviour !== 'application_master') return;
    for (const l of p.links) {
      const c = byPid.get(l);
      if (c === undefined || seen.has(l)) continue;
      seen.add(l);
      walk(c, depth + 1);
    }
  };
  for (const m of masters) {
    lines.push(`  ${m.module ?? '?'} (application)`);
    for (const l of m.links) {
      const c = byPid.get(l);
      if (c === undefined || seen.has(l)) continue;
      seen.add(l);
      walk(c, 1);
    }
  }
  return lines;
}

/** The supervision tree the node recorded at death (dumps before it did: drawn from the links), as indented lines. */
export function treeLines(dump: CrashDump): string[] {
  if (!Array.isArray(dump.tree)) return dumpTree(dump);
  const lines: string[] = [];
  const walk = (n: DumpTreeNode, depth: number): void => {
    const pad = '  '.repeat(depth + 1);
    if (n.kind === 'application') lines.push(`${pad}${n.label} (application)`);
    else lines.push(`${pad}${n.name ?? n.pid} ${n.pid}${n.behaviour ? ` (${n.behaviour}${n.module ? `:${n.module}` : ''})` : ''}${n.mailboxLength ? ` mailbox ${n.mailboxLength}` : ''}`);
    for (const c of n.children) walk(c, depth + 1);
    if (n.more) lines.push(`${pad}  … ${n.more} more`);
  };
  for (const a of dump.tree) walk(a, 0);
  return lines;
}

/** The summary `otp crashdump FILE` prints. */
export function summariseDump(dump: CrashDump, top: number): string {
  const out: string[] = [];
  out.push(`crash dump of ${dump.node} (os pid ${dump.osPid}) at ${dump.time}`);
  out.push(`reason (${dump.kind}): ${dump.reason}`);
  if (dump.where) out.push(`where:\n${dump.where.split('\n').slice(0, 12).map((l) => `  ${l.trim()}`).join('\n')}`);
  const rel = dump.versions.release ? `, release ${dump.versions.release.name} ${dump.versions.release.vsn}` : '';
  const apps = dump.versions.applications.length ? ` (${dump.versions.applications.map((a) => `${a.name} ${a.vsn}`).join(', ')})` : '';
  out.push(`versions: Node.js ${dump.versions.node}, otp-ts ${dump.versions.otpTs}${rel}${apps}`);
  out.push(`memory: rss ${mb(dump.memory.rss)}, heap ${mb(dump.memory.heapUsed)} of ${mb(dump.memory.heapLimit)} limit`);
  out.push(`processes: ${dump.processCount}${dump.truncated ? ` (${dump.truncated.listed} listed: ${dump.truncated.note})` : ''}; registered names: ${Object.keys(dump.registered).length}; global names: ${Object.keys(dump.global).length}; tables: ${dump.tables.length}; modules: ${dump.modules.length}`);
  const byMailbox = [...dump.processes].sort((a, b) => b.mailboxLength - a.mailboxLength).slice(0, top);
  out.push(`\nby mailbox length:`, ...byMailbox.map(processLine));
  const byMemory = [...dump.processes].sort((a, b) => b.memory - a.memory).slice(0, top);
  out.push(`\nby memory:`, ...byMemory.map(processLine));
  const tree = treeLines(dump);
  out.push(`\nsupervision tree at death:`, ...(tree.length ? tree : ['  (no application was running)']));
  if (dump.states) out.push(`\nstates: ${dump.states.note}; --pid P shows one`);
  if (dump.tables.length) out.push(`\ntables:`, ...dump.tables.slice(0, top).map((t) => `  ${String(t.id).padEnd(5)} ${(t.name ?? '').padEnd(20)} ${t.type.padEnd(12)} size ${t.size}  owner ${t.owner}`));
  if (dump.log.length) out.push(`\nlast log lines:`, ...dump.log.slice(-10).flatMap((l) => l.split('\n').map((x) => `  ${x}`)));
  return out.join('\n');
}

/** The process of a dump with this pid or registered name; a usage error naming it otherwise. */
export function dumpedProcess(dump: CrashDump, target: string): DumpedProcess {
  const p = dump.processes.find((x) => x.pid === target || x.name === target);
  if (p === undefined) {
    throw new OtpError('usage', `no process ${target} in the dump${dump.truncated ? ` (it lists ${dump.truncated.listed} of ${dump.truncated.total} processes)` : ''}: give a pid as <0.N.M> or a registered name`);
  }
  return p;
}

/** One process of a dump in detail. */
export function processDetail(dump: CrashDump, target: string): string {
  const p = dumpedProcess(dump, target);
  return [
    `${p.pid}${p.name ? ` (${p.name})` : ''}`,
    `  behaviour:        ${p.behaviour ? `${p.behaviour}:${p.module ?? '?'}` : '-'}`,
    `  initial call:     ${p.initialCall}`,
    `  current function: ${p.currentFunction}`,
    `  status:           ${p.status}`,
    `  memory:           ${p.memory}`,
    `  reductions:       ${p.reductions}`,
    `  trap exit:        ${p.trapExit}`,
    `  links:            ${p.links.join(', ') || '-'}`,
    `  monitors:         ${p.monitors.join(', ') || '-'}`,
    `  tables owned:     ${p.tables}`,
    `  mailbox:          ${p.mailboxLength} message(s)${p.mailbox.length ? `, the first ${p.mailbox.length}:` : ''}`,
    ...p.mailbox.map((m) => `    ${m}`),
    `  state:            ${p.state ?? (dump.states ? '- (not a behaviour: a plain process keeps its state in its function)' : '- (not in this dump)')}`,
  ].join('\n');
}

/** The summary of a Node.js diagnostic report (what a node leaves on the heap limit). */
export function summariseReport(r: DiagnosticReport): string {
  const h = r.header;
  return [
    `Node.js diagnostic report of os pid ${h.processId ?? '?'} at ${h.dumpEventTime ?? '?'} (the node hit a fatal error where no JavaScript runs, so this is Node.js' report, not an otp crash dump)`,
    `reason (${h.trigger ?? '?'}): ${h.event ?? '?'}`,
    `versions: Node.js ${h.nodejsVersion ?? '?'}`,
    `heap: ${mb(r.javascriptHeap?.usedMemory)} used of ${mb(r.javascriptHeap?.totalMemory)}, limit ${mb(r.javascriptHeap?.memoryLimit)}`,
    // A report edited or damaged by hand may hold anything in these: each is shown as text, never trusted as a list of strings.
    `command line: ${Array.isArray(h.commandLine) ? h.commandLine.map(String).join(' ') : String(h.commandLine ?? '')}`,
    ...stackSection(r.javascriptStack?.stack),
  ].join('\n');
}

// The first lines of a report's JavaScript stack, whether a list (as Node.js writes it) or one string of lines (as
// some tools and hand edits leave it); anything else is shown as its text, never dropped.
function stackSection(stack: unknown): string[] {
  if (stack === undefined || stack === null) return [];
  const lines = Array.isArray(stack)
    ? stack.map((l) => String(l).trim())
    : (typeof stack === 'string' ? stack.split(/\r?\n/) : [JSON.stringify(stack)]).map((l) => l.trim()).filter((l) => l !== '');
  return lines.length ? ['JavaScript stack:', ...lines.slice(0, 12).map((l) => `  ${l}`)] : [];
}

/** `otp crashdump FILE [--pid P] [--top N]`: what a dead node left behind. */
export const crashdumpCommand = defineProvider({
  name: 'crashdump',
  description: 'Summarise a crash dump a node wrote when it died: the reason, when, versions, the processes by mailbox and memory, the supervision tree at death; --pid shows one process.',
  deps: [],
  positionals: [{ name: 'file', description: 'the crash dump (otp_crash.dump)', required: true }],
  options: [
    { name: 'pid', type: 'string', value: 'PID', description: 'show this process (a pid or a registered name) in detail' },
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 10, integer: true, min: 1, description: 'how many processes to list by mailbox and by memory' },
    { name: 'json', type: 'boolean', description: 'print the summary (or, with --pid, the process) as JSON' },
  ],
  examples: [
    { command: 'otp crashdump _build/prod/rel/shop/otp_crash.dump', description: 'why the shop node died' },
    { command: 'otp crashdump otp_crash.dump --pid orders', description: 'the orders process at death' },
  ],
  async run(args, io) {
    const read = readDump(args.file);
    if (read.kind === 'report') {
      if (args.pid !== undefined) throw new OtpError('usage', `${args.file} is Node.js' diagnostic report of a node that hit its heap limit: it holds no processes, so --pid ${args.pid} cannot be shown; run otp crashdump ${args.file} without --pid for what it holds`);
      io.stdout.write(args.json ? `${JSON.stringify({ kind: 'diagnostic_report', header: read.report.header, javascriptStack: read.report.javascriptStack })}\n` : `${printable(summariseReport(read.report))}\n`);
      return 0;
    }
    if (args.pid !== undefined) {
      io.stdout.write(`${args.json ? JSON.stringify(dumpedProcess(read.dump, args.pid)) : printable(processDetail(read.dump, args.pid))}\n`);
      return 0;
    }
    const top = args.top;
    if (args.json) {
      const d = read.dump;
      io.stdout.write(`${JSON.stringify({ kind: d.kind, reason: d.reason, time: d.time, node: d.node, versions: d.versions, processCount: d.processCount, byMailbox: [...d.processes].sort((a, b) => b.mailboxLength - a.mailboxLength).slice(0, top), tree: treeLines(d), states: d.states })}\n`);
      return 0;
    }
    io.stdout.write(`${printable(summariseDump(read.dump, top))}\n`);
    return 0;
  },
});
