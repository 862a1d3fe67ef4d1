import { TracerError } from '@otp-ts/tracer';
import { epmdPort, evalBounds, evalReplyTimeout, portMapperNames, printedAnswer, rpcResultJson, thrownAfterPrinting } from '@otp-ts/runtime/tools';
import { defineProvider } from '../cli/provider.js';
import { info, type Io } from '../cli/io.js';
import { OtpError } from '../errors/otp-error.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';
import { checkNodeName, connectTo, withConnection } from '../tracer/connect.js';
import { evalBoundOptions, evalOptionsFrom } from './remote-eval.js';

/** `otp ping NODE`: pong when the node answers with the same cookie. */
export const pingCommand = defineProvider({
  name: 'ping',
  description: 'Check that a node is up and shares the cookie (pong), or not (pang, and why on stderr).',
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [...nodeConnectionOptions, nameOption, snameOption],
  examples: [
    { command: 'otp ping shop@127.0.0.1', description: 'prints pong when the node answers' },
    { command: 'otp ping shop@10.0.0.5 --proto tls --ssl-cert tool.pem --ssl-key tool.key --ssl-ca ca.pem', description: 'a node whose distribution runs over TLS' },
  ],
  async run(args, io) {
    checkNodeName(args.node);
    try {
      (await connectTo(io, args.node, args)).close();
    } catch (error) {
      if (!(error instanceof TracerError)) throw error;
      // pang is the answer; why the node could not be reached goes to stderr.
      io.stdout.write('pang\n');
      io.stderr.write(`otp: ${error.message}\n`);
      return 1;
    }
    io.stdout.write('pong\n');
    return 0;
  },
});

/** `otp rpc NODE MODULE FN [JSON-ARGS]`: runs a function on a node and prints its result as JSON. */
export const rpcCommand = defineProvider({
  name: 'rpc',
  description: "Run a module's function on a running node and print the result as JSON.",
  deps: [],
  positionals: [
    { name: 'node', description: 'the node, as name@host', required: true },
    { name: 'module', description: 'a module loaded on the node (e.g. shop/cart_server) or a registered rpc module (otp)', required: true },
    { name: 'fn', description: 'the exported function', required: true },
    { name: 'args', description: 'the arguments, as a JSON array', required: false },
  ],
  options: [...nodeConnectionOptions, nameOption, snameOption, ...evalBoundOptions, { name: 'timeout', type: 'string', value: 'MS', description: 'how long to wait for the answer, in ms, after which the call is killed on the node (default 30000; otp eval waits as --eval-await-timeout says)' }],
  examples: [
    { command: 'otp rpc shop@127.0.0.1 otp processCount', description: 'how many processes the node runs' },
    { command: 'otp rpc shop@127.0.0.1 shop/shop_server keys --timeout 120000', description: 'wait up to two minutes for the answer' },
    { command: "otp rpc shop@127.0.0.1 otp eval '[\"processes().length\"]' --eval-timeout 3000", description: 'evaluate JavaScript on the node, bounded as in otp remote' },
    { command: "otp rpc shop@127.0.0.1 shop/shop_server count '[\"apples\"]'", description: 'call count(ctx, "apples") on the node' },
    { command: "otp rpc shop@127.0.0.1 shop/shop_server bump '[\"apples\", 2]'", description: 'a function taking ctx first gets the rpc process: bump(ctx, "apples", 2)' },
  ],
  async run(args, io) {
    checkNodeName(args.node);
    let parsed: unknown[] = [];
    if (args.args !== undefined) {
      try {
        parsed = JSON.parse(args.args) as unknown[];
      } catch (error) {
        // One line: the argument, why JSON refused it, and the fix (a hint would print on a line of its own).
        throw new OtpError('usage', `the arguments ${shown(args.args)} are not JSON (${shown((error as Error).message)}): give a JSON array, e.g. '[1, "two"]'`, { cause: error });
      }
      if (!Array.isArray(parsed)) throw new OtpError('usage', `the arguments must be a JSON array, got ${shown(args.args)}: wrap them, e.g. '[${shown(args.args)}]'`);
    }
    // otp eval is bounded on the node; the flags (or their variables) set the bounds, unless the arguments already do.
    const isEval = args.module === 'otp' && args.fn === 'eval' && parsed.length === 1;
    const bounds = isEval ? evalOptionsFrom(args) : undefined;
    const timeoutMs = rpcTimeout(args.timeout);
    // What evaluated code prints (console.log, process.stdout.write) comes back with its answer and shows here, before
    // it, as at bin/<name> eval, not on the node's stdout (as io:format in an rpc:call prints at the caller in OTP).
    const value = await withConnection(io, args.node, args, (c) =>
      (bounds ? c.rpc('otp', 'eval', [parsed[0], { ...bounds, output: true }], evalReplyTimeout(evalBounds(bounds, {}))) : c.rpc(args.module, args.fn, parsed, timeoutMs)).catch((error: unknown) => {
        throw error instanceof TracerError && /gave no answer within/.test(error.message) ? new OtpError('failed', error.message, { hint: 'wait longer with --timeout MS', cause: error }) : error;
      }),
    );
    if (bounds) printEvalAnswer(io, value);
    else io.stdout.write(`${rpcResultJson(value)}\n`);
  },
});

// An evaluation's answer: what the code printed first, then the answer's text as JSON; code that printed and then threw
// fails (exit 1) with its error, its output shown.
function printEvalAnswer(io: Io, value: unknown): void {
  const { output, text } = printedAnswer(value);
  if (output !== undefined) io.stdout.write(output);
  const thrown = thrownAfterPrinting(text);
  if (thrown !== undefined) throw new OtpError('failed', thrown);
  io.stdout.write(`${rpcResultJson(text)}\n`);
}

// A command-line argument as an error line shows it: on one line, and no longer than a line.
function shown(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

// --timeout MS of otp rpc: a whole number of milliseconds above 0, else a usage error naming the value.
function rpcTimeout(text: string | undefined): number {
  if (text === undefined) return 30_000;
  const ms = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(ms) || ms <= 0) throw new OtpError('usage', `--timeout ${text} is not a time to wait`, { hint: 'give a whole number of milliseconds above 0, e.g. --timeout 60000' });
  return ms;
}

/** One refused handshake as a node reports it (`otp.refusals` over rpc). */
interface RefusalLine {
  at: string;
  by: string;
  direction: string;
  peer?: string;
  address: string;
  reason: string;
}

/** `otp nodes --refused NODE`: the handshakes NODE refused (or that were refused to it), newest last. */
async function printRefusals(io: Io, node: string, args: Parameters<typeof connectTo>[2] & { json?: boolean }): Promise<number> {
  checkNodeName(node);
  const report = (await withConnection(io, node, args, (c) => c.rpc('otp', 'refusals'))) as { count: number; recent: RefusalLine[] } | undefined;
  if (!report) throw new OtpError('failed', `${node} did not report its refusals`, { hint: 'is its distribution started?' });
  if (args.json) {
    io.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  io.stdout.write(`${node}: ${report.count} refused handshake${report.count === 1 ? '' : 's'} since it started${report.recent.length > 0 ? `; the last ${report.recent.length}:` : ''}\n`);
  for (const r of report.recent) {
    const whom = r.peer ? `${r.peer} (${r.address})` : r.address;
    const line = r.by === 'peer' ? `${whom} refused ${node} (${r.direction})` : `${node} refused ${whom} (${r.direction})`;
    io.stdout.write(`${r.at}  ${line}: ${r.reason}\n`);
  }
  return 0;
}

/** `otp nodes`: the nodes registered with this host's port mapper; with --refused, the handshakes a node refused. */
export const nodesCommand = defineProvider({
  name: 'nodes',
  description: "List the nodes registered with this host's port mapper, or (--refused NODE) the handshakes a node refused.",
  deps: [],
  positionals: [{ name: 'node', description: 'with --refused: the node to ask, as name@host', required: false }],
  options: [
    { name: 'refused', type: 'boolean', description: 'show the handshakes the node refused or had refused, who, from where and why, and how many since it started' },
    { name: 'json', type: 'boolean', description: 'with --refused: print one JSON object' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp nodes', description: 'one line per node: its name and port' },
    { command: 'otp nodes --refused shop@127.0.0.1', description: 'the recent refused handshakes of shop, e.g. a wrong cookie, with the address it came from' },
  ],
  async run(args, io) {
    if (args.refused) {
      if (args.node === undefined) throw new OtpError('usage', 'otp nodes --refused needs the node to ask', { hint: 'e.g. otp nodes --refused shop@127.0.0.1' });
      return printRefusals(io, args.node, args);
    }
    const list = await portMapperNames(undefined, epmdPort()).catch(() => undefined);
    if (list === undefined || list.length === 0) {
      const why = list === undefined ? 'no port mapper is running on this host, so no nodes are registered' : "no nodes are registered with this host's port mapper";
      info(io, `${why}: start one with otp shell --name N in a project, or a release's bin/<name> daemon`);
      return 0;
    }
    for (const n of list) io.stdout.write(`${n.name} at port ${n.port}\n`);
    return 0;
  },
});
