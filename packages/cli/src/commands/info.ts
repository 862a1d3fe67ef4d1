import { formatInfo } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';

/** `otp info NODE PID|NAME`: one process in detail, read in bounded prefixes. */
export const infoCommand = defineProvider({
  name: 'info',
  description: 'Show one process of a running node: behaviour, current function, state (through sys and formatStatus), first messages, links, monitors, memory.',
  deps: [],
  positionals: [
    { name: 'node', description: 'the node, as name@host', required: true },
    { name: 'process', description: 'a pid as the node prints it (<0.42.0>) or a registered name', required: true },
  ],
  options: [{ name: 'json', type: 'boolean', description: 'print one JSON object' }, ...nodeConnectionOptions, nameOption, snameOption],
  examples: [
    { command: 'otp info shop@127.0.0.1 shop_server', description: "the registered shop_server's state, mailbox and links" },
    { command: "otp info shop@127.0.0.1 '<0.42.0>'", description: 'a process by pid' },
  ],
  async run(args, io) {
    return withConnection(io, args.node, args, async (c) => {
      const d = await c.info(args.process);
      io.stdout.write(args.json ? `${JSON.stringify(d)}\n` : `${formatInfo(d)}\n`);
      return 0;
    });
  },
});
