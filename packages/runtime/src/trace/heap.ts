// The node side of `otp heap`: where a live node's memory goes, per process (mailbox, state) and per
// table, estimated with the bounded estimator `otp procs` and the observer use; and a V8 heap snapshot
// streamed to the tool in bounded chunks, pulled one at a time, so the node never holds more than one
// chunk of it and a tool that goes away frees it.
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { getHeapSnapshot, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Readable } from 'node:stream';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import type { ProcessContext } from '../types.js';
import { sys } from '../sys.js';
import { estimateSize } from '../terms.js';
import { loggerOf } from '../logger.js';
import { tablePage, type ObservedTable } from './observe.js';
import { eachChunked } from './inspect.js';

/** One process in `otp heap`: estimated bytes of its record and mailbox, and of its state when it is a behaviour that answered. */
export interface HeapProcess {
  pid: string;
  name?: string;
  label: string;
  messages: number;
  mailboxBytes: number;
  /** The state's estimated size, through sys.getState; null when the process is no behaviour, did not answer in time, or was not asked. */
  stateBytes: number | null;
  /** Record, mailbox, links and monitors (the observer's estimate) plus the state. */
  bytes: number;
}

/** What `heap` answers: the node's memory, the top processes and tables by estimated bytes, and the totals. */
export interface HeapReport {
  node: string;
  memory: NodeJS.MemoryUsage & { heapLimit: number };
  spaces: Array<{ name: string; used: number; size: number }>;
  processCount: number;
  /** Every process's estimate together (states included where asked). */
  processBytes: number;
  messages: number;
  mailboxBytes: number;
  /** Behaviour processes whose state was asked, answered, and left unasked past the bound. */
  states: { asked: number; answered: number; bytes: number; skipped: number };
  processes: HeapProcess[];
  tableCount: number;
  tableBytes: number;
  tables: ObservedTable[];
}

/** At most this many behaviours' states are asked for (through sys.getState), each within STATE_ASK_MS. */
export const HEAP_STATE_ASKS = 2000;
const STATE_ASK_MS = 1000;
const ASKERS = 16;
const MAILBOX_SAMPLE = 64;
const STATE_BUDGET = 2000;

const labelOf = (p: ProcessImpl): string => (p.label?.behaviour ? `${p.label.behaviour}:${p.label.module ?? '?'}` : p.initialCall);

// The mailbox's bytes from a sample of its first messages, extrapolated (as the observer's estimate).
function mailboxBytes(p: ProcessImpl): number {
  const n = p.queueLength;
  if (n === 0) return 0;
  const sample = p.pendingMessages(MAILBOX_SAMPLE);
  let bytes = 0;
  for (const m of sample) bytes += estimateSize(m, 200);
  return 4 * n + Math.round((bytes / sample.length) * n);
}

// Asks behaviours for their state, a few askers at a time, each answer within STATE_ASK_MS.
async function stateSizes(node: OtpNode, procs: ProcessImpl[]): Promise<Map<ProcessImpl, number>> {
  const sizes = new Map<ProcessImpl, number>();
  let next = 0;
  const asker = async (ctx: ProcessContext): Promise<void> => {
    while (next < procs.length) {
      const p = procs[next++]!;
      if (p.dead) continue;
      try {
        sizes.set(p, estimateSize(await sys.getState(ctx, p.pid, STATE_ASK_MS), STATE_BUDGET));
      } catch {
        // Busy, exiting or not answering system messages: its state stays unknown.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ASKERS, procs.length) }, () => node.run(asker).catch(() => undefined)));
  return sizes;
}

// Every table of the node, largest first, read a page at a time, a page per turn of the event loop.
async function allTables(node: OtpNode): Promise<ObservedTable[]> {
  const tables: ObservedTable[] = [];
  for (let offset = 0, total = 1; offset < total; offset += 500) {
    const page = tablePage(node, offset, 500);
    total = page.total;
    tables.push(...page.tables);
    if (page.tables.length === 0) break;
    await turn();
  }
  return tables.sort((a, b) => b.memory - a.memory);
}

const turn = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/** The most processes and tables `heap` lists (otp heap --top). */
export const HEAP_MAX_TOP = 1000;
// A process's row samples up to MAILBOX_SAMPLE messages: the pass gives the event loop back after this many processes.
const HEAP_CHUNK = 500;

// The best `want` rows, largest first; a row equal to one kept comes after it (the order of the pass, as a stable sort).
function keepLargest(best: HeapProcess[], row: HeapProcess, want: number): void {
  if (best.length >= want && row.bytes <= best[best.length - 1]!.bytes) return;
  let at = best.length;
  while (at > 0 && best[at - 1]!.bytes < row.bytes) at--;
  best.splice(at, 0, row);
  if (best.length > want) best.pop();
}

// Each process's row, a chunk per turn of the event loop, keeping the `top` largest, and the totals over all.
async function measureProcesses(all: ProcessImpl[], states: Map<ProcessImpl, number>, top: number) {
  let processCount = 0;
  let processBytes = 0;
  let messages = 0;
  let mailboxTotal = 0;
  let stateTotal = 0;
  const rows: HeapProcess[] = [];
  for (let i = 0; i < all.length; i++) {
    if (i > 0 && i % HEAP_CHUNK === 0) await turn();
    const p = all[i]!;
    // Exited while the report was under way: no longer part of the node's memory.
    if (p.dead) continue;
    const state = states.get(p);
    const mailbox = mailboxBytes(p);
    const bytes = p.memoryEstimate() + (state ?? 0);
    processCount++;
    processBytes += bytes;
    messages += p.queueLength;
    mailboxTotal += mailbox;
    stateTotal += state ?? 0;
    const row: HeapProcess = { pid: p.pid.toString(), label: labelOf(p), messages: p.queueLength, mailboxBytes: mailbox, stateBytes: state ?? null, bytes };
    if (p.name !== undefined) row.name = p.name;
    keepLargest(rows, row, top);
  }
  return { rows, processCount, processBytes, messages, mailboxTotal, stateTotal };
}

/**
 * Memory per process and per table, the `top` largest of each (a whole number from 1 to HEAP_MAX_TOP; another
 * is refused). The pass over the processes gives the event loop back every few hundred, so a node of 100 000
 * processes keeps running its own work while it is measured.
 */
export async function heapReport(node: OtpNode, top: number = 20, skip?: ProcessImpl): Promise<HeapReport> {
  if (!(typeof top === 'number' && Number.isInteger(top) && top >= 1 && top <= HEAP_MAX_TOP)) {
    throw new Error(`heap lists from 1 to ${HEAP_MAX_TOP} processes and tables (otp heap --top), got ${(JSON.stringify(top) ?? String(top)).slice(0, 100)}: give a whole number in that range, e.g. 20`);
  }
  const all: ProcessImpl[] = [];
  const behaviours: ProcessImpl[] = [];
  // The behaviours past the HEAP_STATE_ASKS asked for their state.
  let skipped = 0;
  await eachChunked(node, (p) => {
    if (p === skip) return;
    all.push(p);
    const b = p.label?.behaviour;
    if (!b || b === 'application_master') return;
    if (behaviours.length < HEAP_STATE_ASKS) behaviours.push(p);
    else skipped++;
  });
  const states = await stateSizes(node, behaviours);
  const { rows, processCount, processBytes, messages, mailboxTotal, stateTotal } = await measureProcesses(all, states, top);
  const tables = await allTables(node);
  const heap = getHeapStatistics();
  return {
    node: node.name,
    memory: { ...process.memoryUsage(), heapLimit: heap.heap_size_limit },
    spaces: getHeapSpaceStatistics().map((s) => ({ name: s.space_name, used: s.space_used_size, size: s.space_size })),
    processCount,
    processBytes,
    messages,
    mailboxBytes: mailboxTotal,
    states: { asked: behaviours.length, answered: states.size, bytes: stateTotal, skipped },
    processes: rows,
    tableCount: tables.length,
    tableBytes: tables.reduce((s, t) => s + t.memory, 0),
    tables: tables.slice(0, top),
  };
}

/** The largest chunk of a heap snapshot one read answers (bytes). */
export const SNAPSHOT_CHUNK = 1 << 20;
/** The smallest limit a heap snapshot takes (bytes): one chunk. */
export const SNAPSHOT_MIN_BYTES = SNAPSHOT_CHUNK;
/** A snapshot nobody read for this long is dropped (ms). */
const SNAPSHOT_IDLE_MS = 30_000;

interface OpenSnapshot {
  id: number;
  by: string;
  stream: Readable;
  chunks: AsyncIterator<Buffer>;
  pending: Buffer | null;
  sent: number;
  maxBytes: number;
  idle: NodeJS.Timeout;
  // A read in progress: V8 can take many seconds to produce a chunk on a loaded machine, which is not idleness.
  reading: boolean;
}

// One snapshot at a time per Node.js process: taking one stops the world and doubles the heap for a while.
let snapshot: OpenSnapshot | null = null;
let nextSnapshot = 1;

function drop(s: OpenSnapshot): void {
  clearTimeout(s.idle);
  s.stream.destroy();
  if (snapshot === s) snapshot = null;
}

/** Starts a V8 heap snapshot that the tool then pulls with `snapshotRead`; at most `maxBytes` of it (SNAPSHOT_MIN_BYTES or more; less is refused). */
export function snapshotOpen(node: OtpNode, by: string, maxBytes: number): { ok: true; id: number } | { ok: false; error: string } {
  const limit = maxBytes;
  if (!(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= SNAPSHOT_MIN_BYTES)) {
    return { ok: false, error: `snapshotOpen takes a limit (otp heap --snapshot-max) of a whole number of bytes from ${SNAPSHOT_MIN_BYTES} (1MB) up, got ${(JSON.stringify(maxBytes) ?? String(maxBytes)).slice(0, 100)}: give e.g. ${2 * 1024 ** 3} (2GB)` };
  }
  if (snapshot) return { ok: false, error: `a heap snapshot is already being taken on ${node.name} (by ${snapshot.by}, ${snapshot.sent} bytes sent): one at a time per node` };
  const stream = getHeapSnapshot();
  const s: OpenSnapshot = {
    id: nextSnapshot++,
    by: String(by || 'an unnamed client'),
    stream,
    chunks: (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator](),
    pending: null,
    sent: 0,
    maxBytes: limit,
    idle: setTimeout(() => (s.reading ? s.idle.refresh() : drop(s)), SNAPSHOT_IDLE_MS),
    reading: false,
  };
  s.idle.unref();
  snapshot = s;
  loggerOf(node).notice(`otp heap (${s.by}): heap snapshot ${s.id} started (at most ${limit} bytes)`, { module: 'otp_profile' });
  return { ok: true, id: s.id };
}

/** The next chunk (at most SNAPSHOT_CHUNK bytes) of snapshot `id`; `done` once it is all sent. Past its limit it is dropped with an error. */
export async function snapshotRead(node: OtpNode, id: number): Promise<{ ok: true; chunk: Buffer; done: boolean } | { ok: false; error: string }> {
  const s = snapshot;
  if (s === null || s.id !== Number(id)) return { ok: false, error: `no heap snapshot ${String(id)} is open on ${node.name} (one unread for ${SNAPSHOT_IDLE_MS / 1000} s is dropped): take it again` };
  s.reading = true;
  const parts: Buffer[] = [];
  let size = 0;
  let done = false;
  try {
    while (size < SNAPSHOT_CHUNK) {
      let piece = s.pending;
      s.pending = null;
      if (piece === null) {
        const r = await s.chunks.next();
        if (r.done) {
          done = true;
          break;
        }
        piece = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as unknown as string);
      }
      const room = SNAPSHOT_CHUNK - size;
      if (piece.length > room) {
        s.pending = piece.subarray(room);
        piece = piece.subarray(0, room);
      }
      parts.push(piece);
      size += piece.length;
    }
  } finally {
    s.reading = false;
    if (snapshot === s) s.idle.refresh();
  }
  // Dropped meanwhile (closed by its tool): what was read is not the whole snapshot.
  if (snapshot !== s) return { ok: false, error: `heap snapshot ${s.id} on ${node.name} was closed while it was being read: take it again` };
  s.sent += size;
  if (s.sent > s.maxBytes) {
    drop(s);
    loggerOf(node).notice(`otp heap (${s.by}): heap snapshot ${s.id} dropped past its limit of ${s.maxBytes} bytes`, { module: 'otp_profile' });
    return { ok: false, error: `the heap snapshot of ${node.name} is larger than the limit of ${s.maxBytes} bytes: raise --snapshot-max` };
  }
  if (done) drop(s);
  return { ok: true, chunk: Buffer.concat(parts, size), done };
}

/** Drops snapshot `id` (the tool stopped reading it). */
export function snapshotClose(id: number): boolean {
  if (snapshot === null || snapshot.id !== Number(id)) return false;
  drop(snapshot);
  return true;
}
