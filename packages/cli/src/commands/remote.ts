import { TracerError } from '@otp-ts/tracer';
import { portMapperNames } from '@otp-ts/runtime';
import { defineProvider } from '../cli/provider.js';
import { info } from '../cli/io.js';
import { OtpError } from '../errors/otp-error.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';
import { connectTo, withConnection } from '../tracer/connect.js';

function checkNodeName(name: string): void {
  if (!/^[\w.-]+@[\w.-]+$/.test(name)) throw new OtpError('usage', `'${name}' is not a node name`, { hint: 'use name@host, e.g. shop@127.0.0.1' });
}

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
  options: [...nodeConnectionOptions, nameOption, snameOption],
  examples: [
    { command: 'otp rpc shop@127.0.0.1 otp processCount', description: 'how many processes the node runs' },
    { command: "otp rpc shop@127.0.0.1 math add '[1, 2]'", description: 'call math.add(1, 2) on the node' },
    { command: "otp rpc shop@127.0.0.1 shop/shop_server bump '[\"apples\", 2]'", description: 'a function taking ctx first gets the rpc process: bump(ctx, "apples", 2)' },
  ],
  async run(args, io) {
    checkNodeName(args.node);
    let parsed: unknown[] = [];
    if (args.args !== undefined) {
      try {
        parsed = JSON.parse(args.args) as unknown[];
      } catch (error) {
        throw new OtpError('usage', `the arguments ${args.args} are not JSON`, { hint: `give a JSON array, e.g. '[1, "two"]'`, cause: error });
      }
      if (!Array.isArray(parsed)) throw new OtpError('usage', `the arguments must be a JSON array, got ${args.args}`, { hint: `wrap them: '[${args.args}]'` });
    }
    const value = await withConnection(io, args.node, args, (c) => c.rpc(args.module, args.fn, parsed));
    io.stdout.write(`${JSON.stringify(value, null, 2) ?? 'undefined'}\n`);
  },
});

/** `otp nodes`: the nodes registered with this host's port mapper. */
export const nodesCommand = defineProvider({
  name: 'nodes',
  description: "List the nodes registered with this host's port mapper.",
  deps: [],
  positionals: [],
  options: [],
  examples: [{ command: 'otp nodes', description: 'one line per node: its name and port' }],
  async run(_args, io) {
    const list = await portMapperNames().catch(() => undefined);
    if (list === undefined) {
      info(io, 'no port mapper is running on this host: no nodes');
      return 0;
    }
    for (const n of list) io.stdout.write(`${n.name} at port ${n.port}\n`);
    return 0;
  },
});
