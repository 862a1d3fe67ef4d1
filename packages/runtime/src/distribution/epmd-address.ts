// Where the built-in port mapper listens, and how its log lines stay one line each.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';

/**
 * The listen backlog of the port mapper and of a node's distribution listener: the most the OS allows (Linux's
 * somaxconn, 4096 on current kernels), not Node's 511. A burst of connects past 511 while the process is busy had
 * the kernel drop the rest (a good client among them waited seconds for a SYN retry, or hung); queued, each is served.
 */
export const LISTEN_BACKLOG = osBacklog();

function osBacklog(): number {
  try {
    const n = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    if (Number.isInteger(n) && n > 511) return Math.min(n, 65535);
  } catch {
    // Not Linux: the kernel caps what it is given at its own limit (macOS and the BSDs: kern.ipc.somaxconn).
  }
  return 65535;
}

/** The loopback hosts: a node named after one of them is reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The addresses the built-in port mapper listens on, as epmd's ERL_EPMD_ADDRESS: `OTP_EPMD_ADDRESS`
 * (or ERL_EPMD_ADDRESS), a comma-separated list where `all` (or 0.0.0.0, ::) means every interface;
 * without it, loopback when the node that starts it has a loopback host, every interface otherwise (as
 * epmd), so nodes on other hosts can look up a node named `name@10.0.0.5`.
 */
export function portMapperAddresses(nodeHost: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  // A variable set but empty counts as unset, as for OTP_EPMD_PORT.
  const given = [env.OTP_EPMD_ADDRESS, env.ERL_EPMD_ADDRESS].find((v) => v !== undefined && v.trim() !== '');
  if (given !== undefined) return given.split(',').map((a) => a.trim()).filter((a) => a !== '');
  return nodeHost === undefined || isLoopbackHost(nodeHost) ? ['127.0.0.1'] : ['all'];
}

/**
 * Whether a port mapper client is on this host, as epmd decides it: it comes from a loopback address
 * (127.x.x.x, ::1, or 127.x.x.x mapped into IPv6), or from the very address it connected to (this host
 * dialling one of its own interfaces). Only such a client may register a node or stop the port mapper.
 */
export function isLocalPeer(remote: string | undefined, local: string | undefined): boolean {
  if (remote === undefined) return false;
  const plain = remote.replace(/^::ffff:/i, '');
  return plain === '::1' || /^127\.\d+\.\d+\.\d+$/.test(plain) || (local !== undefined && plain === local.replace(/^::ffff:/i, ''));
}

/** Whether an address given to the port mapper means every interface. */
export function isAllInterfaces(address: string): boolean {
  return address === 'all' || address === '0.0.0.0' || address === '::';
}

// Listens on host:port; resolves to the port bound.
function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, ipv6Only: false, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/**
 * Listens on each address at one port (the first fixes it when `port` is 0). Every interface is `::`
 * (IPv4 too, dual stack), or 0.0.0.0 where the host has no IPv6; loopback is always included, ::1 when
 * the host has it. Resolves to the servers and the port.
 */
export async function listenAll(addresses: string[], port: number, accept: (socket: Socket) => void): Promise<{ servers: Server[]; port: number }> {
  const servers: Server[] = [];
  const bind = async (host: string, at: number): Promise<number> => {
    const server = createServer(accept);
    const bound = await listenOn(server, at, host);
    servers.push(server);
    return bound;
  };
  try {
    if (addresses.some(isAllInterfaces)) {
      const bound = await bind('::', port).catch(() => bind('0.0.0.0', port));
      return { servers, port: bound };
    }
    const wanted = [...new Set(['127.0.0.1', ...addresses.map((a) => (a === 'localhost' ? '127.0.0.1' : a))])];
    let bound = port;
    for (const host of wanted) bound = await bind(host, bound);
    // As epmd answers on both loopbacks: nodes named name@::1 find each other (absent where the host has no IPv6).
    if (!wanted.includes('::1')) await bind('::1', bound).catch(() => undefined);
    return { servers, port: bound };
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }
}

/** A text from the wire made safe for a log line: anything but printable ASCII becomes an escape, so a name cannot start a forged line. */
export function escapeForLog(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// Each limit of the built-in port mapper: its flag, its environment variable, its field, an example value.
const LIMIT_FLAGS = [
  ['--request-timeout', 'OTP_EPMD_REQUEST_TIMEOUT', 'requestTimeoutMs', 60_000],
  ['--max-connections', 'OTP_EPMD_MAX_CONNECTIONS', 'maxConnections', 256],
  ['--max-nodes', 'OTP_EPMD_MAX_NODES', 'maxNodes', 1024],
  ['--holder-probe', 'OTP_EPMD_HOLDER_PROBE', 'holderProbeMs', 3000],
  ['--registration-keepalive', 'OTP_EPMD_REGISTRATION_KEEPALIVE', 'registrationKeepAliveMs', 60_000],
  ['--max-unread-bytes', 'OTP_EPMD_MAX_UNREAD_BYTES', 'maxUnreadBytes', 4_194_304],
] as const;

/** The limits (EpmdLimits' fields) the built-in port mapper's flags in `argv` set, else its OTP_EPMD_… variables in `env` (empty counts as unset); throws a sentence naming the flag or variable for a value that is no positive whole number. */
export function portMapperLimits(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<(typeof LIMIT_FLAGS)[number][2], number | undefined> {
  const limits: Partial<Record<(typeof LIMIT_FLAGS)[number][2], number>> = {};
  for (const [name, variable, field, example] of LIMIT_FLAGS) {
    const i = argv.indexOf(name);
    const fromFlag = i >= 0 ? (argv[i + 1] ?? '') : undefined;
    const text = fromFlag ?? env[variable];
    if (text === undefined || (fromFlag === undefined && text.trim() === '')) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n) || n <= 0) {
      const [where, fix] = fromFlag === undefined ? [`${variable}=${JSON.stringify(text)}`, `${variable}=${example}`] : [`${name} ${JSON.stringify(text)}`, `${name} ${example}`];
      throw new Error(`port mapper: ${where} is not a positive whole number; give e.g. ${fix}`);
    }
    limits[field] = n;
  }
  return limits as Record<(typeof LIMIT_FLAGS)[number][2], number | undefined>;
}
