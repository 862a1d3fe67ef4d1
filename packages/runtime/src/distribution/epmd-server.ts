import { createServer, type Server, type Socket } from 'node:net';
import { EPMD, decodeAlive2, encodeAlive2Resp, encodeNamesResp, encodePort2Resp, type NodeEntry } from './epmd-protocol.js';

// Listens on host:port; resolves to the port bound.
function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** The largest request the port mapper accepts; anything bigger is garbage. */
const MAX_REQUEST = 1024;

/**
 * A port mapper speaking EPMD's protocol: nodes register while their registration connection stays
 * open, and anyone asks for a node's port or the list of names. Malformed requests close that
 * connection only.
 */
export class EpmdServer {
  private readonly nodes = new Map<string, NodeEntry & { socket: Socket }>();
  private readonly server: Server;
  private creation = 1 + Math.floor(Math.random() * 0xfff0);

  /**
   * `log` receives one line per rejected connection; `onKill` runs after a KILL_REQ stopped the
   * port mapper (the OS process of the built-in one exits there).
   */
  constructor(
    private readonly log: (line: string) => void = () => {},
    private readonly onKill: () => void = () => {},
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** The same port on IPv6's loopback, for nodes named `name@::1` (absent where the host has no IPv6). */
  private v6: Server | undefined;

  /**
   * Starts listening on 127.0.0.1 (`port` 0 picks a free one), and on ::1 at the same port when the
   * host has IPv6 loopback (as epmd answers on both); resolves to the port.
   */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const bound = await listenOn(this.server, port, host);
    if (host === '127.0.0.1') {
      const v6 = createServer((socket) => this.accept(socket));
      this.v6 = await listenOn(v6, bound, '::1').then(
        () => v6,
        () => undefined,
      );
    }
    return bound;
  }

  /** Stops listening and drops every registration. */
  close(): Promise<void> {
    for (const n of this.nodes.values()) n.socket.destroy();
    this.nodes.clear();
    this.v6?.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The registered node names. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  private accept(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    let registered: string | undefined;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (registered !== undefined && this.nodes.get(registered)?.socket === socket) this.nodes.delete(registered);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const len = buffered.readUInt16BE(0);
      if (len === 0 || len > MAX_REQUEST) return this.reject(socket, `a request of ${len} bytes`);
      if (buffered.length < 2 + len) return;
      const body = buffered.subarray(2, 2 + len);
      buffered = buffered.subarray(2 + len);
      try {
        registered = this.handle(socket, body[0]!, body.subarray(1)) ?? registered;
      } catch (error) {
        this.reject(socket, (error as Error).message);
      }
    });
  }

  private handle(socket: Socket, code: number, body: Buffer): string | undefined {
    switch (code) {
      case EPMD.ALIVE2_REQ: {
        const entry = decodeAlive2(body);
        if (this.nodes.has(entry.name)) {
          socket.end(encodeAlive2Resp(1, 0));
          return undefined;
        }
        this.creation = (this.creation % 0xffff) + 1;
        this.nodes.set(entry.name, { ...entry, socket });
        socket.write(encodeAlive2Resp(0, this.creation));
        return entry.name;
      }
      case EPMD.PORT_PLEASE2_REQ:
        socket.end(encodePort2Resp(this.nodes.get(body.toString('utf8'))));
        return undefined;
      case EPMD.NAMES_REQ:
        socket.end(encodeNamesResp((this.server.address() as { port: number }).port, this.nodes.values()));
        return undefined;
      case EPMD.KILL_REQ:
        // As epmd without -relaxed_command_check: a port mapper that nodes rely on is not stopped.
        if (this.nodes.size > 0) {
          socket.end('NO');
          return undefined;
        }
        socket.end('OK', () => void this.close().then(this.onKill));
        return undefined;
      default:
        throw new Error(`unknown request code ${code}`);
    }
  }

  private reject(socket: Socket, what: string): void {
    this.log(`port mapper: closed a connection from ${socket.remoteAddress}: ${what}`);
    socket.destroy();
  }
}
