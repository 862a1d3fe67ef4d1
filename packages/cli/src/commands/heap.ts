import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { HEAP_MAX_TOP, PROFILE_RPC_MODULE, SNAPSHOT_MIN_BYTES, type HeapReport } from '@otp-ts/runtime/tools';
import { defineProvider } from '../cli/provider.js';
import { checkOutputFile } from '../cli/output-file.js';
import { OtpError } from '../errors/otp-error.js';
import { withConnection } from '../tracer/connect.js';
import { wholeFlag } from '../tracer/flags.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';

/** Bytes as people read them: B, KB, MB, GB (powers of 1024). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Bytes from `500MB`, `2GB`, `1048576`; a usage error otherwise. */
export function parseBytes(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!m) throw new OtpError('usage', `${option} ${text} is not a size: write e.g. ${option} 512MB or ${option} 2GB`);
  const unit = (m[2] ?? 'b').toLowerCase();
  return Math.floor(Number(m[1]) * (unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1));
}

/** The terminal summary of `otp heap`: the node's memory, then the top processes and tables by estimated bytes. */
export function summariseHeap(r: HeapReport, top: number): string {
  const m = r.memory;
  const out = [
    `heap of ${r.node}: rss ${bytes(m.rss)}, heap ${bytes(m.heapUsed)} used of ${bytes(m.heapTotal)} (limit ${bytes(m.heapLimit)}), external ${bytes(m.external)}, array buffers ${bytes(m.arrayBuffers)}`,
    `  spaces: ${r.spaces.filter((s) => s.used > 0).map((s) => `${s.name.replace(/_space$/, '')} ${bytes(s.used)}`).join(', ')}`,
    `processes: ${r.processCount}, about ${bytes(r.processBytes)} (mailboxes ${bytes(r.mailboxBytes)} in ${r.messages} message${r.messages === 1 ? '' : 's'}; states of ${r.states.answered} of ${r.states.asked} behaviour${r.states.asked === 1 ? '' : 's'} asked ${bytes(r.states.bytes)}${r.states.skipped ? `, ${r.states.skipped} more not asked` : ''})`,
    `tables: ${r.tableCount}, about ${bytes(r.tableBytes)}`,
    '',
    'processes by memory (estimates: record, mailbox, links and monitors, and the state when a behaviour answered sys.getState):',
    `  ${'total'.padStart(9)} ${'mailbox'.padStart(9)} ${'messages'.padStart(8)} ${'state'.padStart(9)}  process`,
    ...r.processes.slice(0, top).map((p) => `  ${bytes(p.bytes).padStart(9)} ${bytes(p.mailboxBytes).padStart(9)} ${String(p.messages).padStart(8)} ${(p.stateBytes === null ? '-' : bytes(p.stateBytes)).padStart(9)}  ${p.pid}${p.name ? ` ${p.name}` : ''} ${p.label}`),
  ];
  out.push('', 'tables by memory (estimates):');
  if (r.tables.length === 0) out.push('  (no tables)');
  else out.push(`  ${'memory'.padStart(9)} ${'size'.padStart(9)}  table`, ...r.tables.slice(0, top).map((t) => `  ${bytes(t.memory).padStart(9)} ${String(t.size).padStart(9)}  ${t.id}${t.name ? ` ${t.name}` : ''} ${t.type} ${t.access}, owner ${t.owner}`));
  return out.join('\n');
}

type SnapshotChunk = { ok: true; chunk: Uint8Array; done: boolean } | { ok: false; error: string };

// How long one step of a heap snapshot (V8 writing it, one chunk sent) may take: minutes on a loaded machine.
const SNAPSHOT_STEP_MS = 300_000;

/** A snapshot step's rpc, whose failure (a timeout, a lost connection) says which step and what to do. */
async function slow<T>(node: string, step: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new OtpError('failed', `${node} did not ${step} its heap snapshot within ${SNAPSHOT_STEP_MS / 1000} s (${why}): a busy node or a large heap takes long, so try again when it is less loaded, or lower its heap first`, { cause: error });
  }
}

/** Where a heap snapshot is written: a temporary file beside the target, renamed onto it once whole, removed otherwise. */
interface SnapshotFile {
  write(chunk: Uint8Array): void;
  /** Renames the whole snapshot onto its target (the temporary file is removed if that fails). */
  commit(): void;
  /** Closes and removes the temporary file, if it is still there. */
  discard(): void;
}

// Opened before the node is asked for anything: a snapshot stops the node for a while, and a path that cannot take it would waste that.
function openSnapshotFile(file: string): SnapshotFile {
  checkOutputFile('--snapshot', file, 'node.heapsnapshot');
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write: (chunk) => void writeSync(fd, chunk),
    commit: () => {
      close();
      renameSync(tmp, file);
    },
    discard: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}

/** `otp heap NODE [--top N] [--snapshot FILE]`: where a live node's memory goes. */
export const heapCommand = defineProvider({
  name: 'heap',
  description: "Show where a running node's memory goes: its heap, the processes by estimated memory (mailbox, state) and the tables by memory; --snapshot also writes a V8 heap snapshot here, pulled from the node in bounded chunks.",
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 15, description: 'how many processes and tables to list (1 to 1000)' },
    { name: 'snapshot', type: 'string', value: 'FILE', description: 'also write a V8 heap snapshot of the node to FILE (open it in Chrome DevTools\' Memory panel); the node stops for a moment to take it' },
    { name: 'snapshot-max', type: 'string', value: 'SIZE', default: '2GB', description: 'give up on a snapshot larger than SIZE (1MB or more, e.g. 512MB)' },
    { name: 'json', type: 'boolean', description: 'print the report as JSON' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp heap shop@127.0.0.1', description: "the node's memory, its 15 largest processes and tables" },
    { command: 'otp heap shop@127.0.0.1 --top 40', description: 'the 40 largest of each' },
    { command: 'otp heap shop@127.0.0.1 --snapshot shop.heapsnapshot', description: 'and a heap snapshot for DevTools' },
  ],
  async run(args, io) {
    const top = wholeFlag('heap', 'top', args.top, 1, HEAP_MAX_TOP)!;
    const max = parseBytes(args['snapshot-max'], '--snapshot-max');
    // The node takes no smaller limit: a snapshot's first chunk is this large already.
    if (max < SNAPSHOT_MIN_BYTES) throw new OtpError('usage', `--snapshot-max ${args['snapshot-max']} is below the smallest limit a node takes, 1MB: give --snapshot-max 1MB or more (e.g. 512MB)`);
    const out = args.snapshot ? openSnapshotFile(args.snapshot) : undefined;
    try {
      return await withConnection(io, args.node, args, async (c) => {
        const report = (await c.rpc(PROFILE_RPC_MODULE, 'heap', [top], 60_000)) as HeapReport;
        io.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${summariseHeap(report, top)}\n`);
        if (out === undefined) return 0;
        const opened = (await slow(args.node, 'start', c.rpc(PROFILE_RPC_MODULE, 'snapshotOpen', [c.localNode, max], SNAPSHOT_STEP_MS))) as { ok: true; id: number } | { ok: false; error: string };
        if (!opened.ok) throw new OtpError('failed', opened.error);
        let size = 0;
        let finished = false;
        try {
          for (;;) {
            const r = (await slow(args.node, `send the chunk after ${bytes(size)} of`, c.rpc(PROFILE_RPC_MODULE, 'snapshotRead', [opened.id], SNAPSHOT_STEP_MS))) as SnapshotChunk;
            if (!r.ok) throw new OtpError('failed', r.error);
            out.write(r.chunk);
            size += r.chunk.length;
            if (r.done) break;
          }
          finished = true;
        } finally {
          if (!finished) await c.rpc(PROFILE_RPC_MODULE, 'snapshotClose', [opened.id], 10_000).catch(() => undefined);
        }
        out.commit();
        if (!args.json) io.stdout.write(`\nwrote ${args.snapshot} (${bytes(size)}: open it in Chrome DevTools' Memory panel)\n`);
        return 0;
      });
    } finally {
      // Written beside the target and renamed at the end: a failed snapshot leaves no file behind.
      out?.discard();
    }
  },
});
