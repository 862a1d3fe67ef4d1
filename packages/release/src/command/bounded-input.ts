// The shells' piped input (otp shell, otp remote, bin/<name> remote), bounded by one rule.
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** The longest input line a shell takes (1 MiB); a longer one is refused, not buffered until memory runs out. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The shell's piped input, whole lines at a time, ending (after the lines before it) at a line longer than
 * `max` bytes, which is never passed on: `onRefused` is told once, and the input is no longer read. Endless
 * input with no newline (`< /dev/zero`) ends there too, instead of growing one string until the process dies.
 */
export function boundedInput(input: Readable, onRefused: (message: string) => void, max = MAX_LINE_BYTES): Readable {
  let tail: Buffer = Buffer.alloc(0);
  let refused = false;
  const stream = new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback) {
      if (refused) return done();
      const bytes = Buffer.concat([tail, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      let from = 0;
      for (let nl = bytes.indexOf(0x0a); nl !== -1 && nl - from <= max; nl = bytes.indexOf(0x0a, from)) from = nl + 1;
      if (from > 0) this.push(bytes.subarray(0, from));
      tail = bytes.subarray(from);
      if (tail.length <= max) return done();
      refused = true;
      tail = Buffer.alloc(0);
      onRefused(`an input line is longer than ${max / (1024 * 1024)} MiB, the longest the shell takes: split it, or read the data from a file in the line`);
      input.unpipe(stream);
      input.destroy();
      this.push(null);
      done();
    },
    flush(done: TransformCallback) {
      done(null, refused ? undefined : tail);
    },
  });
  input.pipe(stream);
  return stream;
}
