import { createNode, rpc, BadRpc, portMapperNames, type OtpNode } from '@otp-ts/runtime';
import { defineProvider } from '../cli/provider.js';
import { info, type Io } from '../cli/io.js';
import { OtpError } from '../errors/otp-error.js';
import { resolveCookie } from '../project/cookie.js';

const connectionOptions = [
  { name: 'cookie', type: 'string', value: 'C', description: 'the cookie the nodes share (default: OTP_COOKIE, then ~/.otp-ts.cookie)' },
] as const;

/** A hidden node for one command, with the cookie resolved as SPEC §4 says. */
async function toolNode(io: Io, cookieFlag: string | undefined): Promise<OtpNode> {
  const { cookie } = resolveCookie({ flag: cookieFlag, env: io.env, home: io.home });
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: `otp_cli_${process.pid}@127.0.0.1`, cookie, hidden: true, log: () => {} });
  return node;
}

function checkNodeName(name: string): void {
  if (!/^[\w.-]+@[\w.-]+$/.test(name)) throw new OtpError('usage', `'${name}' is not a node name`, { hint: 'use name@host, e.g. shop@127.0.0.1' });
}

/** `otp ping NODE`: pong when the node answers with the same cookie. */
export const pingCommand = defineProvider({
  name: 'ping',
  description: 'Check that a node is up and shares the cookie (pong), or not (pang).',
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: connectionOptions,
  examples: [{ command: 'otp ping shop@127.0.0.1', description: 'prints pong when the node answers' }],
  async run(args, io) {
    checkNodeName(args.node);
    const node = await toolNode(io, args.cookie);
    try {
      const up = await node.ping(args.node);
      io.stdout.write(`${up ? 'pong' : 'pang'}\n`);
      return up ? 0 : 1;
    } finally {
      node.shutdown();
    }
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
  options: connectionOptions,
  examples: [
    { command: 'otp rpc shop@127.0.0.1 otp processCount', description: 'how many processes the node runs' },
    { command: "otp rpc shop@127.0.0.1 math add '[1, 2]'", description: 'call math.add(1, 2) on the node' },
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
    const node = await toolNode(io, args.cookie);
    try {
      const value = await node.run((ctx) => rpc.call(ctx, args.node, args.module, args.fn, parsed));
      io.stdout.write(`${JSON.stringify(value, null, 2) ?? 'undefined'}\n`);
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error ? error.cause : error;
      if (reason instanceof BadRpc) throw new OtpError('failed', `${reason.message}`, { hint: reason.reason === 'nodedown' || reason.reason === 'noproc' ? `is ${args.node} running, with the same cookie? (otp ping ${args.node})` : undefined });
      throw error;
    } finally {
      node.shutdown();
    }
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
