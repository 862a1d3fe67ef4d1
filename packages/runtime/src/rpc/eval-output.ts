// What a remote shell's line prints (console.log, console.error, process.stdout.write, …) shows at the shell, as
// io:format in Erlang's remote shell shows at the shell's group leader, not on the node: while a line of the session
// runs, its console and its process's stdout and stderr are kept, bounded, and go back with the answer, in the order
// they were written. With no line of the session running (a timer a line set, firing later), they write to the node's
// own stdout and stderr, as every other process of the node does; the node's own console is never touched.
import { Console } from 'node:console';
import type { EvalSession } from './eval-session.js';
import { MAX_SHELL_TEXT } from './shell-helpers.js';

type Chunk = string | Uint8Array;

// A chunk written to a stream, as text.
function chunkText(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') return typeof encoding === 'string' && Buffer.isEncoding(encoding) && !/^utf-?8$/i.test(encoding) ? Buffer.from(chunk, encoding).toString('utf8') : chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return String(chunk);
}

/** A session's output: kept (bounded) while one of its lines runs, for the shell; the node's own stdout and stderr otherwise. */
export class LineOutput {
  private parts: string[] | undefined;
  private kept = 0;
  private left = 0;
  /** The console a line of the session sees. */
  readonly console: Console;
  /** process.stdout as a line of the session sees it. */
  readonly stdout: NodeJS.WriteStream;
  /** process.stderr as a line of the session sees it. */
  readonly stderr: NodeJS.WriteStream;

  constructor() {
    this.stdout = this.stream(process.stdout);
    this.stderr = this.stream(process.stderr);
    // Console needs only write() of a stream it does not watch for errors (ignoreErrors false).
    const sink = (own: NodeJS.WriteStream): NodeJS.WritableStream => ({ write: (chunk: Chunk) => this.write(own, chunk, undefined, undefined) }) as unknown as NodeJS.WritableStream;
    this.console = new Console({ stdout: sink(process.stdout), stderr: sink(process.stderr), ignoreErrors: false, colorMode: false });
  }

  /** A line of the session starts: what it writes is kept from now on. */
  start(): void {
    this.parts = [];
    this.kept = 0;
    this.left = 0;
  }

  /** Whether the running line wrote anything. */
  printed(): boolean {
    return this.kept + this.left > 0;
  }

  /** What the running line wrote, cut at the shells' bound (saying how much was left out). */
  text(): string {
    const text = (this.parts ?? []).join('');
    return this.left > 0 ? `${text}... ${this.left} more characters of output\n` : text;
  }

  /** The line ended: the node's own streams take what the session writes from now on. */
  stop(): void {
    this.parts = undefined;
  }

  // process.stdout (or stderr) with write kept while a line runs; every other property the stream's own.
  private stream(own: NodeJS.WriteStream): NodeJS.WriteStream {
    const write = (chunk: unknown, encoding?: unknown, cb?: unknown): boolean => this.write(own, chunk, encoding, cb);
    return new Proxy(own, {
      get(target, key) {
        if (key === 'write') return write;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  private write(own: NodeJS.WriteStream, chunk: unknown, encoding: unknown, cb: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : cb;
    if (this.parts === undefined) return own.write(chunk as Chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8', done as (error?: Error | null) => void);
    const text = chunkText(chunk, encoding);
    const room = MAX_SHELL_TEXT - this.kept;
    if (text.length <= room) {
      this.parts.push(text);
      this.kept += text.length;
    } else {
      if (room > 0) this.parts.push(text.slice(0, room));
      this.kept += Math.max(room, 0);
      this.left += text.length - Math.max(room, 0);
    }
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }
}

const outputs = new WeakMap<EvalSession, LineOutput>();

/** The output of `session`'s lines (made at its first line). */
export function sessionOutput(session: EvalSession): LineOutput {
  let output = outputs.get(session);
  if (!output) outputs.set(session, (output = new LineOutput()));
  return output;
}
