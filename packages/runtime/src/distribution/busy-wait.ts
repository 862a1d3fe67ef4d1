// The BEAM's scheduler busy wait, for distribution: after traffic on a connection the event loop keeps
// polling for a short window instead of sleeping, so a reply that arrives within it is read without the
// cost of waking a sleeping thread (on virtual machines that wake-up is most of a loopback round trip).
// Connection set-up does not spin: on a machine with few cores the spinning process takes the core that
// the kernel's loopback work and the peer need, and set-up got slower, not faster (bench/dist).

/** How long the event loop keeps polling after distribution traffic, by default (µs). */
export const DEFAULT_BUSY_WAIT_US = 200;

/** A window of polling that traffic extends; it ends by itself, so an idle node uses no CPU. */
export class BusyWait {
  private until = 0;
  private spinning = false;

  /** `windowUs` 0 turns busy waiting off. */
  constructor(private readonly windowUs: number) {}

  /** Traffic happened: poll until the window from now has passed. */
  touch(): void {
    if (this.windowUs <= 0) return;
    const until = performance.now() + this.windowUs / 1000;
    if (until > this.until) this.until = until;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  /** Ends the window now (the node stops). */
  stop(): void {
    this.until = 0;
  }

  // One turn of the event loop per call: setImmediate makes the loop poll for I/O without blocking.
  private readonly spin = (): void => {
    if (performance.now() < this.until) setImmediate(this.spin);
    else this.spinning = false;
  };
}
