/** What the table holds: a process record, found by its pid's number and serial. */
interface Entry {
  readonly pid: { readonly id: number; readonly serial: number };
  readonly dead: boolean;
}

// The smallest table: 1,024 slots (8 KB), grown by doubling while more than half are taken.
const INITIAL_SLOTS = 1 << 10;
// Pid numbers run from 1 to 2^31 - 1; past that they start again at 1 with the next serial, as the BEAM's do.
const LAST_ID = 0x7fffffff;

/**
 * A node's live processes by pid number, as the BEAM's process table: a process sits in slot `id & mask`, so adding,
 * finding and removing one is one array access. A Map keyed by pid number paid a hash for each and, as processes
 * come and go, its deleted entries' rehashing (about ten times the slot store, bench/behaviours start and spawn).
 * Numbers are handed out in rising order, skipping one whose slot is taken (a long-lived process's), so two live
 * processes never share a slot; the table doubles while more than half its slots are taken, and a doubled mask
 * keeps distinct slots distinct. Iteration is in slot order, which is number order until the numbers wrap around
 * the table (the BEAM's processes() is in table order too).
 */
export class ProcessTable<P extends Entry> {
  private slots: Array<P | undefined> = new Array<P | undefined>(INITIAL_SLOTS).fill(undefined);
  private mask = INITIAL_SLOTS - 1;
  private nextId: number;
  /** Live processes in the table. */
  size = 0;
  /** The serial of the numbers handed out now: it grows each time the numbers wrap past 2^31 - 1. */
  serial = 0;

  /** `firstId`: the first number to hand out (1; a test of the wrap past 2^31 - 1 starts near it). */
  constructor(firstId = 1) {
    this.nextId = firstId;
  }

  /** A free pid number for a new process (with `serial`); `add` must follow before the next `take`. */
  take(): number {
    if (this.size >= (this.mask + 1) >>> 1) this.grow();
    let id = this.nextId;
    for (;;) {
      // Past the last number they start again at 1 with the next serial: the new pids differ from every earlier one.
      if (id > LAST_ID) {
        id = 1;
        this.serial++;
      }
      if (this.slots[id & this.mask] === undefined) break;
      id++;
    }
    this.nextId = id + 1;
    return id;
  }

  /** Where the next pid is: every pid `take` hands out from now on orders after it (by serial, then number), every earlier one before. */
  get mark(): { serial: number; id: number } {
    return { serial: this.serial, id: this.nextId };
  }

  /** Puts a process whose number `take` gave into its slot. */
  add(proc: P): void {
    this.slots[proc.pid.id & this.mask] = proc;
    this.size++;
  }

  /** The live process numbered `id` with `serial`, if any. */
  get(id: number, serial: number): P | undefined {
    const p = this.slots[id & this.mask];
    return p !== undefined && p.pid.id === id && p.pid.serial === serial ? p : undefined;
  }

  /** Takes a process out of the table. */
  delete(proc: P): void {
    const slot = proc.pid.id & this.mask;
    if (this.slots[slot] !== proc) return;
    this.slots[slot] = undefined;
    this.size--;
  }

  /**
   * Calls `fn` with each live process. One that `fn` ends is not visited after it; one that `fn` starts may or may
   * not be (a Map's forEach visits it: nothing here relies on that).
   */
  forEach(fn: (proc: P) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const p = slots[i];
      if (p !== undefined && !p.dead) fn(p);
    }
  }

  /** The live processes now, in slot order: a copy, so the caller may start and end processes as it goes. */
  values(): P[] {
    const out: P[] = [];
    this.forEach((p) => out.push(p));
    return out;
  }

  // Doubles the slots: numbers in distinct slots under the old mask are in distinct slots under the new one.
  private grow(): void {
    const old = this.slots;
    const size = old.length * 2;
    const slots = new Array<P | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const p = old[i];
      if (p !== undefined) slots[p.pid.id & mask] = p;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
