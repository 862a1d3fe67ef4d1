import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { quitsShell, replStatements } from '@otp-ts/release';
import { remoteAnswer, type EvalLineOptions, type EvalOptions } from '@otp-ts/runtime/tools';
import { TracerError, type Connection } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import type { Io } from '../cli/io.js';
import { withConnection } from '../tracer/connect.js';
import { boundedInput } from '../shell/bounded-input.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';
import { evalBoundOptions, evalOptionsFrom } from './remote-eval.js';

// One statement at a time, in order: each is evaluated inside the node before the next is read. Ctrl-C while
// a line is awaited stops waiting for it (the node bounds the line itself); Ctrl-C at the prompt quits.
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
  let interrupt: (() => void) | undefined;
  rl.on('SIGINT', () => (interrupt ? interrupt() : rl.close()));
  if (tty) {
    io.stdout.write(`otp-ts remote shell on ${node}: JavaScript evaluated inside the node, with the shell's helpers (call, whereis, sys, ctx, … help() lists them, docs/shell.md); q() quits\n`);
    rl.prompt();
  }
  for await (const statement of replStatements(rl, tty, `${node}> `)) {
    const source = statement.trim();
    if (quitsShell(source)) break;
    if (source !== '') {
      const interrupted = new Promise<string>((resolve) => (interrupt = () => resolve('interrupted: no longer waiting for that line (the node stops it within its bounds)')));
      let quit = false;
      try {
        // A declaration or a comment answering undefined prints nothing, as in otp shell; q() inside a statement leaves.
        const answer = remoteAnswer(source, await Promise.race([c.eval(source, bounds), interrupted.then((why) => Promise.reject(new Error(why)))]));
        if (answer.text !== undefined) io.stdout.write(`${answer.text}\n`);
        quit = answer.quit;
      } catch (error) {
        // The node is gone: every further line would fail the same way (or reach a node started again, with none
        // of this session's state). The shell ends, as erl's remote shell does, exit 1.
        if (error instanceof TracerError && error.code === 'nodedown') {
          rl.close();
          io.stderr.write(`otp: ${error.message}; the remote shell ends\n`);
          return 1;
        }
        io.stdout.write(`** ${(error as Error).message}\n`);
      } finally {
        interrupt = undefined;
      }
      if (quit) break;
    }
    if (tty) rl.prompt();
  }
  rl.close();
  if (refused === undefined) return 0;
  io.stderr.write(`otp: ${refused}\n`);
  return 2;
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
    { command: "otp remote shop@127.0.0.1 < checks.js", description: 'evaluate the lines of a file (or a pipe) and print each result' },
    { command: 'otp remote shop@127.0.0.1 --eval-timeout 5000', description: 'let a line run up to 5 s before its first await (default 1 s)' },
  ],
  async run(args, io) {
    const bounds = evalOptionsFrom(args);
    return withConnection(io, args.node, args, (c) => repl(io, c, args.node, bounds));
  },
});
