// Once a shell's input has ended (a pipe, Ctrl-D) nobody can interrupt a line any more: a line that never gives
// its result would keep the command running for ever (a named node's distribution keeps the process alive, so
// "nothing left to do" is never seen). Each line then has a bound, as otp remote's lines have theirs.

/** A statement as a shell's notices quote it: JSON, cut at 80 characters. */
export function quotedStatement(statement: string): string {
  const text = statement.trim();
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * How long a line may go without its result once the input has ended: `ms` from the input's end for the line then
 * running, and from its start for each line after it. Past that the line is abandoned with a notice naming it,
 * `over` is set (the lines after it are not run) and `abandoned` resolves (the shell then stops).
 */
export class InputEndBound {
  private ended = false;
  private waiting = 0;
  private running: { statement: string; timer?: NodeJS.Timeout } | undefined;
  private giveUp: () => void = () => undefined;
  /** Whether a line was abandoned: the lines after it are not run. */
  over = false;
  /** Resolves once a line was abandoned. */
  readonly abandoned = new Promise<void>((resolve) => (this.giveUp = resolve));

  constructor(
    private readonly ms: number,
    private readonly say: (line: string) => void,
  ) {}

  /** A line was queued to run. */
  queued(): void {
    this.waiting++;
  }

  /** The input ended: from now on each line has `ms` to give its result. */
  end(): void {
    this.ended = true;
    this.arm();
  }

  /** Runs the queued line `statement` (its job), bounded once the input has ended. */
  async run<T>(statement: string, job: () => Promise<T>): Promise<T> {
    this.waiting--;
    const line: { statement: string; timer?: NodeJS.Timeout } = { statement };
    this.running = line;
    this.arm();
    try {
      return await job();
    } finally {
      clearTimeout(line.timer);
      if (this.running === line) this.running = undefined;
    }
  }

  private arm(): void {
    const line = this.running;
    if (!this.ended || line === undefined || line.timer !== undefined) return;
    // Not holding the process: a line waiting on nothing at all is found at once (the shell's beforeExit check).
    line.timer = setTimeout(() => {
      if (this.running !== line) return;
      this.over = true;
      const after = this.waiting === 0 ? '' : `, and the ${this.waiting} line${this.waiting === 1 ? '' : 's'} after it not run`;
      this.say(`the input ended and the line ${quotedStatement(line.statement)} had no result after ${this.ms} ms: it was abandoned${after}; stopping the shell (--eval-await-timeout gives a line longer)`);
      this.giveUp();
    }, this.ms).unref();
  }
}
