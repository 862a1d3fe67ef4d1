import { formatProcs, type ProcsSort } from '@otp-ts/tracer';
import { PROCS_MAX_ROWS, PROCS_MAX_WINDOW_MS } from '@otp-ts/runtime/tools';
import { wholeFlag } from '../tracer/flags.js';
import { OtpError } from '../errors/otp-error.js';
import { defineProvider } from '../cli/provider.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';

/** A window past what the node measures is refused: it would measure less and the table would name the window asked. */
export function checkWindow(flag: string, ms: number | undefined): void {
  if (ms !== undefined && ms > PROCS_MAX_WINDOW_MS) throw new OtpError('usage', `${flag} ${ms} is longer than the ${PROCS_MAX_WINDOW_MS} ms a node measures growth over`, { hint: `give at most ${PROCS_MAX_WINDOW_MS}` });
}

/** `otp procs NODE`: the top processes by memory, mailbox length or reductions, absolute or over a window. */
export const procsCommand = defineProvider({
  name: 'procs',
  description: 'List the top processes of a running node by memory, mailbox length or reductions (work), absolute or over a window.',
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [
    { name: 'by', alias: 'sort', type: 'string', value: 'WHAT', choices: ['memory', 'mailbox', 'mqueue', 'reductions'], default: 'memory', description: 'what to rank by' },
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 10, integer: true, min: 1, description: `how many processes to show (1 to ${PROCS_MAX_ROWS})` },
    { name: 'window', type: 'number', value: 'MS', integer: true, min: 1, description: `rank by growth over MS milliseconds (recon proc_window; at most ${PROCS_MAX_WINDOW_MS}) instead of absolute figures` },
    { name: 'json', type: 'boolean', description: 'print JSON lines instead of a table' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp procs shop@127.0.0.1', description: 'the 10 processes holding the most memory' },
    { command: 'otp procs shop@127.0.0.1 --by reductions --window 1000 -n 5', description: 'the 5 busiest processes over the next second' },
  ],
  async run(args, io) {
    const by: ProcsSort = args.by === 'mqueue' ? 'mailbox' : args.by;
    const top = wholeFlag('procs', 'top', args.top, 1, PROCS_MAX_ROWS)!;
    checkWindow('--window', args.window);
    return withConnection(io, args.node, args, async (c) => {
      const rows = await c.procs(by, top, args.window);
      io.stdout.write(args.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : `${formatProcs(rows, by, args.window)}\n`);
      return 0;
    });
  },
});
