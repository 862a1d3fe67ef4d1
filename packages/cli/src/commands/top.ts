import { formatProcs, type Connection, type ProcsSort } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import type { Io } from '../cli/io.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';
import { checkWindow } from './procs.js';
import { PROCS_MAX_ROWS } from '@otp-ts/runtime/tools';
import { wholeFlag } from '../tracer/flags.js';

const mb = (b: number): string => `${(b / (1 << 20)).toFixed(1)} MB`;

// As etop and observer_cli rank: reductions by their growth over the interval (the work being done now), memory and
// mailbox by their size (a process holding 100 000 messages that stopped growing is the one to find).
const byGrowth = (by: ProcsSort): boolean => by === 'reductions';

async function screen(c: Connection, by: ProcsSort, n: number, intervalMs: number): Promise<string> {
  const windowMs = byGrowth(by) ? intervalMs : 0;
  const rows = await c.procs(by, n, windowMs > 0 ? windowMs : undefined);
  const load = await c.load();
  const head = `${c.node}  up ${Math.round(load.uptimeS)} s  processes ${load.processes}  heap ${mb(load.heapUsed)}  rss ${mb(load.rss)}  event-loop lag ${load.lagMs.toFixed(1)} ms  load ${load.loadavg.map((l) => l.toFixed(2)).join(' ')}`;
  return `${head}\n\n${formatProcs(rows, by, windowMs)}\n`;
}

// The screen's first lines (the node's figures, a blank line, the table's header) stay when rows are dropped.
const HEAD_LINES = 3;

/**
 * One frame of the live view, fitted to a terminal of `rows` x `columns` (either unknown: not cut that way):
 * lines cut at the right edge, and the processes that do not fit dropped from the bottom, so the frame never
 * scrolls its first lines away; the last line (what keys do) stays while there is room for it.
 */
function fitScreen(text: string, footer: string, rows?: number, columns?: number): string {
  let lines = [...text.replace(/\n+$/, '').split('\n'), '', footer];
  // One line is left free: the frame's last newline would otherwise scroll the terminal.
  const room = rows && rows > 1 ? rows - 1 : undefined;
  if (room !== undefined && lines.length > room) {
    const head = lines.slice(0, HEAD_LINES);
    const body = lines.slice(HEAD_LINES, -2);
    const keep = room - head.length - 1;
    lines = keep >= 0 ? [...head, ...body.slice(0, keep), footer] : lines.slice(0, room);
  }
  const cut = (l: string) => (columns && columns > 0 && l.length > columns ? l.slice(0, columns) : l);
  return lines.map((l) => `${cut(l)}\n`).join('');
}

// How long past its due time a frame is awaited before the screen says the node has not answered.
const STALE_MS = 3000;

/** The line that replaces the keys' line while the node does not answer: since when, and that the figures are old. */
function silence(node: string, since: number): string {
  return `${node} has not answered for ${Math.round((Date.now() - since) / 1000)} s (since ${new Date(since).toISOString().slice(11, 19)} UTC): its event loop may be blocked, or it is cut off; the figures above are from before`;
}

/** The frame, or undefined when q is pressed first; past `overdueMs`, and each second after, `notice` is called with when the frame was asked. */
async function awaitFrame(frame: Promise<string>, quitted: Promise<undefined>, overdueMs: number, notice: (since: number) => void): Promise<string | undefined> {
  const since = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const tell = () => {
    notice(since);
    timer = setTimeout(tell, 1000);
  };
  timer = setTimeout(tell, overdueMs);
  try {
    return await Promise.race([frame, quitted]);
  } finally {
    clearTimeout(timer);
  }
}

// Redraws in place every interval until q (or Ctrl-C) is pressed. A key quits at once, even while a frame is awaited
// (a ranking by growth waits its interval out on the node; a hung node answers late or never): the answer is dropped.
async function live(io: Io, c: Connection, by: ProcsSort, n: number, intervalMs: number): Promise<void> {
  let quit!: () => void;
  const quitted = new Promise<undefined>((r) => (quit = () => r(undefined)));
  const stdin = process.stdin;
  const onKey = (key: Buffer) => {
    const k = key.toString();
    if (k === 'q' || k === '\u0003') quit();
  };
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.on('data', onKey);
  let pause: NodeJS.Timeout | undefined;
  let shown = '';
  const draw = (text: string, footer: string) => io.stdout.write(`\x1b[H\x1b[2J${fitScreen(text, footer, io.stdout.rows, io.stdout.columns)}`);
  // How long a frame may take before the screen says the node does not answer: its window, if it ranks by growth, and STALE_MS.
  const overdueMs = (byGrowth(by) ? intervalMs : 0) + STALE_MS;
  try {
    for (;;) {
      const frame = screen(c, by, n, intervalMs);
      frame.catch(() => {});
      const text = await awaitFrame(frame, quitted, overdueMs, (since) => draw(shown, `(${silence(c.node, since)}; q quits)`));
      if (text === undefined) return;
      const how = byGrowth(by) ? `sorted by ${by} over ${intervalMs} ms` : `sorted by ${by}, every ${intervalMs} ms`;
      shown = text;
      draw(text, `(${how}; q quits)`);
      // A ranking by size answers at once: the interval paces the redraws (a ranking by growth waited it out on the node).
      if (!byGrowth(by) && (await Promise.race([new Promise<true>((r) => (pause = setTimeout(() => r(true), intervalMs))), quitted])) === undefined) return;
    }
  } finally {
    clearTimeout(pause);
    stdin.off('data', onKey);
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}

/** `otp top NODE`: a live view of a node, refreshed in place (a plain snapshot when not on a terminal). */
export const topCommand = defineProvider({
  name: 'top',
  description: 'Watch a running node live: load, memory, event-loop lag, process count and the busiest processes, refreshed in place; q quits.',
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [
    { name: 'by', alias: 'sort', type: 'string', value: 'WHAT', choices: ['reductions', 'memory', 'mailbox'], default: 'reductions', description: 'what to rank processes by: reductions by their growth over each interval, memory and mailbox by their size' },
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 10, integer: true, min: 1, description: `how many processes to show (1 to ${PROCS_MAX_ROWS})` },
    { name: 'interval', type: 'number', value: 'MS', default: 1000, integer: true, min: 100, description: 'refresh interval (at least 100 ms)' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp top shop@127.0.0.1', description: 'the busiest processes, refreshed every second' },
    { command: 'otp top shop@127.0.0.1 --sort mailbox', description: 'the longest mailboxes (a stuck consumer)' },
  ],
  async run(args, io) {
    const by = args.by;
    wholeFlag('top', 'top', args.top, 1, PROCS_MAX_ROWS);
    if (byGrowth(by)) checkWindow('--interval', args.interval);
    return withConnection(io, args.node, args, async (c) => {
      if (io.stdout.isTTY && process.stdin.isTTY) await live(io, c, by, args.top, args.interval);
      else io.stdout.write(await screen(c, by, args.top, args.interval));
      return 0;
    });
  },
});
