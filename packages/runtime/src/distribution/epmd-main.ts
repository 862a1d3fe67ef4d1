// The built-in port mapper as its own OS process (it outlives the node that started it, like epmd):
// node epmd-main.js --port N [--address A,B|all] [--request-timeout MS] [--max-connections N] [--max-nodes N]
//   [--holder-probe MS] [--registration-keepalive MS] [--max-unread-bytes N]
// Each limit may also come from its environment variable (OTP_EPMD_REQUEST_TIMEOUT, …); a flag wins.
import { EpmdServer } from './epmd-server.js';
import { portMapperAddresses, portMapperLimits } from './epmd-address.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

let limits: ReturnType<typeof portMapperLimits>;
try {
  limits = portMapperLimits(process.argv);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const port = Number(flag('--port') ?? 4369);
const addresses = flag('--address')?.split(',') ?? portMapperAddresses(undefined);
const server = new EpmdServer(
  (line) => process.stderr.write(`${line}\n`),
  () => process.exit(0),
  Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
);
server.listen(port, addresses).then(
  () => process.stdout.write(`port mapper listening on ${addresses.join(', ')} port ${port}\n`),
  (error: Error) => {
    process.stderr.write(`port mapper could not listen on ${addresses.join(', ')} port ${port}: ${error.message}\n`);
    process.exit(1);
  },
);
