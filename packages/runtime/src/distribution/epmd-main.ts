// The built-in port mapper as its own OS process (it outlives the node that started it, like epmd):
// node epmd-main.js --port N [--address A,B|all] [--request-timeout MS] [--max-connections N] [--max-nodes N]
//   [--holder-probe MS] [--registration-keepalive MS] [--max-unread-bytes N] [--log FILE]
// Each limit may also come from its environment variable (OTP_EPMD_REQUEST_TIMEOUT, …); a flag wins.
import { EpmdServer } from './epmd-server.js';
import { portMapperAddresses, portMapperLimits } from './epmd-address.js';
import { epmdPort } from './epmd-client.js';
import { openPortMapperLog } from './epmd-log.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// The port: --port (0 picks a free one), else OTP_EPMD_PORT, ERL_EPMD_PORT or 4369, as nodes look for it.
function portOf(text: string | undefined): number {
  if (text === undefined) return epmdPort();
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`port mapper: --port ${JSON.stringify(text)} is not a port; give a whole number from 1 to 65535, e.g. --port 4369`);
  return n;
}

// Its lines: to --log FILE (a node that starts it detached gives one: nobody reads its stderr), else to stderr.
let say = (line: string): void => void process.stderr.write(`${line}\n`);
let limits: ReturnType<typeof portMapperLimits>;
let port: number;
try {
  const file = flag('--log');
  if (file !== undefined) {
    say = openPortMapperLog(file);
    // A crash is said where its other lines are, not lost with a stderr nobody reads.
    process.on('uncaughtException', (error) => {
      say(`port mapper: stopped by an error it did not expect: ${error.stack ?? String(error)}`.replace(/\n/g, ' | '));
      process.exit(70);
    });
  }
  limits = portMapperLimits(process.argv);
  port = portOf(flag('--port'));
} catch (error) {
  say((error as Error).message);
  process.exit(2);
}
const addresses = flag('--address')?.split(',') ?? portMapperAddresses(undefined);
const server = new EpmdServer(
  say,
  () => process.exit(0),
  Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
);
server.listen(port, addresses).then(
  (bound) => {
    const line = `port mapper listening on ${addresses.join(', ')} port ${bound}`;
    if (flag('--log') === undefined) process.stdout.write(`${line}\n`);
    else say(line);
  },
  (error: Error) => {
    say(`port mapper could not listen on ${addresses.join(', ')} port ${port}: ${error.message}`);
    process.exit(1);
  },
);
