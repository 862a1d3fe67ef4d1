import type { ProcessDetails, ProcRow, TraceEvent, TreeNode } from '@otp-ts/runtime/tools';
import type { TraceSummary } from './connect.js';

/** How events are printed: readable lines with a timestamp (default), or one JSON object per line. */
export interface EventFormat {
  json?: boolean;
}

const time = (ts: number): string => new Date(ts).toISOString().slice(11, 23);

// The characters a terminal acts on rather than shows (C0 and C1 controls, DEL, line and paragraph separators, bidi
// overrides), as a node's value may carry them (an exception's message, a symbol, a class name made from input).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every character a terminal would act on written as an escape (`\n`, `\u001b`): one printed line stays one line, and no value can move the cursor, clear the screen or retitle the terminal. */
function printable(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function body(e: TraceEvent): string {
  switch (e.kind) {
    case 'call':
      return `call ${e.fn}(${e.args.join(', ')})`;
    case 'return':
      return `return ${e.fn}/${e.arity} -> ${e.value} (${e.ms.toFixed(2)} ms)`;
    case 'exception':
      return `exception ${e.fn}/${e.arity} !! ${e.error} (${e.ms.toFixed(2)} ms)`;
    case 'send':
      return `send ${e.message} -> ${e.to}`;
    case 'receive':
      return `receive ${e.message}${e.from ? ` <- ${e.from}` : ''}`;
    case 'spawn':
      return `spawn ${e.child} (${e.initialCall})`;
    case 'exit':
      return `exit ${e.reason}`;
    case 'link':
    case 'unlink':
      return `${e.kind} ${e.other}`;
    case 'register':
    case 'unregister':
      return `${e.kind} ${e.name}`;
    case 'untraced':
      return `${e.fn} is no longer traced: ${e.reason}`;
    case 'retraced':
      return `${e.fn} is traced again: ${e.reason}`;
    default:
      // A newer node's kind of event this client does not know: shown by its kind, never as 'undefined'.
      return String((e as { kind?: unknown }).kind);
  }
}

/** One event as one line: `HH:MM:SS.mmm <pid> call mod.fn(args)`, or its JSON. */
export function formatTraceEvent(e: TraceEvent, format: EventFormat = {}): string {
  if (format.json) return JSON.stringify({ ...e, time: new Date(e.ts).toISOString() });
  // A notice about the session's patterns comes from no process: its pid column is left blank.
  const pid = e.kind === 'untraced' || e.kind === 'retraced' ? '' : (e.pid ?? '<?>');
  return `${time(e.ts)} ${pid.padEnd(11)} ${printable(body(e))}`;
}

const ENDINGS: Record<TraceSummary['reason'], string> = {
  limit: 'the event limit was reached',
  rate: 'the rate limit was exceeded',
  time: 'the time limit passed',
  stopped: 'stopped',
  'client down': 'the client went away',
  'processes gone': 'every process it followed exited',
  crashed: 'the session crashed',
  nodedown: 'the connection to the node was lost',
};

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The closing line of a trace: why it ended, how many events and returns (counted apart), how many of them were dropped. */
export function formatSummary(s: TraceSummary, format: EventFormat = {}): string {
  if (format.json) return JSON.stringify({ kind: 'done', ...s });
  const returns = s.returns > 0 ? `, ${plural(s.returns, 'return')}` : '';
  const dropped = s.dropped > 0 ? `, ${s.dropped}${returns === '' ? '' : ' of them'} dropped by the node's buffer` : '';
  // A node that is gone keeps nothing at all: saying it keeps no pattern would read as if it were still there.
  const after = s.reason === 'nodedown' ? 'the node is gone (stopped, or out of reach), and this session with it' : 'the node keeps no pattern of this session';
  return `trace ended: ${ENDINGS[s.reason]} (${plural(s.events, 'event')}${returns}${dropped}); ${after}`;
}

const kb = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

/** The `procs` table: pid, name, what it runs, memory, mailbox, reductions and, over a window, the growth it ranks by. */
export function formatProcs(rows: readonly ProcRow[], by: string, windowMs = 0): string {
  // Absolute figures rank by a column already shown; only growth over a window needs its own.
  const growth = windowMs > 0;
  const head = ['PID', 'NAME', 'RUNS', 'MEMORY', 'MAILBOX', 'REDUCTIONS', ...(growth ? [`${by.toUpperCase()} +${windowMs}ms`] : [])];
  const lines = rows.map((r) => [r.pid, r.name ?? '-', r.label, kb(r.memory), String(r.mailbox), String(r.reductions), ...(growth ? [by === 'memory' ? kb(r.value) : String(r.value)] : [])]);
  // A name or label made from input (register(`user_${id}`)) is one cell: its controls are escaped, so the columns hold.
  return table([head, ...lines.map((cells) => cells.map(printable))]);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** `info`: one field per line, the state and the first messages indented below. */
export function formatInfo(d: ProcessDetails): string {
  const list = (xs: string[]) => (xs.length === 0 ? '-' : xs.join(', '));
  const field = (label: string, value: string) => `${`${label}:`.padEnd(19)}${value}`;
  const lines = [
    field('pid', `${d.pid}${d.name ? ` (${d.name})` : ''}`),
    field('status', `${d.status}${d.sysStatus ? ` (${d.sysStatus})` : ''}`),
    field('behaviour', `${d.behaviour ?? '-'}${d.module ? ` ${d.module}` : ''}`),
    field('initial call', d.initialCall),
    // A node older than currentFunction does not send it.
    field('current function', d.currentFunction ?? '-'),
    field('parent', d.parent ?? '-'),
    field('memory', kb(d.memory)),
    field('reductions', String(d.reductions)),
    field('trap exits', String(d.trapExit)),
    field('links', list(d.links)),
    field('monitors', list(d.monitors)),
    field('monitored by', list(d.monitoredBy)),
    field('mailbox', `${d.mailboxLength} message${d.mailboxLength === 1 ? '' : 's'}${d.mailboxLength > d.mailbox.length ? ` (first ${d.mailbox.length} shown)` : ''}`),
    ...d.mailbox.map((m, i) => `  ${i + 1}. ${m}`),
  ];
  if (d.state !== undefined) lines.push('state (sys.getStatus, formatStatus applied):', `  ${d.state}`);
  // Each field one line, whatever its value carries.
  return lines.map(printable).join('\n');
}

// One node's line after its label: pid, name and module, then a supervisor's restarts in its period and the node's own restart count.
function treeLine(n: TreeNode): string {
  const head = [n.pid ?? 'not running', n.name && n.name !== n.label ? n.name : '', n.kind === 'supervisor' ? 'supervisor' : n.module ?? ''].filter(Boolean).join(' ');
  const figures = [
    n.kind === 'supervisor' && n.restarts !== undefined ? `${n.restarts} restart${n.restarts === 1 ? '' : 's'} in period` : '',
    n.restarted !== undefined ? `restarts: ${n.restarted}` : '',
  ].filter(Boolean);
  return [head, ...figures].join(', ');
}

/** `tree`: the supervision trees drawn with branches, pids, names, each child's restart count and each supervisor's restarts in its period. */
export function formatTree(apps: readonly TreeNode[]): string {
  const out: string[] = [];
  const draw = (n: TreeNode, prefix: string, last: boolean, root: boolean) => {
    out.push(root ? `${n.label} (application, master ${n.pid})` : `${prefix}${last ? '└─ ' : '├─ '}${n.label} ${treeLine(n)}`);
    const next = root ? '' : prefix + (last ? '   ' : '│  ');
    n.children.forEach((c, i) => draw(c, next, i === n.children.length - 1 && !n.more, false));
    // A supervisor of more children than the node lists in one answer: the rest counted, never silently left out.
    if (n.more) out.push(`${next}└─ … ${n.more} more child${n.more === 1 ? '' : 'ren'} not listed`);
  };
  for (const a of apps) draw(a, '', true, true);
  return out.length === 0 ? 'no application is running' : out.map(printable).join('\n');
}
