// What a remote shell's line prints (console.log, console.error, process.stdout.write, …) shows at the shell, as
// io:format in Erlang's remote shell shows at the shell's group leader, not on the node: while a line of the session
// runs, its console and its process's stdout and stderr are kept, bounded, and go back with the answer, in the order
// they were written. With no line of the session running (a timer a line set, firing later, a promise settling after
// the answer), they go to the shell's own process, as a message, while the shell's node is connected (as the group
// leader of what an erl remote shell spawned stays the shell's); once the shell has ended or gone, to the node's own
// stdout and stderr, as every other process of the node does. The node's own console is never touched.
import { Console } from 'node:console';
import { setImmediate } from 'node:timers';
import type { OtpNode } from '../node.js';
import { Pid } from '../pid.js';
import type { EvalSession } from './eval-session.js';
import { MAX_SHELL_TEXT } from './shell-helpers.js';

type Chunk = string | Uint8Array;

// A chunk written to a stream, as text.
function chunkText(chunk: unknown, encoding: unknown): string {
  if (typeof chunk === 'string') return typeof encoding === 'string' && Buffer.isEncoding(encoding) && !/^utf-?8$/i.test(encoding) ? Buffer.from(chunk, encoding).toString('utf8') : chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return String(chunk);
}

/** Where a session's output goes once its line answered: the shell's process while it is reachable. */
export interface LateSink {
  /** Whether the shell's process can still be reached (its node connected). */
  reachable(): boolean;
  /** Sends `text` to the shell's process. */
  send(text: string): void;
}

/** The message a remote shell's process gets for what its session printed after a line answered. */
export interface LateOutput {
  otpShellOutput: string;
}

/** Whether `message` is a LateOutput. */
export function isLateOutput(message: unknown): message is LateOutput {
  return typeof message === 'object' && message !== null && typeof (message as { otpShellOutput?: unknown }).otpShellOutput === 'string';
}

/** The LateSink of the process `pid` (a remote shell's, on another node), for a session of `node`; undefined for anything else. */
export function lateSink(node: OtpNode, pid: unknown): LateSink | undefined {
  if (!(pid instanceof Pid)) return undefined;
  const dist = node.dist;
  const reachable = (): boolean => pid.node === 0 || (dist != null && dist.isConnected(dist.nameOf(pid.node)));
  return { reachable, send: (text) => node.send(pid, { otpShellOutput: text } satisfies LateOutput) };
}

/**
 * A process of `node` (a remote shell's tool node) that hands `write` what the shell's session prints on the node after
 * its lines answered (a timer firing later); its pid goes with each line (EvalLineOptions.sink). It ends with the node.
 */
export function lateOutputReceiver(node: OtpNode, write: (text: string) => void): Pid {
  return node.spawn(async (ctx) => {
    for (;;) {
      const message = await ctx.receive();
      if (isLateOutput(message)) write(message.otpShellOutput);
    }
  });
}

/** A session's output: kept (bounded) while one of its lines runs, for the shell; after, its shell's process (LateSink) or the node's own stdout and stderr. */
export class LineOutput {
  private parts: string[] | undefined;
  private kept = 0;
  private left = 0;
  private sink: LateSink | undefined;
  // What was printed with no line running, not yet sent to the sink (sent once per turn of the event loop, bounded).
  private late: string[] = [];
  private lateKept = 0;
  private lateLeft = 0;
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

  /** Where what the session prints with no line running goes (undefined: the node's own stdout and stderr). */
  follow(sink: LateSink | undefined): void {
    this.flushLate();
    this.sink = sink;
  }

  /** A line of the session starts: what it writes is kept from now on (what was printed before it is sent first). */
  start(): void {
    this.flushLate();
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
    if (this.parts === undefined && this.sink?.reachable() !== true) {
      this.sink = undefined;
      return own.write(chunk as Chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8', done as (error?: Error | null) => void);
    }
    const text = chunkText(chunk, encoding);
    if (this.parts === undefined) {
      this.keepLate(text);
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }
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

  // Keeps `text` for the sink, bounded as a line's output is; the first kept in a turn sends them all at its end.
  private keepLate(text: string): void {
    if (this.lateKept + this.lateLeft === 0) setImmediate(() => this.flushLate());
    const room = MAX_SHELL_TEXT - this.lateKept;
    if (text.length <= room) {
      this.late.push(text);
      this.lateKept += text.length;
      return;
    }
    if (room > 0) this.late.push(text.slice(0, room));
    this.lateKept += Math.max(room, 0);
    this.lateLeft += text.length - Math.max(room, 0);
  }

  private flushLate(): void {
    if (this.lateKept + this.lateLeft === 0) return;
    const text = this.late.join('') + (this.lateLeft > 0 ? `... ${this.lateLeft} more characters of output\n` : '');
    this.late = [];
    this.lateKept = 0;
    this.lateLeft = 0;
    if (this.sink?.reachable()) this.sink.send(text);
    else process.stdout.write(text);
  }
}

const outputs = new WeakMap<EvalSession, LineOutput>();

/** The output of `session`'s lines (made at its first line). */
export function sessionOutput(session: EvalSession): LineOutput {
  let output = outputs.get(session);
  if (!output) {
    const made = (output = new LineOutput());
    outputs.set(session, made);
    // A shell that ended: what its session still prints goes to the node's own stdout and stderr.
    session.onEnd = () => made.follow(undefined);
  }
  return output;
}
