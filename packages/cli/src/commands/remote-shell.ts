import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { boundedInput, CLEARING_CONTEXT, clearsSession, failedStatements, quitsShell, remoteNodeDown, replStatements } from '@otp-ts/release';
import { remoteAnswer, type EvalLineOptions, type EvalOptions } from '@otp-ts/runtime/tools';
import { TracerError, type Connection } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import type { Io } from '../cli/io.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';
import { evalBoundOptions, evalOptionsFrom } from './remote-eval.js';

// One statement at a time, in order: each is evaluated inside the node before the next is read. Ctrl-C while
// a line is awaited tells the node to stop it (evalInterrupt) and stops waiting; Ctrl-C at the prompt quits.
async function repl(io: Io, c: Connection, node: string, bounds: EvalOptions): Promise<number> {
  // The session's declarations live on the node for as long as the shell: `const x = 1`, then `x`.
  const session = randomUUID();
  try {
    return await readLines(io, c, node, { ...bounds, session });
  } finally {
    // A node without sessions (an older runtime), or one that went down, has nothing to end.
    await c.rpc('otp', 'evalEnd', [session]).catch(() => undefined);
  }
}

async function readLines(io: Io, c: Connection, node: string, bounds: EvalLineOptions): Promise<number> {
  // Typed boolean, but undefined when stdin is not a terminal.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare
  const tty = process.stdin.isTTY === true;
  // Piped input comes a bounded line at a time: a line past the bound ends the shell, exit 2 (a terminal bounds its own lines).
  let refused: string | undefined;
  const input = tty ? process.stdin : boundedInput(process.stdin, (why) => (refused = why));
  const rl = createInterface({ input, output: tty ? process.stdout : undefined, prompt: `${node}> `, terminal: tty });
  const line: LineWait = { ran: 0, failed: 0 };
  bounds = { ...bounds, sink: lateOutputShown(io, c, tty ? () => line.interrupt === undefined && rl : undefined) };
  // The node stops the session's running line when told (a synchronous loop only once --eval-timeout ends it: docs/shell.md).
  const stopOnNode = (): void => void c.rpc('otp', 'evalInterrupt', [bounds.session], 5000).catch(() => undefined);
  rl.on('SIGINT', () => {
    if (!line.interrupt) return rl.close();
    stopOnNode();
    line.interrupt();
  });
  // A real SIGINT (kill -INT, a Ctrl-C reaching a piped shell) ends the shell, exit 130 as a shell reports the signal:
  // the session ends as at q(), which stops on the node a line being awaited, the node runs on.
  let signalled = false;
  const onSignal = (): void => {
    signalled = true;
    line.interrupt?.();
    rl.close();
    // The rest of the input is not read: an open pipe would keep the shell alive once it ended.
    process.stdin.destroy();
  };
  process.on('SIGINT', onSignal);
  if (tty) {
    io.stdout.write(`otp-ts remote shell on ${node}: JavaScript evaluated inside the node, with the shell's helpers (call, whereis, sys, ctx, … help() lists them, docs/shell.md); q() quits\n`);
    rl.prompt();
  }
  try {
    for await (const statement of replStatements(rl, tty, `${node}> `, (text) => io.stdout.write(text))) {
      const source = statement.trim();
      if (signalled || quitsShell(source)) break;
      const clear = clearsSession(statement);
      if (source !== '' && !clear) line.ran += 1;
      const next = source === '' ? 'next' : clear ? await clearOnNode(io, c, bounds.session) : await evalLine(io, c, source, bounds, line, () => signalled);
      if (next === 'down') {
        rl.close();
        // The rest of the input is not read: an open pipe (a script still writing) would keep the shell alive.
        process.stdin.destroy();
        return 1;
      }
      if (next === 'quit' || signalled) break;
      if (tty) rl.prompt();
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  rl.close();
  // Piped, the rest of the input is not read (q() before its end): an open pipe would keep the shell alive.
  if (!tty) process.stdin.destroy();
  if (signalled) {
    io.stderr.write(`otp: interrupted (SIGINT): the remote shell ends; ${node} runs on\n`);
    return 130;
  }
  if (refused !== undefined) {
    io.stderr.write(`otp: ${refused}\n`);
    return 2;
  }
  // Piped, every statement ran, and the exit code says whether any failed (a terminal's typos do not count).
  if (tty || line.failed === 0) return 0;
  io.stderr.write(`otp: ${failedStatements(line.failed, line.ran, node)}\n`);
  return 1;
}

// `.clear`: the node forgets the session's declarations; the session (and where its late output goes) stays.
async function clearOnNode(io: Io, c: Connection, session: string | undefined): Promise<'next'> {
  const cleared = await c.rpc('otp', 'evalClear', [session]).then(() => undefined, (error: unknown) => error as Error);
  io.stdout.write(cleared === undefined ? `${CLEARING_CONTEXT}\n` : `** .clear: ${cleared.message}\n`);
  return 'next';
}

// What the session prints on the node after a line answered (a timer firing later, a promise settling) shows here too,
// as erl's remote shell shows io:format of what its lines spawned; at a terminal's prompt (`idle`), it is drawn again.
function lateOutputShown(io: Io, c: Connection, idle: (() => false | { prompt(preserveCursor?: boolean): void }) | undefined): unknown {
  return c.outputReceiver((text) => {
    const prompt = idle?.();
    if (prompt) io.stdout.write('\r\x1b[K');
    io.stdout.write(text);
    if (prompt) prompt.prompt(true);
  });
}

/** What Ctrl-C at a line being awaited prints after `** `: the node was told to stop it, and what it cannot stop at once. */
export const INTERRUPTED = 'interrupted: the node was told to stop that line (a synchronous loop with no await stops only when --eval-timeout ends it)';

/** How the line being awaited is given up (Ctrl-C, a SIGINT): set while one is; and how many statements ran and failed. */
interface LineWait {
  interrupt?: () => void;
  ran: number;
  failed: number;
}

// Evaluates one statement on the node and prints its answer or its error: 'quit' when it called q(), 'down' when the
// node went down (said on stderr), else 'next'.
async function evalLine(io: Io, c: Connection, source: string, bounds: EvalLineOptions, line: LineWait, signalled: () => boolean): Promise<'next' | 'quit' | 'down'> {
  const interrupted = new Promise<string>((resolve) => (line.interrupt = () => resolve(INTERRUPTED)));
  try {
    // A declaration or a comment answering undefined prints nothing, as in otp shell; q() inside a statement leaves.
    const answer = remoteAnswer(source, await Promise.race([c.eval(source, bounds), interrupted.then((why) => Promise.reject(new Error(why)))]));
    // What the line printed on the node shows here, before its answer (as io:format in erl's remote shell).
    if (answer.output !== undefined) io.stdout.write(answer.output);
    if (answer.text !== undefined) io.stdout.write(`${answer.text}\n`);
    if (answer.failed) line.failed += 1;
    return answer.quit ? 'quit' : 'next';
  } catch (error) {
    // The node is gone: every further line would fail the same way (or reach a node started again, with none
    // of this session's state). The shell ends, as erl's remote shell does, exit 1.
    if (error instanceof TracerError && error.code === 'nodedown') {
      io.stderr.write(`otp: ${remoteNodeDown(c.node)}\n`);
      return 'down';
    }
    if (!signalled()) io.stdout.write(`** ${(error as Error).message}\n`);
    line.failed += 1;
    return 'next';
  } finally {
    line.interrupt = undefined;
  }
}

/** `otp remote NODE`: a REPL whose lines are evaluated inside the node (otp.eval), each within the eval bounds. */
export const remoteCommand = defineProvider({
  name: 'remote',
  description: "Open a REPL on a running node: each line is JavaScript evaluated inside the node, with otp shell's helpers in scope.",
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [...nodeConnectionOptions, nameOption, snameOption, ...evalBoundOptions],
  examples: [
    { command: 'otp remote shop@127.0.0.1', description: "then the lines otp shell takes, e.g. await call('shop_server', { op: 'count', key: 'visits' }), await sys.getState('shop_server'), help()" },
    { command: "otp remote shop@127.0.0.1 < checks.js", description: 'evaluate the lines of a file (or a pipe) and print each result; exit 1 when any line failed' },
    { command: 'otp remote shop@127.0.0.1 --eval-timeout 5000', description: 'let a line run up to 5 s before its first await (default 1 s)' },
  ],
  async run(args, io) {
    const bounds = evalOptionsFrom(args);
    return withConnection(io, args.node, args, (c) => repl(io, c, args.node, bounds));
  },
});
