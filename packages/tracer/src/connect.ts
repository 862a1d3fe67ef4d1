import { createNode, isDown, rpc, BadRpc, type DistributionTls, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { evalBounds, evalReplyTimeout, lateOutputReceiver, nodeNameProblem, PortMapperError, quoteForLog, TRACE_RPC_MODULE, type EvalLineOptions } from '@otp-ts/runtime/tools';
import type { ProcessDetails, ProcRow, ProcsSort, TraceEvent, TraceMessage, TraceSpec, TraceStartResult, TreeNode, TraceEndReason } from '@otp-ts/runtime/tools';
import { TracerError } from './errors.js';
import { explainFailure } from './unreachable.js';

/** How to reach a node: its name, the cookie, TLS for a node that runs `--proto tls`, and optionally the name of this tool's hidden node. */
export interface ConnectOptions {
  node: string;
  cookie: string;
  /** Where `cookie` came from (`--cookie`, a cookie file), named by the wrong-cookie refusal. */
  cookieFrom?: string;
  /** This client's node name (default `otp_tracer_<pid>@127.0.0.1`). */
  name?: string;
  /** This client's certificate and key and the cluster's CA (PEM files): needed to reach a node whose distribution runs over TLS. */
  tls?: DistributionTls;
}

/** How a trace session ended, as the client saw it. */
export interface TraceSummary {
  reason: TraceEndReason | 'nodedown';
  /** Events the node counted (calls, messages, process events; returns are not counted). */
  events: number;
  /** Returns and exceptions the node recorded (`--return`), counted apart from `events`. */
  returns: number;
  /** Of the events and returns, those the node's buffer had no room for. */
  dropped: number;
}

/** A running trace: what it matched, its end, and a way to stop it. */
export interface TraceHandle {
  session: string;
  functions: string[];
  processes: number;
  /** Resolves when the node ends the session (limit, rate, time, stop) or the connection drops. */
  done: Promise<TraceSummary>;
  /** Asks the node to end the session now; resolves once it has. */
  stop(): Promise<TraceSummary>;
}

/** A connection to a node for tracing and inspection, through a hidden node of this process. */
export interface Connection {
  readonly node: string;
  /** Starts a trace session; each event is handed to `onEvent` in order. Throws TracerError when the node refuses. */
  trace(spec: TraceSpec, onEvent: (event: TraceEvent) => void): Promise<TraceHandle>;
  /** What a spec would match, without tracing anything. */
  dryRun(spec: TraceSpec): Promise<{ functions: string[]; processes: number }>;
  /** The top processes by memory, mailbox length or reductions (over `windowMs` when given). */
  procs(by?: ProcsSort, n?: number, windowMs?: number): Promise<ProcRow[]>;
  /** One process in detail, by pid (`<0.42.0>`) or registered name. */
  info(target: string): Promise<ProcessDetails>;
  /** The supervision trees of the running applications, or of one. */
  tree(app?: string): Promise<TreeNode[]>;
  /** Node-wide figures: process count, memory, event-loop lag, load. */
  load(): Promise<{ processes: number; heapUsed: number; rss: number; lagMs: number; uptimeS: number; loadavg: number[] }>;
  /** Evaluates JavaScript inside the node (otp.eval) within `options`' bounds (the node's own when left out) and returns the formatted result; a TracerError `nodedown` when the node went down before it answered. */
  eval(source: string, options?: EvalLineOptions): Promise<string>;
  /** Calls any function of the trace agent's rpc module. */
  call(fn: string, args?: unknown[], timeoutMs?: number): Promise<unknown>;
  /** This tool's own (hidden) node name: what the node sees going down when the tool leaves. */
  readonly localNode: string;
  /** Calls a function of any module on the node (rpc.call); a failure is a TracerError `rpc` with the node's reason, `undef` when the node has no such module or function, `nodedown` when the node went down before it answered. */
  rpc(module: string, fn: string, args?: unknown[], timeoutMs?: number): Promise<unknown>;
  /** A process of this tool's node handing `write` what a remote shell's session prints on the node after its lines answered; its pid goes as EvalLineOptions.sink. */
  outputReceiver(write: (text: string) => void): Pid;
  /** Leaves the node: its sessions end on the node when it sees this client go. */
  close(): void;
}

/** The one sentence for a node argument that is not name@host: the name escaped (a newline shows as \\u000a), why, and the shape expected. */
export function notANodeName(node: string, problem: string): string {
  return `${quoteForLog(node)} is not a node name (${problem}): use name@host, e.g. shop@127.0.0.1`;
}

const isTraceMessage = (m: unknown): m is TraceMessage => typeof m === 'object' && m !== null && 'otpTrace' in m;

/**
 * Connects to a node as a hidden node. When it cannot, the TracerError says why: `unknownNode`, `badCookie`,
 * `badTls` (one side speaks TLS and the other not, or a certificate was refused) or `unreachable`.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const problem = nodeNameProblem(options.node);
  if (problem !== undefined) throw new TracerError('badNodeName', notANodeName(options.node, problem));
  const local = createNode({ onCrash: () => {} });
  const name = options.name ?? `otp_tracer_${process.pid}@127.0.0.1`;
  try {
    await local.startDistribution({ name, cookie: options.cookie, hidden: true, log: () => {}, ...(options.tls ? { tls: options.tls } : {}) });
    if (!(await local.ping(options.node))) throw explainFailure(options.node, local.dist?.connectFailure(options.node), options.tls !== undefined, options.cookieFrom);
  } catch (error) {
    local.shutdown();
    if (error instanceof Error && /refused to register .*the name is taken/.test(error.message)) {
      throw new TracerError('badNodeName', `this tool's node name ${name} is taken by a running node on this host: give another with --sname (or --name), or leave it out for a fresh one`, [], { cause: error });
    }
    // The tool node registers with this host's port mapper first: one that does not do its part (hung, another
    // program on its port) leaves the node unreachable, said in the port mapper's own sentence with its fix.
    if (error instanceof PortMapperError) throw new TracerError('unreachable', `cannot reach ${options.node}: ${error.message}`, [], { cause: error });
    throw options.tls && !(error instanceof TracerError) ? tlsSetupError(error) : error;
  }
  return new NodeConnection(local, options.node);
}

// A certificate, key or CA that cannot be read or used stops the tool node's start: one sentence naming it.
function tlsSetupError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!/TLS|PEM|certificate|key|ASN1|x509/i.test(message)) return error;
  const why = message.replace(/^distribution: /, '');
  const check = /check --ssl-/.test(why) ? '' : ' (--ssl-cert and --ssl-key must be a PEM certificate and its key, --ssl-ca a PEM certificate)';
  return new TracerError('badTls', `cannot use the TLS files: ${why}${check}`, [], { cause: error });
}

class NodeConnection implements Connection {
  constructor(
    private readonly local: OtpNode,
    readonly node: string,
  ) {}

  get localNode(): string {
    return this.local.name;
  }

  call(fn: string, args: unknown[] = [], timeoutMs = 30_000): Promise<unknown> {
    // The trace agent's own functions missing is the node's failure (another version), not the user's input.
    return this.rpc(TRACE_RPC_MODULE, fn, args, timeoutMs).catch((error: unknown) => {
      throw error instanceof TracerError && error.code === 'undef' ? new TracerError('rpc', error.message, [], { cause: error.cause }) : error;
    });
  }

  async rpc(module: string, fn: string, args: unknown[] = [], timeoutMs = 30_000): Promise<unknown> {
    try {
      return await this.local.run((ctx) => rpc.call(ctx, this.node, module, fn, args, timeoutMs));
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error && error.cause instanceof BadRpc ? error.cause : error;
      if (reason instanceof BadRpc && reason.reason === 'nodedown') throw new TracerError('nodedown', `${this.node} went down before it answered: its log or crash dump says why`, [], { cause: error });
      if (reason instanceof BadRpc && reason.reason === 'timeout') throw new TracerError('rpc', `${module}.${fn} on ${this.node} gave no answer within ${timeoutMs} ms; the process running it there was stopped (erpc.call abandons such a call instead)`, [], { cause: error });
      const code = reason instanceof BadRpc && reason.undef ? 'undef' : reason instanceof BadRpc && reason.badCode ? 'badCode' : 'rpc';
      throw new TracerError(code, reason instanceof Error ? reason.message : String(reason), [], { cause: error });
    }
  }

  async dryRun(spec: TraceSpec): Promise<{ functions: string[]; processes: number }> {
    const r = checked((await this.call('dryRun', [spec])) as TraceStartResult);
    return { functions: r.functions, processes: r.processes };
  }

  trace(spec: TraceSpec, onEvent: (event: TraceEvent) => void): Promise<TraceHandle> {
    return new Promise<TraceHandle>((resolveStart, rejectStart) => {
      let finish!: (s: TraceSummary) => void;
      const done = new Promise<TraceSummary>((r) => (finish = r));
      this.local.spawn(async (ctx) => {
        let started: Extract<TraceStartResult, { ok: true }>;
        try {
          started = checked((await rpc.call(ctx, this.node, TRACE_RPC_MODULE, 'start', [{ ...spec, client: ctx.self() }])) as TraceStartResult);
        } catch (error) {
          rejectStart(error instanceof TracerError ? error : new TracerError('rpc', error instanceof Error ? error.message : String(error), [], { cause: error }));
          return;
        }
        resolveStart({ session: started.session, functions: started.functions, processes: started.processes, done, stop: () => this.stopSession(started.session, done) });
        finish(await follow(ctx, started.pid!, onEvent));
      });
    });
  }

  private async stopSession(session: string, done: Promise<TraceSummary>): Promise<TraceSummary> {
    await this.call('stop', [session]).catch(() => undefined);
    return done;
  }

  async procs(by?: ProcsSort, n?: number, windowMs?: number): Promise<ProcRow[]> {
    return (await this.call('procs', [by, n, windowMs], 30_000 + (windowMs ?? 0))) as ProcRow[];
  }

  async info(target: string): Promise<ProcessDetails> {
    const r = (await this.call('info', [target])) as { ok: true; details: ProcessDetails } | { ok: false; error: string };
    if (!r.ok) throw new TracerError('badProcess', r.error);
    return r.details;
  }

  async tree(app?: string): Promise<TreeNode[]> {
    const r = (await this.call('tree', [app])) as { ok: true; apps: TreeNode[] } | { ok: false; error: string };
    if (!r.ok) throw new TracerError('badSpec', r.error);
    return r.apps;
  }

  async load(): Promise<{ processes: number; heapUsed: number; rss: number; lagMs: number; uptimeS: number; loadavg: number[] }> {
    return (await this.call('load')) as Awaited<ReturnType<Connection['load']>>;
  }

  async eval(source: string, options?: EvalLineOptions): Promise<string> {
    // The node stops the evaluation first, with its own message; this wait only covers a lost answer.
    const replyMs = evalReplyTimeout(evalBounds(options));
    try {
      return (await this.local.run((ctx) => rpc.call(ctx, this.node, 'otp', 'eval', options ? [source, options] : [source], replyMs))) as string;
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error && error.cause instanceof BadRpc ? error.cause : error;
      if (reason instanceof BadRpc && reason.reason === 'nodedown') throw new TracerError('nodedown', `${this.node} went down before it answered: its log or crash dump says why`, [], { cause: error });
      throw new TracerError('rpc', reason instanceof BadRpc ? String(reason.reason) : String(reason), [], { cause: error });
    }
  }

  outputReceiver(write: (text: string) => void): Pid {
    return lateOutputReceiver(this.local, write);
  }

  close(): void {
    this.local.shutdown();
  }
}

function checked(r: TraceStartResult): Extract<TraceStartResult, { ok: true }> {
  if (!r.ok) throw new TracerError(r.code, r.error, r.suggestions);
  return r;
}

// The client's process: hands each batch's events over, acknowledges it, and returns the session's end.
async function follow(ctx: ProcessContext, session: Pid, onEvent: (event: TraceEvent) => void): Promise<TraceSummary> {
  const ref = ctx.monitor(session);
  let seen = { events: 0, returns: 0, dropped: 0 };
  for (;;) {
    const m = await ctx.receive((x) => isTraceMessage(x) || isDown(x, ref));
    if (isDown(m, ref)) return { reason: m.reason === 'noconnection' ? 'nodedown' : 'crashed', ...seen };
    if (m.otpTrace === 'done') {
      ctx.demonitor(ref, { flush: true });
      // A node of an earlier version counts no returns.
      return { reason: m.reason, events: m.events, returns: m.returns ?? 0, dropped: m.dropped };
    }
    ctx.send(session, { otpTrace: 'ack' });
    const returns = m.events.filter((e) => e.kind === 'return' || e.kind === 'exception').length;
    // A notice that a load left a function untraced (or traced again) is no event the limits count.
    const notices = m.events.filter((e) => e.kind === 'untraced' || e.kind === 'retraced').length;
    seen = { events: seen.events + m.events.length - returns - notices, returns: seen.returns + returns, dropped: m.dropped };
    for (const e of m.events) onEvent(e);
  }
}
