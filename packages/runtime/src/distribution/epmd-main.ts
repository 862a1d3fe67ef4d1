// The built-in port mapper as its own OS process (it outlives the node that started it, like epmd):
// node epmd-main.js --port N [--address A,B|all] [--request-timeout MS] [--max-connections N]
import { EpmdServer } from './epmd-server.js';
import { portMapperAddresses } from './epmd-address.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positive(name: string, env: string): number | undefined {
  const text = flag(name) ?? process.env[env];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`port mapper: ${name} ${text} is not a positive whole number; give e.g. ${name} 60000\n`);
    process.exit(2);
  }
  return n;
}

const port = Number(flag('--port') ?? 4369);
const addresses = flag('--address')?.split(',') ?? portMapperAddresses(undefined);
const requestTimeoutMs = positive('--request-timeout', 'OTP_EPMD_REQUEST_TIMEOUT');
const maxConnections = positive('--max-connections', 'OTP_EPMD_MAX_CONNECTIONS');
const server = new EpmdServer(
  (line) => process.stderr.write(`${line}\n`),
  () => process.exit(0),
  { ...(requestTimeoutMs && { requestTimeoutMs }), ...(maxConnections && { maxConnections }) },
);
server.listen(port, addresses).then(
  () => process.stdout.write(`port mapper listening on ${addresses.join(', ')} port ${port}\n`),
  (error: Error) => {
    process.stderr.write(`port mapper could not listen on ${addresses.join(', ')} port ${port}: ${error.message}\n`);
    process.exit(1);
  },
);
