// Node's own timer functions, not the globals: a module's top level runs with recording globals (code/module.ts), and the
// queue armed from it must not be counted as that version's timer (its purge would clear the queue's handle).
import { clearTimeout, setTimeout } from 'node:timers';

/** Whether `v` is a timeout as OTP takes one: a whole number of milliseconds >= 0, or Infinity (OTP's infinity). */
export function isTimeoutMs(v: unknown): v is number {
  return (Number.isInteger(v) && (v as number) >= 0) || v === Infinity;
}

// The longest delay Node.js's setTimeout takes as given.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** One pending timeout in the node's shared timer queue. */
export class TimerEntry {
  /** Position in the heap; -1 once fired or cancelled. */
  index = -1;
  constructor(
    readonly deadline: number,
    /** Creation order: timers with equal deadlines fire in the order they were set. */
    readonly seq: number,
    readonly fire: (entry: TimerEntry) => void,
    /** What the entry is for (a receive timeout's process, a sendAfter's destination). */
    readonly owner: unknown,
  ) {}
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/**
 * Every runtime timeout of a node in one binary heap behind a single Node.js timer: a receive with a
 * timeout or a `sendAfter` costs a heap insert, not a Node.js timer, and cancelling removes the entry.
 */
export class TimerQueue {
  private readonly heap: TimerEntry[] = [];
  private handle: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private seq = 0;

  /** The number of pending timers. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `fire` after `ms` milliseconds. */
  add(ms: number, fire: (entry: TimerEntry) => void, owner: unknown): TimerEntry {
    const entry = new TimerEntry(performance.now() + ms, this.seq++, fire, owner);
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
    if (entry.deadline < this.armedFor) this.arm();
    return entry;
  }

  /** Removes a pending entry; returns the milliseconds that were left, or false if it already fired. */
  cancel(entry: TimerEntry): number | false {
    if (entry.index < 0) return false;
    this.removeAt(entry.index);
    // The Node.js timer stays armed for the old deadline: when it fires early it simply re-arms.
    return Math.max(0, Math.round(entry.deadline - performance.now()));
  }

  /** The milliseconds left before a pending entry fires, or false if it already fired or was cancelled. */
  left(entry: TimerEntry): number | false {
    return entry.index < 0 ? false : Math.max(0, Math.round(entry.deadline - performance.now()));
  }

  /** Cancels everything (node shutdown). */
  clear(): void {
    for (const e of this.heap) e.index = -1;
    this.heap.length = 0;
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    this.armedFor = Infinity;
  }

  private arm(): void {
    if (this.handle) clearTimeout(this.handle);
    const first = this.heap[0];
    if (!first) {
      this.handle = null;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = first.deadline;
    // Node.js fires a delay above 2^31-1 ms (24.8 days) after 1 ms, with a warning, every time it is re-armed:
    // a later deadline waits in steps of at most that, as Erlang's timers take up to 49.7 days and more.
    this.handle = setTimeout(this.onTimer, Math.min(MAX_DELAY_MS, Math.max(0, Math.ceil(first.deadline - performance.now()))));
  }

  private readonly onTimer = (): void => {
    this.handle = null;
    this.armedFor = Infinity;
    const now = performance.now();
    let first = this.heap[0];
    while (first && first.deadline <= now) {
      this.removeAt(0);
      first.fire(first);
      first = this.heap[0];
    }
    if (this.heap.length > 0 && !this.handle) this.arm();
  };

  private removeAt(i: number): void {
    const heap = this.heap;
    const removed = heap[i]!;
    removed.index = -1;
    const last = heap.pop()!;
    if (i < heap.length) {
      heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (before(parent, e)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      const child = heap[c]!;
      if (before(e, child)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = e;
    e.index = i;
  }
}
