import { formatSummary, formatTraceEvent, type TraceSpec } from '@otp-ts/tracer';
import { MAX_TRACE_TIME_MS, traceListsRefusal } from '@otp-ts/runtime/tools';
import { defineProvider } from '../cli/provider.js';
import { usageError } from '../cli/validate-args.js';
import type { Io } from '../cli/io.js';
import { withConnection } from '../tracer/connect.js';
import { wholeFlag } from '../tracer/flags.js';
import { OtpError } from '../errors/otp-error.js';
import { nodeConnectionOptions, snameOption } from '../project/node-connection.js';

function rateOf(text: string | undefined, timeMs: number): TraceSpec['rate'] {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  // Each a whole number a node counts exactly: 99999999999999999999 would be taken as 1e20, no rate at all.
  const whole = (n: string): boolean => Number.isSafeInteger(Number(n)) && Number(n) > 0;
  if (!m || !whole(m[1]!) || !whole(m[2]!)) throw usageError(`--rate must be N/MS (events per milliseconds, each a whole number from 1 to ${Number.MAX_SAFE_INTEGER}), e.g. 100/1000, got '${text}'`, 'trace');
  // A window longer than the trace never restarts: N/1e15 is a plain limit of N + 1 events, not the rate the user believes.
  if (Number(m[2]) > timeMs) throw usageError(`--rate's window of ${m[2]} ms is longer than the trace runs (--time ${timeMs} ms): give a window up to ${timeMs} ms, a longer --time, or --limit for a count over the whole trace`, 'trace');
  return { count: Number(m[1]), ms: Number(m[2]) };
}

// The node's own default for a session's time: the bound a --rate window is checked against when --time is not given.
const TRACE_DEFAULT_TIME_MS = 15_000;

// How long Ctrl-C waits for the node to confirm the end of the session before the client leaves anyway.
const STOP_WAIT_MS = 5000;

interface Interrupt {
  /** Resolves when Ctrl-C was pressed and the node did not confirm the stop within STOP_WAIT_MS. */
  gaveUp: Promise<void>;
  release(): void;
}

// The signals that end a trace as Ctrl-C does: a supervisor's or a CI job's SIGTERM, a closed terminal's SIGHUP.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// Ctrl-C (or SIGTERM, SIGHUP) asks the node to end the session and prints its summary, so nothing stays behind
// even when the user interrupts. A node that does not answer (hung, or the network gone) is not waited for: it
// ends the session when it sees this client go. The same signal again leaves at once (its default action).
function onInterrupt(io: Io, node: string, stop: () => Promise<unknown>): Interrupt {
  let timer: NodeJS.Timeout | undefined;
  let giveUp!: () => void;
  const gaveUp = new Promise<void>((r) => (giveUp = r));
  const handler = (signal: NodeJS.Signals) => {
    for (const s of STOP_SIGNALS) if (s !== signal) process.removeListener(s, handler);
    if (io.verbosity !== 'quiet') io.stderr.write(`stopping the trace on ${node} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again leaves at once)\n`);
    timer = setTimeout(giveUp, STOP_WAIT_MS);
    void stop();
  };
  for (const s of STOP_SIGNALS) process.once(s, handler);
  return {
    gaveUp,
    release: () => {
      for (const s of STOP_SIGNALS) process.removeListener(s, handler);
      clearTimeout(timer);
    },
  };
}

function describeStart(io: Io, node: string, functions: string[], spec: TraceSpec): void {
  const what = [functions.length > 0 ? `${functions.length} function${functions.length === 1 ? '' : 's'}` : '', spec.messages ? 'messages' : '', spec.procs ? 'process events' : ''].filter(Boolean).join(', ');
  // Both limits apply when both are given: the node ends the session at whichever comes first.
  const limits = [spec.limit !== undefined || !spec.rate ? `limit ${spec.limit ?? 10}` : '', spec.rate ? `rate ${spec.rate.count}/${spec.rate.ms} ms` : '', `time ${spec.timeMs ?? 15_000} ms`].filter(Boolean).join(', ');
  if (io.verbosity !== 'quiet') io.stderr.write(`tracing ${what} on ${node} (${limits}); Ctrl-C stops\n`);
}

/** `otp trace NODE PATTERN..`: call, message and process-event tracing with limits enforced on the node. */
export const traceCommand = defineProvider({
  name: 'trace',
  description: 'Trace calls, messages and process events on a running node; the node enforces the limits and removes the trace by itself.',
  deps: [],
  positionals: [
    { name: 'node', description: 'the node, as name@host', required: true },
    { name: 'patterns', description: "call patterns: module.fn, module.fn/2, module.obj.fn, wildcards (shop/cart.get*), argument matchers ('cart.add(_, {qty: q}) when q > 5'); see docs/tracing.md", variadic: true },
  ],
  options: [
    { name: 'return', alias: 'r', type: 'boolean', description: 'also show return values and exceptions (async functions when they settle)' },
    { name: 'pid', type: 'array', value: 'P', description: 'only these processes: pids as the node prints them (<0.42.0>), or all, new, existing' },
    { name: 'name', type: 'array', value: 'N', description: 'only the processes registered under these names' },
    { name: 'messages', alias: 'm', type: 'boolean', description: 'trace messages sent and received by the chosen processes (all when none is chosen)' },
    { name: 'procs', type: 'boolean', description: 'trace process events of the chosen processes: spawn, exit, link, unlink, register' },
    { name: 'limit', type: 'number', value: 'N', description: 'stop after N events (default 10 unless --rate is given; with both, the first reached ends the trace)' },
    { name: 'rate', type: 'string', value: 'N/MS', description: 'stop when more than N events happen within MS milliseconds (MS at most the trace\'s --time)' },
    { name: 'time', type: 'number', value: 'MS', description: 'stop after MS milliseconds (default 15000, at most 86400000: one day)' },
    { name: 'dry-run', type: 'boolean', description: 'only report how many functions and processes the patterns match' },
    { name: 'force', type: 'boolean', description: 'allow a pattern that names every function of every module' },
    { name: 'json', type: 'boolean', description: 'print JSON lines instead of text' },
    ...nodeConnectionOptions,
    snameOption,
  ],
  examples: [
    { command: 'otp trace shop@127.0.0.1 shop/shop_server.bump --return', description: 'the next 10 calls of bump and their results' },
    { command: "otp trace shop@127.0.0.1 'shop/shop_server.bump(_, key, by) when by > 5' --limit 3", description: 'only calls whose third argument is above 5' },
    { command: 'otp trace shop@127.0.0.1 --messages --name shop_server --rate 50/1000 --json', description: "shop_server's messages as JSON lines, stopping above 50 a second" },
    { command: "otp trace shop@127.0.0.1 'shop/*.server.handle*' --dry-run", description: 'how many functions the pattern would trace (the callbacks of the exported server objects)' },
  ],
  async run(args, io) {
    const spec: TraceSpec = {
      patterns: args.patterns ?? [],
      returns: args.return,
      messages: args.messages,
      procs: args.procs,
      pids: args.pid,
      names: args.name,
      limit: wholeFlag('trace', 'limit', args.limit, 1),
      timeMs: wholeFlag('trace', 'time', args.time, 1, MAX_TRACE_TIME_MS),
      force: args.force,
    };
    spec.rate = rateOf(args.rate, spec.timeMs ?? TRACE_DEFAULT_TIME_MS);
    if (spec.patterns!.length === 0 && !spec.messages && !spec.procs) throw usageError('name what to trace: a call pattern (module.fn), --messages or --procs', 'trace');
    // The node refuses these too; said here, before any node is reached, they are a usage error as the other flags' ranges.
    const lists = traceListsRefusal(spec);
    if (lists !== undefined) throw usageError(lists, 'trace');
    return withConnection(io, args.node, args, async (c) => {
      if (args['dry-run']) {
        const r = await c.dryRun(spec);
        if (args.json) io.stdout.write(`${JSON.stringify(r)}\n`);
        else io.stdout.write(`${r.functions.length} function${r.functions.length === 1 ? '' : 's'} and ${r.processes} process${r.processes === 1 ? '' : 'es'} match${r.functions.length > 0 ? `:\n${r.functions.map((f) => `  ${f}`).join('\n')}` : ''}\n`);
        return 0;
      }
      const format = { json: args.json };
      const handle = await c.trace(spec, (e) => io.stdout.write(`${formatTraceEvent(e, format)}\n`));
      describeStart(io, args.node, handle.functions, spec);
      const interrupt = onInterrupt(io, args.node, handle.stop);
      try {
        const summary = await Promise.race([handle.done, interrupt.gaveUp.then(() => undefined)]);
        if (summary === undefined) throw new OtpError('failed', `${args.node} did not confirm the end of the trace within ${STOP_WAIT_MS / 1000} s (is it hung?): leaving; the node ends the session when it sees this client go`);
        (args.json ? io.stdout : io.stderr).write(`${formatSummary(summary, format)}\n`);
        return summary.reason === 'nodedown' || summary.reason === 'crashed' ? 1 : 0;
      } finally {
        interrupt.release();
      }
    });
  },
});
