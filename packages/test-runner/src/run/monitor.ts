import { type OtpNode, type Pid } from '@otp-ts/runtime';
import type { PlanGroup } from '../plan/types.js';
import { currentOwner } from './owner.js';
import { errorText } from './failure-info.js';
import { BoundedOutput } from './bounded-output.js';

/** What one case left behind: leaked processes (killed since), crash reports, unhandled errors it caused. */
export interface WatchReport {
  readonly leaks: string[];
  readonly log: string[];
  /** Unhandled rejections and uncaught exceptions of code the case started, while it ran. */
  readonly rejections: string[];
  /** What was written to stdout and stderr while the case ran alone. */
  readonly output: BoundedOutput;
}

/** One case under watch. */
export interface Watch {
  /** Marks the case's own process, whose crash is the case's failure rather than a log line. */
  own(pid: Pid): void;
  /** Marks the case's function as settled: an error it causes from now on is reported as after the test returned. */
  returned(): void;
  /** Waits for the dust to settle, then reports (and kills) what the case left alive. */
  end(): Promise<WatchReport>;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

const text = errorText;

/** Where an unhandled error goes when the case that caused it has already ended, or no case caused it. */
export interface LateErrors {
  /** An error caused by case `id` after its result was reported. */
  late(id: string, text: string): void;
  /** An error no case caused (module code, a group's init or end), which fails the file. */
  stray(text: string): void;
}

// `returned`: the case's function has settled and its watch is ending; what throws from now on is late, though still watched.
type CaseState = WatchReport & { owned: Set<string>; returned: boolean };

/**
 * Attributes leaked processes and crash reports to the case that was running, and unhandled errors to the case
 * (or hook) whose code started the timer, promise or process that threw, whenever it throws (see owner.ts).
 */
export class Monitor {
  private current: CaseState | undefined;
  private readonly watched = new Map<string, CaseState>();
  private readonly onRejection = (reason: unknown): void => this.unhandled(`unhandled rejection: ${text(reason)}`);
  private readonly onException = (error: unknown): void => this.unhandled(`uncaught exception: ${text(error)}`);

  private readonly restore: Array<() => void> = [];

  constructor(private readonly node: OtpNode, private readonly warning: (text: string) => void, private readonly errors: LateErrors) {
    process.on('unhandledRejection', this.onRejection);
    process.on('uncaughtException', this.onException);
    for (const stream of [process.stdout, process.stderr]) this.restore.push(this.capture(stream));
  }

  // Copies what is written while a case runs alone into its report (a ct.log of the case); the file's output still gets it all.
  private capture(stream: NodeJS.WriteStream): () => void {
    const write = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (this.current) this.current.output.add(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    });
    return () => void (stream.write = write);
  }

  /** The node's crash printer: crash reports go to the running case's log. */
  crash(pid: Pid, error: unknown): void {
    const id = String(pid);
    if (this.current?.owned.has(id)) return;
    // A parallel group's case ran in its own process too: its crash is that case's failure, not a stray line.
    for (const state of this.watched.values()) if (state.owned.has(id)) return;
    const line = `Error in process ${pid}: ${text(error)}`;
    if (this.current === undefined) this.warning(line);
    else this.current.log.push(line);
  }

  // Never the case that happens to be running: the one whose code threw, while it runs or after it ended.
  private unhandled(line: string): void {
    const owner = currentOwner();
    // Module code's work (owner 'load') that throws once the file has loaded is no test's either: a stray error, after the
    // last test or outside any; what it throws while the file loads is collected apart (worker.ts collectLoadErrors).
    if (owner?.kind !== 'case') return this.errors.stray(owner?.kind === 'hook' ? `${line}\n(started by ${owner.label})` : line);
    const state = this.watched.get(owner.id);
    if (state) state.rejections.push(state.returned ? `after the test returned, ${line}` : line);
    else this.errors.late(owner.id, line);
  }

  /** The live processes now, to compare with after a parallel group. */
  snapshot(): Set<string> {
    return new Set(this.node.processes().map(String));
  }

  /** Starts watching case `id`; in a parallel group leaks and output cannot be told apart, so only the group is checked (see reportParallelLeaks). */
  begin(id: string, parallel: boolean): Watch {
    const before = this.snapshot();
    const state: CaseState = { leaks: [], log: [], rejections: [], output: new BoundedOutput(), owned: new Set<string>(), returned: false };
    if (!parallel) this.current = state;
    this.watched.set(id, state);
    return {
      own: (pid) => state.owned.add(String(pid)),
      returned: () => void (state.returned = true),
      end: async () => {
        state.returned = true;
        await settle();
        if (this.current === state) this.current = undefined;
        this.watched.delete(id);
        if (!parallel) state.leaks.push(...this.killLeaks(before));
        return state;
      },
    };
  }

  /** Reports, as a warning, the processes a parallel group's cases left alive, and kills them. */
  reportParallelLeaks(before: Set<string>, g: PlanGroup, warning: (text: string) => void): Promise<void> {
    return settle().then(() => {
      const leaks = this.killLeaks(before);
      if (leaks.length > 0) warning(`${g.path.join(' > ')}: the parallel cases leaked ${leaks.length} process(es): ${leaks.join('; ')}`);
    });
  }

  private killLeaks(before: Set<string>): string[] {
    const leaks: string[] = [];
    for (const pid of this.node.processes()) {
      if (before.has(String(pid))) continue;
      const info = this.node.processInfo(pid);
      if (info === undefined) continue;
      leaks.push(`${pid} (${info.initialCall}, ${info.status}, ${info.messageQueueLen} message(s) waiting)`);
      this.node.exit(pid, 'kill');
    }
    return leaks;
  }

  /** Stops listening to the process-wide events. */
  close(): void {
    process.off('unhandledRejection', this.onRejection);
    process.off('uncaughtException', this.onException);
    this.restore.forEach((r) => r());
  }
}
