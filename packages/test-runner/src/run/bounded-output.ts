/** How many characters of a test file's (or a case's) output are kept at its start, and as many at its end. */
export const OUTPUT_KEEP_CHARS = 512 * 1024;

/**
 * A test's output kept within bounds: its first and last `keep` characters, and how much was left out between.
 * A test that writes hundreds of MB would otherwise hold it all in the runner several times over (the file's
 * output, the case's log, every report) until a string outgrows V8's limit and the run dies without a report.
 */
export class BoundedOutput {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(private readonly keep = OUTPUT_KEEP_CHARS) {}

  /** Adds a chunk of output. */
  add(chunk: string): void {
    const room = this.keep - this.head.length;
    if (room > 0) {
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk.length === 0) return;
    this.tail += chunk;
    // Trimmed once it holds twice the bound, so adding stays linear.
    if (this.tail.length > 2 * this.keep) this.trim();
  }

  /** True when nothing was written. */
  get empty(): boolean {
    return this.head.length === 0;
  }

  /** The output kept, with a line saying how many characters were left out where they were. */
  text(): string {
    this.trim();
    if (this.dropped === 0) return this.head + this.tail;
    return `${this.head}\n[… ${this.dropped} characters of output left out here: otp test keeps the first and last ${this.keep} characters of a test file's and a case's output …]\n${this.tail}`;
  }

  private trim(): void {
    if (this.tail.length <= this.keep) return;
    this.dropped += this.tail.length - this.keep;
    this.tail = this.tail.slice(-this.keep);
  }
}
