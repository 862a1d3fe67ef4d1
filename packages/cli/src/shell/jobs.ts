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
  private current: ShellJob | undefined;

  constructor(readonly node: OtpNode = createNode()) {
    this.pid = this.spawn();
  }

  private spawn(): Pid {
    return this.node.spawn(async (ctx) => {
      for (;;) {
        const job = await ctx.receive((m): m is ShellJob => m instanceof ShellJob);
        this.current = job;
        let outcome: { ok: boolean; value: unknown };
        try {
          outcome = { ok: true, value: await job.fn(ctx) };
        } catch (error) {
          outcome = { ok: false, value: error };
        }
        // Interrupted (Ctrl-C): the job was answered and this process killed.
        if (this.current !== job) return;
        this.current = undefined;
        // A line that started a call it did not await left its receive pending: this process can receive
        // nothing more, so the next line runs in a fresh one (as Erlang's shell restarts its evaluator).
        const abandoned = ctx.processInfo(ctx.self())?.status === 'waiting';
        if (abandoned) {
          this.pid = this.spawn();
          this.onAbandoned?.(this.pid);
        }
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.value);
        if (abandoned) return;
      }
    });
  }

  /** Told when a line left a runtime call un-awaited and the shell moved to the fresh process `pid`. */
  onAbandoned: ((pid: Pid) => void) | null = null;

  /** The shell process's pid. */
  get self(): Pid {
    return this.pid;
  }

  /** Answers the running job with `error` and kills the process it holds (Ctrl-C): the next job runs in a fresh one. */
  interrupt(error: Error): void {
    const job = this.current;
    this.current = undefined;
    this.node.exit(this.pid, 'kill');
    job?.reject(error);
  }

  /** Runs `fn` inside the shell's process and resolves with its result. */
  run<T>(fn: (ctx: ProcessContext) => T | Promise<T>): Promise<T> {
    if (!this.node.isAlive(this.pid)) this.pid = this.spawn();
    return new Promise<T>((resolve, reject) => this.node.send(this.pid, new ShellJob(fn, resolve as (v: unknown) => void, reject)));
  }
}
