import { createNode, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';

/** A piece of work the shell's process runs for the REPL. */
class ShellJob {
  constructor(
    readonly fn: (ctx: ProcessContext) => unknown,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/**
 * The shell's own process: the REPL runs every runtime operation inside it (Erlang's shell is a process
 * too), so calls, receives and flush have a mailbox. A crash inside a job is reported, not fatal; if the
 * process dies (a linked crash), a new one takes its place.
 */
export class ShellProcess {
  private pid: Pid;

  constructor(readonly node: OtpNode = createNode()) {
    this.pid = this.spawn();
  }

  private spawn(): Pid {
    return this.node.spawn(async (ctx) => {
      for (;;) {
        const job = await ctx.receive((m): m is ShellJob => m instanceof ShellJob);
        try {
          job.resolve(await job.fn(ctx));
        } catch (error) {
          job.reject(error);
        }
      }
    });
  }

  /** The shell process's pid. */
  get self(): Pid {
    return this.pid;
  }

  /** Runs `fn` inside the shell's process and resolves with its result. */
  run<T>(fn: (ctx: ProcessContext) => T | Promise<T>): Promise<T> {
    if (!this.node.isAlive(this.pid)) this.pid = this.spawn();
    return new Promise<T>((resolve, reject) => this.node.send(this.pid, new ShellJob(fn, resolve as (v: unknown) => void, reject)));
  }
}
