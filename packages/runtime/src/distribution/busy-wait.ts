// The BEAM's scheduler busy wait, for distribution: after traffic on a connection the event loop keeps
// polling for a short window instead of sleeping, so a reply that arrives within it is read without the
// cost of waking a sleeping thread (on virtual machines that wake-up is most of a loopback round trip).
// Connection set-up does not spin: on a machine with few cores the spinning process takes the core that
// the kernel's loopback work and the peer need, and set-up got slower, not faster (bench/dist).
//
// The window adapts: a spell of polling that more traffic extended paid off, and so would one after which
// traffic came back within the maximum window (a longer window would have caught it); one that ran out
// with nothing for longer than that was CPU spent for nothing. Every ADAPT_EVERY spells the window halves
// when few paid off (traffic slower than any window, where polling only burns CPU) and doubles back toward
// its maximum when most did.
import { setImmediate } from 'node:timers';

/** How long the event loop keeps polling after distribution traffic, by default (µs). */
export const DEFAULT_BUSY_WAIT_US = 200;
/** The shortest window adaptation goes down to (µs): still enough for a reply from a polling peer. */
const MIN_WINDOW_US = 25;
const ADAPT_EVERY = 32;

/** A window of polling that traffic extends; it ends by itself, so an idle node uses no CPU. */
export class BusyWait {
  private until = 0;
  private spinning = false;
  private window: number;
  /** This spell of polling was extended by traffic (it paid off). */
  private extended = false;
  private spells = 0;
  private paidOff = 0;
  /** When the last spell ran out (ms, performance.now()). */
  private endedAt = -Infinity;

  /** `maxUs` 0 turns busy waiting off. */
  constructor(private readonly maxUs: number) {
    this.window = maxUs;
  }

  /** The current window (µs): `maxUs`, or less after spells of polling that traffic did not extend. */
  get windowUs(): number {
    return this.window;
  }

  /** True while the event loop is kept polling. */
  get polling(): boolean {
    return this.spinning;
  }

  /** Traffic happened: poll until the window from now has passed. */
  touch(): void {
    if (this.maxUs <= 0) return;
    const until = performance.now() + this.window / 1000;
    if (until > this.until) this.until = until;
    if (this.spinning) {
      this.extended = true;
      return;
    }
    this.spinning = true;
    this.extended = false;
    // Traffic soon after the last spell ran out: a longer window would have caught it.
    if ((until - this.endedAt) * 1000 - this.window < this.maxUs) this.paidOff++;
    setImmediate(this.spin);
  }

  /** Ends the window now (the node stops). */
  stop(): void {
    this.until = 0;
  }

  // One turn of the event loop per call: setImmediate makes the loop poll for I/O without blocking.
  private readonly spin = (): void => {
    if (performance.now() < this.until) {
      setImmediate(this.spin);
      return;
    }
    this.spinning = false;
    this.endedAt = performance.now();
    this.spells++;
    if (this.extended) this.paidOff++;
    if (this.spells < ADAPT_EVERY) return;
    if (this.paidOff * 4 < this.spells) this.window = Math.max(MIN_WINDOW_US, this.window / 2);
    else if (this.paidOff * 2 >= this.spells) this.window = Math.min(this.maxUs, this.window * 2);
    this.spells = 0;
    this.paidOff = 0;
  };
}
