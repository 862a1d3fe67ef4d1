// The built-in port mapper as its own OS process (it outlives the node that started it, like epmd):
// node epmd-main.js --port N [--address A,B|all] [--request-timeout MS] [--max-connections N] [--max-nodes N]
//   [--holder-probe MS] [--registration-keepalive MS] [--max-unread-bytes N]
// Each limit may also come from its environment variable (OTP_EPMD_REQUEST_TIMEOUT, …); a flag wins.
import { EpmdServer } from './epmd-server.js';
import { portMapperAddresses, portMapperLimits } from './epmd-address.js';
import { epmdPort } from './epmd-client.js';

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

let limits: ReturnType<typeof portMapperLimits>;
let port: number;
try {
  limits = portMapperLimits(process.argv);
  port = portOf(flag('--port'));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const addresses = flag('--address')?.split(',') ?? portMapperAddresses(undefined);
const server = new EpmdServer(
  (line) => process.stderr.write(`${line}\n`),
  () => process.exit(0),
  Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
);
server.listen(port, addresses).then(
  (bound) => process.stdout.write(`port mapper listening on ${addresses.join(', ')} port ${bound}\n`),
  (error: Error) => {
    process.stderr.write(`port mapper could not listen on ${addresses.join(', ')} port ${port}: ${error.message}\n`);
    process.exit(1);
  },
);
