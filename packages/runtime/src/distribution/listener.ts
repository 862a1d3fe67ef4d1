// A node's listener: the server other nodes dial, and its entry in the port mapper (the built-in port
// mapper started first when none runs on this host).
import { clearTimeout, setTimeout } from 'node:timers';
import { connect, type Server, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admission } from './admission.js';
import { EnvironmentError, register, type Registration } from './epmd-client.js';
import { LISTEN_BACKLOG, portMapperAddresses, portMapperLimits } from './epmd-address.js';
import { splitNodeName } from './handshake.js';
import { encodeListenExtra } from './epmd-protocol.js';
import { createListener, type TlsMaterial } from './transport.js';
import { keepServing, watchDescriptors } from './descriptors.js';
import { openPortMapperLog, portMapperLogFile } from './epmd-log.js';

/** What listening takes: the node's name and kind, its port mapper, the handshake's gate and who takes accepted sockets. */
export interface ListenOptions {
  name: string;
  hidden: boolean;
  epmd: number;
  log: (line: string) => void;
  handshakeTimeoutMs: number;
  admission: Admission;
  tls: TlsMaterial | undefined;
  accept: (socket: Socket, first: Buffer | undefined, authenticated: () => void, progressed: () => void) => void;
}

/** Listens on the node's host and registers with the port mapper (starting the built-in one if none runs). */
export async function listen(o: ListenOptions): Promise<{ server: Server; registration: Registration }> {
  const { name, host } = splitNodeName(o.name);
  const gate = {
    handshakeTimeoutMs: o.handshakeTimeoutMs,
    admit: (socket: Socket) => o.admission.admitSocket(socket),
    release: (socket: Socket) => o.admission.releaseSocket(socket),
    progressed: (socket: Socket) => o.admission.progressed(socket),
    refused: (address: string, reason: string) => o.admission.refused({ at: new Date().toISOString(), by: 'this node', direction: 'incoming', peer: undefined, address, reason }),
    line: (text: string, from: string) => o.admission.handshakeLine(text, o.log, from),
  };
  const server = createListener(o.tls, o.accept, gate);
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(listenError(o.name, name, host, error));
    server.once('error', failed);
    server.listen({ port: 0, host: host === 'localhost' ? '127.0.0.1' : host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port, address } = server.address() as { port: number; address: string };
  // An accept that fails later must not end the node (the listen's handler, left on, took one error and the next threw).
  keepServing([server], `distribution: node ${o.name}`, o.log);
  // Out of file descriptors, the listener's connections are closed unseen: one sentence says so.
  server.once('close', watchDescriptors(`distribution: node ${o.name}`, o.log));
  // The address it listens on goes in ALIVE2's extra: it registers over 127.0.0.1, and the port mapper's liveness check
  // must find it on e.g. 127.0.0.2 (docs/protocol.md).
  const entry = { name, port, nodeType: o.hidden ? 72 : 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: encodeListenExtra(address) };
  try {
    const first = await registerOrStart(entry, o.epmd, host, o.log);
    // A node that had to start the built-in port mapper starts it again if it is gone: nothing else on the host may.
    const again = first.started ? () => registerOrStart(entry, o.epmd, host, o.log).then((r) => r.registration) : () => register(entry, '127.0.0.1', o.epmd);
    return { server, registration: keepRegistered(first.registration, again, o.name, `127.0.0.1:${o.epmd}`, o.log) };
  } catch (error) {
    // A node that could not register (its name taken, no port mapper) is no distributed node: it stops
    // listening, so nobody can shake hands with it and its process is not kept alive by the socket.
    server.close();
    throw error;
  }
}

// Why the node cannot listen on the host its name gives (a typo, a host name that does not resolve, another host's
// address), with the fix: one sentence, not the resolver's or the socket's bare error code.
function listenError(node: string, name: string, host: string, error: NodeJS.ErrnoException): Error {
  const code = error.code ?? '';
  const why = code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' ? `does not resolve to an address (${code})` : code === 'EADDRNOTAVAIL' ? 'is not an address of this host (EADDRNOTAVAIL)' : `cannot be listened on (${error.message})`;
  return new Error(`distribution: node ${node} cannot listen on the host its name gives, '${host}', which ${why}: name the node after this host, e.g. ${name}@127.0.0.1 (reached from this host only), or ${name}@<a name or address of this host>`, { cause: error });
}

/** The first pause before registering again after the port mapper lost a node's registration, in ms; it doubles up to REREGISTER_MAX_MS. */
export const REREGISTER_FIRST_MS = 100;
/** The longest pause between attempts to register again with a port mapper that does not answer, in ms. */
export const REREGISTER_MAX_MS = 5000;
// How long a registration must have held for the pauses to start over from REREGISTER_FIRST_MS when it is lost.
const STEADY_MS = 60_000;

/**
 * A registration kept while the node runs: when the port mapper ends it (stopped, restarted), one line says so and
 * the node registers again, with growing pauses, until it answers (one line then too); other nodes cannot look the
 * node up meanwhile. `close` deregisters and stops trying.
 */
function keepRegistered(first: Registration, again: () => Promise<Registration>, node: string, where: string, log: (line: string) => void): Registration {
  let current = first;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let said = '';
  // The next pause, and since when the registration held: one lost soon after it was made (a port mapper that keeps
  // dropping it) does not start the pauses over, so it is asked, and logged about, less and less often.
  let pause = REREGISTER_FIRST_MS;
  // The registration the node started with: its loss starts from the first pause, however soon.
  let since = -Infinity;
  const attempt = (): void => {
    timer = setTimeout(() => {
      again().then(
        (r) => {
          if (closed) return r.close();
          current = r;
          since = Date.now();
          log(`distribution: registered ${node} with the port mapper at ${where} again: other nodes can look it up`);
          watch(r);
        },
        (error: NodeJS.ErrnoException) => {
          if (closed) return;
          // A refusal (its name taken meanwhile, the port mapper full) says what to do: once; a port mapper still down, nothing new.
          if (error.code === undefined && error.message !== said) log(`distribution: could not register ${node} again yet: ${(said = error.message)}; trying again`);
          pause = Math.min(pause * 2, REREGISTER_MAX_MS);
          attempt();
        },
      );
    }, pause);
    timer.unref();
  };
  const watch = (r: Registration): void =>
    void r.lost.then((why) => {
      if (closed) return;
      said = '';
      pause = Date.now() - since >= STEADY_MS ? REREGISTER_FIRST_MS : Math.min(pause * 2, REREGISTER_MAX_MS);
      log(`distribution: the port mapper at ${where} lost the registration of ${node} (${why}): other nodes cannot look this node up until it registers again, which it tries now and then every ${REREGISTER_MAX_MS / 1000} s at most until the port mapper answers`);
      attempt();
    });
  watch(first);
  return {
    get creation() {
      return current.creation;
    },
    lost: new Promise<string>(() => {}),
    close: () => {
      closed = true;
      clearTimeout(timer);
      current.close();
    },
  };
}

// Registers with the port mapper, starting the built-in one first if none runs on this host (then `started`, and
// one line saying where its own lines go).
async function registerOrStart(entry: Parameters<typeof register>[0], epmd: number, host: string, log: (line: string) => void): Promise<{ registration: Registration; started: boolean }> {
  try {
    return { registration: await register(entry, '127.0.0.1', epmd), started: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
    const file = await startBuiltInPortMapper(epmd, host);
    log(`distribution: started the built-in port mapper on port ${epmd} (none was running); its refusals and errors are logged to ${file}`);
    return { registration: await register(entry, '127.0.0.1', epmd), started: true };
  }
}

// The last line of the port mapper's log, without its time stamp ('' if none): why it did not start.
function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return (lines[lines.length - 1] ?? '').replace(/^\S+ /, '');
  } catch {
    return '';
  }
}

/**
 * Starts the built-in port mapper as a detached OS process (on the interfaces `portMapperAddresses` picks for the
 * node's host) and waits until it accepts connections; resolves to the file it logs to (portMapperLogFile).
 */
export async function startBuiltInPortMapper(port: number, nodeHost?: string): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  // Built, this code is in dist/index.js or, shared with @otp-ts/runtime/tools, in a chunk under dist/chunks/; from source, beside epmd-main.ts.
  const candidates = [here.replace(/index\.js$/, 'epmd.js'), here.replace(/chunks\/[^/]+\.js$/, 'epmd.js'), here.replace(/listener\.(ts|js)$/, 'epmd-main.$1')];
  const script = candidates.find((c) => c !== here && existsSync(c));
  if (!script) throw new Error('the built-in port mapper script is missing from @otp-ts/runtime: reinstall the package');
  // A limit in the environment it would refuse is said here, rather than as a port mapper that never starts.
  try {
    portMapperLimits([]);
  } catch (error) {
    throw new EnvironmentError(`the built-in port mapper cannot start: ${(error as Error).message.replace(/^port mapper: /, '')}`);
  }
  // Detached, it has no terminal and nobody reads its stderr: its lines go to a file, which must open.
  const file = portMapperLogFile(port);
  try {
    openPortMapperLog(file);
  } catch (error) {
    throw new EnvironmentError(`the built-in port mapper cannot start: ${(error as Error).message.replace(/^port mapper: /, '')}`);
  }
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--inspect')), script, '--port', String(port), '--address', portMapperAddresses(nodeHost).join(','), '--log', file], { detached: true, stdio: 'ignore' });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 200 && !exited; i++) {
    if (await accepts(port)) return file;
    await new Promise((r) => setTimeout(r, 25));
  }
  // Another node's port mapper may have won the port meanwhile: then this one's exit is no failure.
  if (exited && (await accepts(port))) return file;
  const why = lastLine(file);
  throw new Error(`the built-in port mapper did not start on port ${port}${why ? `: ${why}` : ''} (its log is ${file})`);
}

// Whether something accepts connections on 127.0.0.1:`port`.
function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
