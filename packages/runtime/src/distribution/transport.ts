import { clearTimeout, setTimeout } from 'node:timers';
import { connect as netConnect, createServer as createNetServer, isIP, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { checkServerIdentity, connect as tlsConnect, Server as TlsServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import { foreignProtocol, writeFrame } from './framing.js';

/** TLS for distribution (`--proto tls`): PEM files of this node's certificate, its key, and the CA that signs every node. */
export interface DistributionTls {
  cert: string;
  key: string;
  ca: string;
}

/** The PEM files of `DistributionTls`, read. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/** The hint every --proto mismatch line ends with. */
export const SAME_PROTO = 'start both nodes with the same --proto';

// The first byte of a TLS ClientHello (a handshake record); a plain handshake starts with a frame length.
const TLS_RECORD_HANDSHAKE = 0x16;

/** Reads the PEM files; throws one sentence naming the file that cannot be read. */
export function loadTls(files: DistributionTls): TlsMaterial {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`distribution: cannot read the TLS ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check --ssl-${what}`, { cause: error });
    }
  };
  const material = { cert: read('cert', files.cert), key: read('key', files.key), ca: read('ca', files.ca) };
  checkTls(files, material);
  return material;
}

// Files that read but hold no certificate or key, or a key that is not the certificate's, are refused here with
// a sentence naming the file, rather than OpenSSL's code (the CA's: at the first peer, as every peer's refusal).
function checkTls(files: DistributionTls, m: TlsMaterial): void {
  const parse = <T>(what: 'cert' | 'key' | 'ca', holds: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      throw new Error(`distribution: the TLS ${what} ${files[what]} holds no ${holds} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check --ssl-${what}`, { cause: error });
    }
  };
  const cert = parse('cert', 'PEM certificate', () => new X509Certificate(m.cert));
  const key = parse('key', 'private key (PEM, without a passphrase)', () => createPrivateKey(m.key));
  parse('ca', 'PEM certificate', () => new X509Certificate(m.ca));
  if (!cert.checkPrivateKey(key)) throw new Error(`distribution: the TLS key ${files.key} is not the key of the certificate ${files.cert}: give --ssl-key the key the certificate was made with`);
}

function addressOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Why an attempt to connect to a node failed: `unknown` (the port mapper does not know it), `unreachable`
 * (no connection), `cookie`, `tls-mismatch` (one side speaks TLS, the other not), `certificate-refused`
 * (the peer did not accept this node's certificate), `certificate-untrusted` (the peer's certificate is not
 * signed by this node's CA), `version`, `name` (another node answered), `timeout`, `closed`.
 */
export type ConnectFailureReason = 'unknown' | 'unreachable' | 'cookie' | 'tls-mismatch' | 'certificate-refused' | 'certificate-untrusted' | 'version' | 'name' | 'timeout' | 'closed';

/** A failed connection attempt as data: the reason, the sentence logged about it, and a TLS error code if any. */
export interface ConnectFailure {
  reason: ConnectFailureReason;
  message: string;
  code?: string;
}

// Certificate verification codes (OpenSSL's, as Node reports them) that say more than "not trusted".
const CERT_CAUSES: Record<string, string> = {
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  INVALID_PURPOSE: 'its certificate is not made for this purpose (it needs extendedKeyUsage serverAuth,clientAuth)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name the host it was dialled at (host mismatch)',
  CERT_REVOKED: 'its certificate is revoked',
};
// TLS alerts the peer sends about this node's certificate, by the cause they name.
const ALERT_CAUSES: [RegExp, string][] = [
  [/CERTIFICATE_EXPIRED/, 'this node\'s certificate has expired'],
  [/UNSUPPORTED_CERTIFICATE/, 'this node\'s certificate is not made for this purpose (it needs extendedKeyUsage serverAuth,clientAuth)'],
  [/BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/, 'it did not accept this node\'s certificate'],
];

/** Why a TLS handshake failed: the reason, and the end of a log line naming the real cause where OpenSSL gives one. */
function describeTlsError(error: NodeJS.ErrnoException): { reason: ConnectFailureReason; text: string } {
  const code = error.code ?? '';
  if (/HTTP_REQUEST/.test(code)) return { reason: 'tls-mismatch', text: 'it does not speak TLS: it sent an HTTP request' };
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL/.test(code)) return { reason: 'tls-mismatch', text: `it does not speak TLS; ${SAME_PROTO}` };
  const sameCa = 'both nodes need certificates signed by the same --ssl-ca';
  const cause = Object.hasOwn(CERT_CAUSES, code) ? CERT_CAUSES[code] : undefined;
  if (cause) return { reason: 'certificate-untrusted', text: `${cause} (${code}); ${sameCa}, valid now, for serverAuth and clientAuth` };
  // A client that showed no certificate at all: no CA problem to name, but a missing --ssl-cert.
  if (/PEER_DID_NOT_RETURN_A_CERTIFICATE/.test(code)) return { reason: 'certificate-untrusted', text: `it presented no certificate (${code}); a node dialling this one needs a certificate (--ssl-cert, --ssl-key) signed by this node's --ssl-ca` };
  if (/ALERT/.test(code)) {
    const alert = ALERT_CAUSES.find(([re]) => re.test(code))?.[1] ?? 'it did not accept this node\'s certificate';
    return { reason: 'certificate-refused', text: `${alert} (${code}); ${sameCa}` };
  }
  if (/CERT|SIGNATURE|SELF_SIGNED|UNABLE_TO/.test(code)) return { reason: 'certificate-untrusted', text: `its certificate is not signed by this node's CA (${code}); ${sameCa}` };
  if (code === 'ECONNRESET') return { reason: 'closed', text: `it closed the connection during the TLS handshake (does it trust this node's certificate? both nodes need certificates signed by the same --ssl-ca, and the same --proto)` };
  return { reason: code === 'ECONNREFUSED' ? 'unreachable' : 'closed', text: `${error.message}${code ? ` (${code})` : ''}` };
}

/** Why a peer's certificate was rejected by this listener, from Node's authorizationError. */
function describeRejected(rejected: Error | string): string {
  const code = String(rejected);
  const cause = Object.hasOwn(CERT_CAUSES, code) ? CERT_CAUSES[code] : undefined;
  return `${cause ?? "its certificate is not signed by this node's CA"} (${code}); both nodes need certificates signed by the same --ssl-ca`;
}

/** What the listener asks of its node: whether to take one more unauthenticated connection, and the handshake deadline. */
export interface ListenerGate {
  /** Milliseconds a peer has to send its first bytes and finish TLS (the handshake deadline). */
  handshakeTimeoutMs: number;
  /** Called for every accepted TCP connection: false drops it at once (too many unauthenticated ones). */
  admit(socket: Socket): boolean;
  /** Called once per admitted connection when it is authenticated or closed. */
  release(socket: Socket): void;
  /** Called when an admitted connection's peer sent a valid hello (it is then the last pushed out at the cap). */
  progressed(socket: Socket): void;
  /** Counts a connection the listener closed before any handshake (silent past the deadline, TLS failed). */
  refused(address: string, reason: string): void;
  /** Logs a line about such a connection: a bounded number a second, the rest summed up (a flood must not flood the log). */
  line(text: string, from: string): void;
}

/**
 * The distribution listener. Plain: accepted sockets go to `accept` at once (the connection refuses a TLS
 * dialler by its first byte). TLS: the first byte tells a TLS peer from a plain one (refused with one log
 * line), and the peer must present a certificate signed by the CA (mutual authentication) before `accept`
 * gets the decrypted stream.
 * `accept` also gets `authenticated`, to call once the peer proved the cookie (it frees its slot in the gate),
 * and `progressed`, to call once the peer sent a valid hello (its slot is then the last taken back at the cap).
 */
export function createListener(material: TlsMaterial | undefined, accept: (socket: Socket, first: Buffer | undefined, authenticated: () => void, progressed: () => void) => void, gate: ListenerGate): Server {
  const addresses = new WeakMap<Socket, string>();
  const tlsServer = material ? tlsListener(material, accept, gate, addresses) : undefined;
  return createNetServer((socket) => {
    if (!gate.admit(socket)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => gate.release(socket));
    // Plain: the connection starts at once (the listener speaks first); it refuses a TLS dialler by its first byte.
    if (!tlsServer) return accept(socket, undefined, () => gate.release(socket), () => gate.progressed(socket));
    addresses.set(socket, addressOf(socket));
    const ignore = (): void => {};
    socket.on('error', ignore);
    const timer = setTimeout(() => {
      const why = `it sent nothing within ${gate.handshakeTimeoutMs} ms`;
      gate.line(`distribution: closed the connection from ${addressOf(socket)}: ${why}`, addressOf(socket));
      gate.refused(addressOf(socket), why);
      socket.destroy();
    }, gate.handshakeTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      if (chunk[0] === TLS_RECORD_HANDSHAKE) {
        socket.pause();
        socket.unshift(chunk);
        tlsServer.emit('connection', socket);
      } else {
        const why = notTls(chunk);
        gate.line(`distribution: connection from ${addressOf(socket)} refused: ${why}`, addressOf(socket));
        gate.refused(addressOf(socket), why);
        writeFrame(socket, Buffer.from(JSON.stringify({ t: 'refused', reason: 'tls' }), 'utf8'));
        socket.end();
        // A peer that never closes its side would hold the socket, and its place among unauthenticated connections.
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    });
  });
}

// Why a TLS listener refuses a peer whose first bytes are no TLS record: another protocol it names (an HTTP
// request, as the plain listener says), else a node started without TLS.
function notTls(head: Buffer): string {
  const foreign = foreignProtocol(head);
  return foreign && !foreign.startsWith('a TLS') ? `it does not speak TLS: it sent ${foreign}` : `it does not speak TLS; ${SAME_PROTO}`;
}

const rawOf = (s: TLSSocket): Socket => (s as unknown as { _parent?: Socket })._parent ?? s;

// The TLS side of a listener: plain sockets that start with a TLS record are handed to it; a peer
// certificate the CA did not sign, or a failed TLS handshake, is one log line and a counted refusal.
function tlsListener(material: TlsMaterial, accept: (socket: Socket, first: Buffer | undefined, authenticated: () => void, progressed: () => void) => void, gate: ListenerGate, addresses: WeakMap<Socket, string>): TlsServer {
  const tlsServer = new TlsServer({ ...material, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', handshakeTimeout: gate.handshakeTimeoutMs }, (s: TLSSocket) => {
    const raw = rawOf(s);
    accept(s, undefined, () => gate.release(raw), () => gate.progressed(raw));
  });
  tlsServer.on('tlsClientError', (error: NodeJS.ErrnoException, s: TLSSocket) => {
    // A peer certificate the CA did not sign: Node closes the socket and keeps the reason in authorizationError.
    const rejected = s.authorizationError;
    const from = addresses.get(rawOf(s)) ?? addressOf(s);
    const why = rejected ? describeRejected(rejected) : describeTlsError(error).text;
    gate.line(`distribution: refused a TLS connection from ${from}: ${why}`, from);
    gate.refused(from, why);
    // Node leaves the socket open after some of these (a handshake past its deadline): a client dribbling its
    // handshake a byte at a time would hold it, and its place among unauthenticated connections, for ever. Closed
    // a second later, so that a TLS alert telling the peer why leaves first.
    setTimeout(() => {
      s.destroy();
      rawOf(s).destroy();
    }, 1000).unref();
  });
  return tlsServer;
}

/**
 * Opens a connection to another node's listener: plain TCP, or TLS with this node's certificate, the
 * peer's certificate checked against the CA. The host name check is relaxed for loopback addresses
 * (the CA still vouches for the peer); for TLS, a ConnectFailure (and one log line) if it fails.
 */
export function dial(host: string, port: number, material: TlsMaterial | undefined, peer: string, log: (line: string) => void): Promise<Socket | ConnectFailure> {
  // Plain TCP: the socket at once, still connecting. What is written now leaves as soon as it is
  // connected, without a turn of the event loop in between; a failure to connect closes it.
  if (!material) return Promise.resolve(netConnect({ host, port }));
  return new Promise<Socket | ConnectFailure>((resolve) => {
    let secure = false;
    const s = tlsConnect({
      host,
      port,
      ...material,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      ...(isIP(host) ? {} : { servername: host }),
      checkServerIdentity: (name: string, cert: PeerCertificate) => {
        const error = checkServerIdentity(name, cert);
        return error && isLoopback(host) ? undefined : error;
      },
    });
    s.once('secureConnect', () => {
      secure = true;
      resolve(s);
    });
    s.on('error', (error: NodeJS.ErrnoException) => {
      if (!secure) {
        const code = error.code ?? '';
        const closedEarly = code === 'ECONNRESET' && /before secure TLS connection/.test(error.message);
        const why = closedEarly ? { reason: 'tls-mismatch' as const, text: `it closed the connection during the TLS handshake (does it speak TLS? ${SAME_PROTO})` } : describeTlsError(error);
        const message = `distribution: TLS connection to ${peer} failed: ${why.text}`;
        log(message);
        resolve({ reason: why.reason, message, ...(code && { code }) });
      } else if (/^ERR_SSL_/.test(error.code ?? '')) {
        // TLS 1.3: the server checks this node's certificate after the client's side of the handshake is done.
        log(`distribution: ${peer} refused the TLS connection: ${describeTlsError(error).text}`);
      }
    });
  });
}
