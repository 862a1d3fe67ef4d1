import { formatTree } from '@otp-ts/tracer';
import { defineProvider } from '../cli/provider.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';

/** `otp tree NODE [APP]`: the supervision trees of a running node. */
export const treeCommand = defineProvider({
  name: 'tree',
  description: "Draw the supervision tree of a running node's applications (or of one), with pids, names and restart counts.",
  deps: [],
  positionals: [
    { name: 'node', description: 'the node, as name@host', required: true },
    { name: 'app', description: 'only this application' },
  ],
  options: [{ name: 'json', type: 'boolean', description: 'print the tree as JSON' }, ...nodeConnectionOptions, nameOption, snameOption],
  examples: [{ command: 'otp tree shop@127.0.0.1 shop', description: "shop's supervisors and workers" }],
  async run(args, io) {
    return withConnection(io, args.node, args, async (c) => {
      const apps = await c.tree(args.app);
      io.stdout.write(args.json ? `${JSON.stringify(apps)}\n` : `${formatTree(apps)}\n`);
      return 0;
    });
  },
});
