// A cap on how many lines of one kind a node logs a second: a flood (of messages a peer sends for nodes that
// cannot be reached, say) cannot grow the log by a line each; what is left out is summed up in one line.
import { setTimeout } from 'node:timers';

/**
 * Logs at most `perSecond` lines a second through `log`; the rest are counted, and `summary(count)` is logged
 * once when their second ends (count: what each left-out line stood for, summed).
 */
export class LineBudget {
  // When the current second began, the lines logged in it, and what was left out of it.
  private at = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly log: (line: string) => void,
    private readonly summary: (count: number) => string,
  ) {}

  /** Logs `line`, or counts it (as `count`) towards the summary when this second's lines are used up. */
  line(line: string, count = 1): void {
    const now = Date.now();
    if (now - this.at >= 1000 && this.suppressed === 0) {
      this.at = now;
      this.logged = 0;
    }
    if (this.logged < this.perSecond) {
      this.logged++;
      return this.log(line);
    }
    const first = this.suppressed === 0;
    this.suppressed += count;
    if (!first) return;
    const timer = setTimeout(() => this.flush(), Math.max(0, 1000 - (now - this.at)));
    timer.unref();
  }

  // The second ended: its left-out lines summed up in one, and a new second begins.
  private flush(): void {
    this.log(this.summary(this.suppressed));
    this.suppressed = 0;
    this.at = Date.now();
    this.logged = 0;
  }
}
