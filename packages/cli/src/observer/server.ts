// otp observer's web server: runs in the tool's process (never in the observed node), talks to the node
// over distribution, and serves the page and a JSON API guarded by a random token.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Connection, TraceSpec } from '@otp-ts/tracer';
import { MAX_TRACE_TIME_MS, traceListsRefusal, keepServing, rateLimitedLog, watchDescriptors } from '@otp-ts/runtime/tools';
import { pageAssets, type PageAssets } from './assets.js';
import { nodeNameError } from '../tracer/connect.js';
import { answerPlainHttp } from './plain-http.js';

/** One page request of the process table, as the page asks it. */
export interface ProcessPageQuery {
  offset: number;
  limit: number;
  sort: string;
  dir: string;
  filter: string;
}

/** What the observer's read-only views are answered from: a live node, or a crash dump. */
export interface ObserverSource {
  /** The node observed. */
  readonly node: string;
  /** Set for a crash dump: when the node died and why; the live-only routes then answer 409. */
  readonly dead?: { time: string; reason: string };
  overview(): Promise<Json>;
  processes(query: ProcessPageQuery): Promise<Json>;
  /** A process's details, by pid or registered name; throws an ObserverError (404) when there is none. */
  process(pid: string): Promise<Json>;
  tree(): Promise<Json>;
  tables(offset: number, limit: number): Promise<Json>;
}

/** Where and how the observer serves, and how it reaches nodes (or the crash dump it shows instead). */
export interface ObserverOptions {
  /** The first node to observe (unless `dump`). */
  node?: string;
  /** Connects to a node (the command's cookie and TLS settings); unless `dump`. */
  connect?: (node: string) => Promise<Connection>;
  /** A crash dump to show instead of a node: its content answers the read-only routes. */
  dump?: ObserverSource;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM certificate and key: serve HTTPS. */
  https?: { cert: string; key: string };
  /** Who the node's log names for actions: user, host and the tool's node. */
  identity: string;
  /** The token; random when left out. */
  token?: string;
  /** Where the observer's own lines go (an event stream refused past its bounds); default: nowhere. */
  log?: (line: string) => void;
  /** How long, in ms, a client may take over a TLS handshake or a request's body (default 10000); a slower one is cut. */
  slowClientMs?: number;
}

/** A running observer: its URL (with the token) and a way to stop it. */
export interface RunningObserver {
  url: string;
  token: string;
  /** The node currently observed. */
  node(): string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
// How long a request's body (at most MAX_BODY) may take to arrive once its headers did, and a TLS handshake from the
// connect: a page sends its few hundred bytes at once, a client trickling a byte every few seconds would otherwise hold
// its connection for Node's 300 s (a body) or 120 s (a handshake stalled half-way).
const SLOW_CLIENT_MS = 10_000;
// The most bytes a page's event stream may have waiting unread: past it, samples and trace events are dropped (and
// counted) until the page reads again, so a page that never reads cannot grow the observer's memory without end.
const STREAM_BACKLOG = 1024 * 1024;
// The most event streams (live overviews and traces) the observer serves at once, to one client address and in all: each
// holds a connection (a file descriptor) and its backlog, and a trace a session on the node, while it lasts. A page opens
// one or two; past the bound a new one is a 503 saying so, and the streams open go on.
const MAX_STREAMS_PER_CLIENT = 16;
const MAX_STREAMS = 64;
// The most API requests waiting for the node's answers at once: each holds its connection (a file descriptor, never
// shed while it waits) for up to the rpc's 30 s when the node is hung, so a client asking on ever more connections
// would otherwise run the observer out of them. A page asks a few at a time.
const MAX_IN_FLIGHT = 128;

/** An event stream's writer: `sample` drops what a page that does not keep up has no room for (counted in `dropped`); `always` writes (one-off events: started, done, failure). */
function eventWriter(res: ServerResponse): { sample(event: string, data: unknown): void; always(event: string, data: unknown): void; readonly dropped: number } {
  let dropped = 0;
  const always = (event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  return {
    sample: (event, data) => {
      if (res.writableLength > STREAM_BACKLOG) dropped++;
      else always(event, data);
    },
    always,
    get dropped() {
      return dropped;
    },
  };
}

/**
 * Counts the event streams open, by client address and in all: `admit` answers a request past either bound with a
 * 503 naming it (and logs a line, at most one a second, with the count of the others) and returns undefined;
 * otherwise it returns the stream's release, called once when the stream ends.
 */
function streamAdmission(log: (line: string) => void): (req: IncomingMessage, res: ServerResponse) => (() => void) | undefined {
  const byClient = new Map<string, number>();
  let total = 0;
  return (req, res) => {
    const client = req.socket.remoteAddress ?? '?';
    const mine = byClient.get(client) ?? 0;
    const over = mine >= MAX_STREAMS_PER_CLIENT ? `${client} has ${mine} event streams open, the most one client may` : total >= MAX_STREAMS ? `${total} event streams are open, the most this observer serves` : undefined;
    if (over !== undefined) {
      const error = `${over}: close a page of this observer (or its trace) and open this one again`;
      log(`observer: refused an event stream (${req.url?.split('?')[0] ?? ''}): ${over}`);
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5' });
      res.end(JSON.stringify({ error }));
      return undefined;
    }
    byClient.set(client, mine + 1);
    total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      total--;
      const n = (byClient.get(client) ?? 1) - 1;
      if (n > 0) byClient.set(client, n);
      else byClient.delete(client);
    };
  };
}

/** JSON bodies of the API: what the page asks the node and the node's answer. */
export type Json = Record<string, unknown> | unknown[];

/** An answer of the observer's API that is not 200: its status and one sentence. */
export class ObserverError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// Why an rpc got no answer at all (the node is gone, cut off or hung), as opposed to the node answering with an error.
const NO_ANSWER = new Set(['noconnection', 'nodedown', 'noproc', 'timeout']);

/** The observed node could not be connected to again: it reads as a node that does not answer. */
class NotConnected extends Error {
  readonly reason = 'nodedown';
}

/** The sentence the page shows when the observed node does not answer; undefined when `error` is an answer of the node. */
function notAnswering(node: string, error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++, e = e.cause) {
    const reason = e.name === 'BadRpc' || e instanceof NotConnected ? (e as Error & { reason?: unknown }).reason : undefined;
    if (typeof reason === 'string' && NO_ANSWER.has(reason)) return `${node} does not answer (${reason}): it may have stopped or be cut off; pick another node above, or start it again`;
  }
  return undefined;
}

/**
 * The live node observed and the tool's connection to it. A switch leaves the old node first (both
 * connections would share the tool node's name); when the new node cannot be reached, the old one stays
 * observed with no connection, and each request connects to it again, so the node coming back is observed
 * again. Connecting and switching take turns, so two never race for the tool node's name.
 */
class ObservedNode {
  private current: Connection | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private reconnecting: Promise<Connection> | undefined;

  constructor(
    private readonly connect: (node: string) => Promise<Connection>,
    first: Connection,
  ) {
    this.current = first;
    this.node = first.node;
  }

  /** The node observed. */
  node: string;

  private queue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.turn.then(step);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** The connection to the node observed, made again when a failed switch left none; NotConnected when it cannot be. */
  connection(): Promise<Connection> {
    if (this.current) return Promise.resolve(this.current);
    // The requests meanwhile wait for the same attempt.
    this.reconnecting ??= this.queue(async () => {
      if (this.current) return this.current;
      try {
        return (this.current = await this.connect(this.node));
      } catch (error) {
        throw new NotConnected(`cannot connect to ${this.node}`, { cause: error });
      }
    }).finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }

  /** Observes `node` instead; an ObserverError (502) naming it when it cannot be reached. */
  switchTo(node: string): Promise<void> {
    return this.queue(async () => {
      if (node === this.node && this.current) return;
      this.close();
      try {
        this.current = await this.connect(node);
        this.node = node;
      } catch (error) {
        throw new ObserverError(502, error instanceof Error ? error.message : String(error));
      }
    });
  }

  close(): void {
    this.current?.close();
    this.current = undefined;
  }
}

// The names a browser reaches a loopback observer by.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a request is refused whatever its token: a Host that is not this loopback server (a page of another site
 * whose name was pointed at 127.0.0.1, DNS rebinding), or an Origin that is not the observer's own (a page of
 * another site sending to it); undefined when it is neither.
 */
function foreign(req: IncomingMessage, scheme: string, bound: string, port: number): { status: number; error: string } | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  // No Host at all: HTTP/1.1 requires one (a 400 saying so); an HTTP/1.0 client (a health check, a script) is no
  // page rebound to this address (a browser always sends one), so it is served as any request with the token.
  if (req.headers.host === undefined) {
    if (req.httpVersion !== '1.0') return { status: 400, error: `an HTTP/${req.httpVersion} request needs a Host header: send Host: 127.0.0.1:${port}, or open the URL otp observer printed` };
    if (req.headers.origin !== undefined) return { status: 403, error: `requests from another site's page (${req.headers.origin}) are refused: open the URL otp observer printed` };
    return undefined;
  }
  if (LOOPBACK_HOSTS.has(bound.includes(':') ? `[${bound}]` : bound)) {
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
    if (!m || !LOOPBACK_HOSTS.has(m[1]!) || Number(m[2] ?? (scheme === 'https' ? 443 : 80)) !== port) {
      return { status: 421, error: `this observer answers for 127.0.0.1:${port} only, not for '${host}': open the URL otp observer printed` };
    }
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `${scheme}://${host}`) return { status: 403, error: `requests from another site's page (${origin}) are refused: open the URL otp observer printed` };
  return undefined;
}

// How long the live channel waits for the node's sample before telling its pages the node does not answer (a sample a
// second, so a hung node shows as such within a few seconds, not when the rpc gives up).
const STALE_MS = 3000;

/**
 * The live channel's overview for every page listening: one sample a period, the same for all of them, while any
 * listens (each sample is the node's load, delay and rates since the previous one it took, so pages asking in turn
 * would each see part of a stall, and a thousand pages would ask a thousand times a second). A page joining gets
 * the latest sample at once. Without a period (a crash dump) there is one sample.
 */
function liveSampler(source: ObserverSource, periodMs: number | undefined): { join(listener: (event: string, data: unknown) => void): () => void } {
  const listeners = new Set<(event: string, data: unknown) => void>();
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let last: unknown;
  // Since when the node has not answered (the first sample asked and not answered; an rpc giving up does not reset it),
  // and the failure said while a sample is overdue (sent to pages joining meanwhile).
  let silent: { node: string; since: number } | undefined;
  let stale: unknown;
  // Bumped when the last page leaves (or the node is switched, which ends every stream): a sample of before is not kept.
  let run = 0;
  const overdue = (node: string) => {
    if (silent === undefined || silent.node !== node || Date.now() - silent.since < STALE_MS) return;
    last = undefined;
    const since = new Date(silent.since).toISOString().slice(11, 19);
    stale = { error: `${node} has not answered for ${Math.round((Date.now() - silent.since) / 1000)} s (since ${since} UTC): its event loop may be blocked, or it is cut off; the figures shown are from before`, down: true, node, since: silent.since };
    for (const listener of Array.from(listeners)) listener('failure', stale);
  };
  const tick = async () => {
    // A sample still awaited: after STALE_MS the pages are told the node does not answer, rather than showing the last sample as live.
    if (busy) return overdue(source.node);
    busy = true;
    stale = undefined;
    const [node, mine] = [source.node, run];
    if (silent?.node !== node) silent = { node, since: Date.now() };
    let event = 'overview';
    let data: unknown;
    try {
      data = await source.overview();
      silent = undefined;
      if (mine === run) last = data;
    } catch (error) {
      const gone = notAnswering(node, error);
      if (!gone) silent = undefined;
      if (mine === run) last = undefined;
      event = 'failure';
      data = gone ? { error: gone, down: true, node, ...(silent ? { since: silent.since } : {}) } : { error: error instanceof Error ? error.message : String(error), node };
    } finally {
      busy = false;
    }
    if (mine === run) for (const listener of Array.from(listeners)) listener(event, data);
  };
  return {
    join(listener) {
      listeners.add(listener);
      if (stale !== undefined && busy) listener('failure', stale);
      else if (last !== undefined) listener('overview', last);
      else void tick();
      if (periodMs !== undefined && timer === undefined) timer = setInterval(() => void tick(), periodMs);
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        clearInterval(timer);
        timer = undefined;
        last = undefined;
        run++;
      };
    },
  };
}

/** The read-only views answered by the live node observed, through its otp_observer rpc module and its tools' calls. */
function liveSource(observed: ObservedNode): ObserverSource {
  const conn = () => observed.connection();
  // This observer's name for the node's overview: the node keeps each viewer's sampling window apart, so a second observer of the node does not split this one's.
  const viewer = `observer-${randomBytes(9).toString('base64url')}`;
  return {
    get node() {
      return observed.node;
    },
    overview: async () => ({ ...((await (await conn()).rpc('otp_observer', 'overview', [viewer])) as Record<string, unknown>) }),
    processes: async (query) => (await (await conn()).rpc('otp_observer', 'processes', [query])) as Json,
    process: async (pid) => {
      const r = (await (await conn()).call('info', [pid, 20])) as { ok: boolean; details?: Json; error?: string };
      if (!r.ok) throw new ObserverError(404, r.error ?? 'no such process');
      return r.details!;
    },
    tree: async () => {
      const r = (await (await conn()).rpc('otp_observer', 'tree')) as { ok: boolean; apps?: Json; error?: string };
      if (!r.ok) throw new ObserverError(404, r.error ?? 'no tree');
      return r.apps!;
    },
    tables: async (offset, limit) => (await (await conn()).rpc('otp_observer', 'tables', [offset, limit])) as Json,
  };
}

/** Starts the observer's server and connects to the node; resolves once both are ready. */
export async function startObserver(options: ObserverOptions): Promise<RunningObserver> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const dead = options.dump;
  const observed = dead ? undefined : new ObservedNode(options.connect!, await options.connect!(options.node!));
  const source: ObserverSource = dead ?? liveSource(observed!);
  // A route that needs the node alive: the connection, or a 409 naming the dump and what to do instead.
  const live = (what: string): Promise<Connection> => {
    if (observed) return observed.connection();
    throw new ObserverError(409, `this is a crash dump of ${dead!.node} written at ${dead!.dead!.time}: ${what}`);
  };
  const RESTART = 'start the node again and run otp observer NODE';
  let assets: PageAssets | undefined;
  const streams = new Set<() => void>();
  const refusal = rateLimitedLog(options.log ?? (() => {}), 'refused');
  const slowMs = options.slowClientMs ?? SLOW_CLIENT_MS;
  const admitStream = streamAdmission(refusal);
  let inFlight = 0;

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    const given = url.searchParams.get('token') ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const got = Buffer.from(given);
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  const api: Record<string, (url: URL, body: Record<string, unknown>) => Promise<Json>> = {
    overview: () => source.overview(),
    processes: (url) =>
      source.processes({
        offset: count(url, 'offset', 0),
        limit: count(url, 'limit', 100),
        sort: oneOf(url, 'sort', SORTS),
        dir: oneOf(url, 'dir', ['asc', 'desc']),
        filter: url.searchParams.get('filter') ?? '',
      }),
    process: (url) => source.process(url.searchParams.get('pid') ?? ''),
    tree: () => source.tree(),
    tables: (url) => source.tables(count(url, 'offset', 0), count(url, 'limit', 100)),
    rows: async (url) => {
      const r = (await (await live(`a table's rows are not in the dump (only its name, owner and size); ${RESTART} to browse them`)).rpc('otp_observer', 'rows', [count(url, 'id', NaN), count(url, 'offset', 0), count(url, 'limit', 50)])) as Record<string, unknown>;
      if (!r.ok) throw new ObserverError(404, String(r.error));
      return r;
    },
    upgrades: async () => {
      const current = await live(`there is no release handler to ask about upgrades; ${RESTART}`);
      try {
        const versions = (await current.rpc('release_handler', 'versions', [], 10_000)) as Record<string, unknown>;
        return { release: true, ...versions };
      } catch (error) {
        if (notAnswering(current.node, error)) throw error;
        return { release: false, reason: `${current.node} does not run a release (no release handler answers): start it with bin/<name> daemon` };
      }
    },
    nodes: async () => {
      if (!observed) return { node: source.node, nodes: [], dump: { node: source.node, ...source.dead } };
      const conn = await observed.connection();
      return { node: conn.node, nodes: ((await conn.rpc('otp', 'nodes', [])) as string[]).filter((n) => n !== conn.node) };
    },
    act: async (_url, body) => {
      const current = await live(`its processes cannot be killed, sent to, suspended or resumed; ${RESTART}`);
      const action = String(body.action);
      if (!['kill', 'send', 'suspend', 'resume'].includes(action)) throw new ObserverError(400, `unknown action '${action}': use kill, send, suspend or resume`);
      let message: unknown;
      if (action === 'send') {
        try {
          message = JSON.parse(String(body.message ?? ''));
        } catch {
          throw new ObserverError(400, 'the message is not JSON: write it as JSON, e.g. {"op": "ping"} or "hello"');
        }
        // The node's wire refuses a message nested too deep: said here, as bad input, not as the node's failure (a 502).
        if (nestedDeeper(message, MESSAGE_DEPTH)) throw new ObserverError(400, `the message is nested more than ${MESSAGE_DEPTH} levels deep, more than a message sent through the observer may be: send a flatter one`);
      }
      const target = typeof body.target === 'string' ? body.target.trim() : '';
      if (!target) throw new ObserverError(400, `name the process to ${action}: give "target" as a pid (<0.42.0>) or a registered name`);
      const r = (await current.rpc('otp_observer', 'act', [{ action, target, by: options.identity, ...(body.reason ? { reason: String(body.reason) } : {}), ...(action === 'send' ? { message } : {}) }])) as { ok: boolean; error?: string; badTarget?: boolean };
      // A target that can never be one of the node's processes (another node's pid) is bad input; anything else is the node's state.
      if (!r.ok) throw new ObserverError(r.badTarget ? 400 : 409, r.error ?? 'refused');
      return { ok: true };
    },
    switch: async (_url, body) => {
      if (!observed) await live(`there are no other nodes to switch to; run otp observer NODE for a live node`);
      const node = typeof body.node === 'string' ? body.node.trim() : '';
      // Bad input is refused before anything is left: the node observed, its live streams and a running trace stay.
      // The check every command makes of its node argument, so a name otp ping or otp remote takes, the switch takes.
      if (node === '') throw new ObserverError(400, 'name the node to switch to: give "node" as name@host, e.g. {"node": "shop@127.0.0.1"}');
      const why = nodeNameError(node);
      if (why !== undefined) throw new ObserverError(400, why);
      // The live streams (the overview, a trace) belong to the node left.
      for (const stop of Array.from(streams)) stop();
      await observed!.switchTo(node);
      return { node };
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8') => {
    const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    // Answered (refused: 401, 403, 404, 413...) before its body was read: the rest is not read, the connection closes.
    if (bodyLeft(res.req)) refuseBody(res.req, res);
    // No other site may frame the page (clickjacking its buttons: kill, trace): both the old header and CSP's.
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" });
    res.end(text);
  };

  // A body over MAX_BODY (said in its content-length, or as it arrives) is refused at once: its reading stops, and the
  // connection is closed once the 413 left (see refuseBody), instead of reading the rest until Node's request timeout.
  const readBody = (req: IncomingMessage): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const tooLarge = (): void => {
        req.removeAllListeners('data');
        req.pause();
        reject(new ObserverError(413, `the request body is over ${MAX_BODY} bytes: send at most ${MAX_BODY} bytes of JSON`));
      };
      if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooLarge();
      // A deadline for the whole body, not an idle timeout: a byte every few seconds is never idle for long.
      const timer = setTimeout(() => {
        req.removeAllListeners('data');
        req.pause();
        reject(new ObserverError(408, `the request body did not arrive within ${slowMs} ms: send the whole body at once`));
      }, slowMs);
      req.once('close', () => clearTimeout(timer));
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          clearTimeout(timer);
          tooLarge();
        } else chunks.push(c);
      });
      req.on('end', () => {
        clearTimeout(timer);
        if (chunks.length === 0) return resolve({});
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          return reject(new ObserverError(400, 'the request body is not JSON'));
        }
        // null, an array or a bare value would reach the routes as their fields' holder: refused here, by name.
        if (typeof body !== 'object' || body === null || Array.isArray(body)) reject(new ObserverError(400, `the request body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}: send a JSON object, such as {"action":"kill","target":"<0.42.0>"}`));
        else resolve(body as Record<string, unknown>);
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });

  // Server-sent events: the overview once a second while a page listens, the same samples for every page; nothing when no page is open.
  const sampler = liveSampler(source, dead ? undefined : 1000);
  const liveStream = (req: IncomingMessage, res: ServerResponse) => {
    const release = admitStream(req, res);
    if (!release) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    const out = eventWriter(res);
    // A sample on its way when the page leaves is not written: the stream has ended. Nor is one a page that does not read has no room for.
    const leave = sampler.join((event, data) => {
      if (!closed) out.sample(event, data);
    });
    const stop = () => {
      if (closed) return;
      closed = true;
      leave();
      release();
      streams.delete(stop);
      res.end();
    };
    streams.add(stop);
    req.on('close', stop);
  };

  // A trace as server-sent events: it runs while the page listens; the page going away stops it on the node.
  const trace = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!observed) return send(res, 409, { error: `this is a crash dump of ${dead!.node} written at ${dead!.dead!.time}: there is nothing running to trace; ${RESTART}` });
    const list = (k: string) => (url.searchParams.get(k) ?? '').split(/[\s,]+/).filter(Boolean);
    // The limits are checked here, before the stream opens: bad input is a 400 naming what was typed, not a stream's failure.
    const num = (k: string, what: string, max = Number.MAX_SAFE_INTEGER) => {
      const text = url.searchParams.get(k);
      if (!text) return undefined;
      const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
      // Digits past the bound (99999999999999999999 included, which no number holds exactly) are too many, not no number.
      if (n > max) throw new ObserverError(400, `${k} '${text.slice(0, 40)}' is more than the ${max} a trace may take: give ${what}`);
      if (!Number.isSafeInteger(n) || n <= 0) throw new ObserverError(400, `${k} '${text.slice(0, 40)}' is not a whole number above 0: give ${what}`);
      return n;
    };
    let limit: number | undefined;
    let time: number | undefined;
    try {
      limit = num('limit', 'how many events to stop after, e.g. 100');
      time = num('time', `the time limit in milliseconds, e.g. 15000 (at most ${MAX_TRACE_TIME_MS}, one day)`, MAX_TRACE_TIME_MS);
    } catch (error) {
      return send(res, 400, { error: (error as Error).message });
    }
    const spec: TraceSpec = {
      patterns: list('patterns'),
      returns: url.searchParams.get('returns') === '1',
      messages: url.searchParams.get('messages') === '1',
      procs: url.searchParams.get('procs') === '1',
      ...(list('pids').length ? { pids: list('pids') } : {}),
      ...(list('names').length ? { names: list('names') } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(time !== undefined ? { timeMs: time } : {}),
    };
    if (spec.patterns!.length === 0 && !spec.messages && !spec.procs) return send(res, 400, { error: 'name what to trace: a call pattern (module.fn), messages or process events' });
    // The node refuses more too (patterns, pids, names), but only once the stream is open, where the page's check cannot read it.
    const lists = traceListsRefusal(spec);
    if (lists !== undefined) return send(res, 400, { error: lists });
    // The page checks first (?check=1): a browser's event stream cannot read a refusal's sentence, a fetch can.
    if (url.searchParams.get('check') === '1') return send(res, 200, { ok: true });
    const release = admitStream(req, res);
    if (!release) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    let closed = false;
    const out = eventWriter(res);
    let handle: Awaited<ReturnType<Connection['trace']>> | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      release();
      streams.delete(stop);
      void handle?.stop();
      res.end();
    };
    streams.add(stop);
    req.on('close', stop);
    try {
      const conn = await observed.connection();
      if (closed) return;
      handle = await conn.trace(spec, (e) => {
        if (!closed) out.sample('trace', e);
      });
      if (closed) return void handle.stop();
      out.always('started', { session: handle.session, functions: handle.functions, processes: handle.processes });
      const summary = await handle.done;
      // `unsent`: events the node sent that the page did not read in time for (its stream's backlog was full).
      if (!closed) out.always('done', { ...summary, unsent: out.dropped });
    } catch (error) {
      if (!closed) out.always('failure', { error: notAnswering(observed.node, error) ?? (error instanceof Error ? error.message : String(error)) });
    }
    stop();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://observer');
    } catch {
      // A request line no URL parser reads (`GET http://[::1 HTTP/1.1`) is the request's fault: a 400 naming it, not the server's 500.
      return send(res, 400, { error: `'${(req.url ?? '').slice(0, 80)}' is not a path this observer serves: open the URL otp observer printed` });
    }
    const refused = foreign(req, options.https ? 'https' : 'http', options.host, (server.address() as AddressInfo).port);
    if (refused) return send(res, refused.status, { error: refused.error });
    if (!authorised(req, url)) return send(res, 401, { error: 'this observer needs its token: open the URL otp observer printed (it ends in ?token=...)' });
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      assets ??= await pageAssets();
      return send(res, 200, assets.html(token), 'text/html; charset=utf-8');
    }
    if (path === '/app.js' || path === '/app.css') {
      assets ??= await pageAssets();
      return send(res, 200, path === '/app.js' ? assets.js : assets.css, path === '/app.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    }
    if (path === '/api/live') return liveStream(req, res);
    if (path === '/api/trace') return trace(req, res, url);
    // Its own routes only: '/api/constructor' or '/api/__proto__' must not reach what every object inherits.
    const fn = path.startsWith('/api/') && Object.hasOwn(api, path.slice(5)) ? api[path.slice(5)] : undefined;
    if (!fn) return send(res, 404, { error: `no ${path} here` });
    const mutates = path === '/api/act' || path === '/api/switch';
    if (mutates !== (req.method === 'POST')) return send(res, 405, { error: `${path} takes ${mutates ? 'POST' : 'GET'}` });
    const node = source.node;
    if (inFlight >= MAX_IN_FLIGHT) {
      refusal(`observer: refused ${path}: ${inFlight} requests are waiting for ${node}'s answers, the most the observer keeps`);
      return send(res, 503, { error: `${inFlight} requests are waiting for ${node}'s answers, the most this observer keeps: it may be hung or slow; wait for them, or ask again in a few seconds`, node });
    }
    // The body is read before the request takes one of the slots: a slow body holds its connection (for at most
    // SLOW_CLIENT_MS), never a slot the page's requests need.
    const body = mutates ? await readBody(req).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))) : {};
    if (body instanceof Error) return send(res, body instanceof ObserverError ? body.status : 400, { error: body.message });
    inFlight++;
    try {
      send(res, 200, await fn(url, body));
    } catch (error) {
      const gone = path === '/api/switch' ? undefined : notAnswering(node, error);
      if (gone) return send(res, 503, { error: gone, down: true, node });
      send(res, error instanceof ObserverError ? error.status : 502, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      inFlight--;
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (pipelinedTooFar(req, res)) return;
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  };
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  let server: Server;
  let dropWaiting = (): void => {};
  try {
    // A certificate or key that cannot be used throws here: the node is left before the error goes up.
    // A request with no Host is answered by foreign(), with a sentence, not by Node's bare 400.
    server = options.https ? createHttpsServer({ cert: options.https.cert, key: options.https.key, requireHostHeader: false, handshakeTimeout: slowMs }, listener) : createHttpServer({ requireHostHeader: false }, listener);
    // Plain HTTP on the HTTPS port is answered with a sentence, not dropped by TLS unseen.
    if (options.https) dropWaiting = answerPlainHttp(server, slowMs, () => `this observer serves HTTPS only, not plain HTTP: open https://${hostPart}:${(server.address() as AddressInfo).port}/ (the URL otp observer printed, with its token)`, (address) => refusal(`observer: ${address} sent plain HTTP to the HTTPS port; it was answered 400 saying to use https`));
    await listen(server, options.port, options.host, options.log ?? (() => {}));
  } catch (error) {
    observed?.close();
    throw error;
  }
  shedIdleConnections(server, MAX_CONNECTIONS);
  closeStalledConnections(server, STALL_MS);
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.https ? 'https' : 'http'}://${hostPart}:${port}/?token=${token}`,
    token,
    node: () => source.node,
    close: async () => {
      for (const stop of Array.from(streams)) stop();
      dropWaiting();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      observed?.close();
    },
  };
}

// Listens; afterwards an error of the server (an accept failing at EMFILE) must not end the observer, as it would with
// no listener: running out of descriptors is said by the watcher, any other error in a line (at most one a second).
async function listen(server: Server, port: number, host: string, log: (line: string) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  keepServing([server], 'observer', log);
  // Out of file descriptors, the OS's connections are closed as they arrive, unseen: one sentence says so.
  server.once('close', watchDescriptors('observer', log));
}

// Whether the request has a body not read whole (announced by its content-length or sent in chunks).
function bodyLeft(req: IncomingMessage): boolean {
  return !req.complete && (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined);
}

// Ends a request whose body is not taken: its answer says `connection: close` (a client must not send the next
// request on it), and once it left the socket is no longer read and is ended, then destroyed a second later. Node
// would destroy it at once, and with the body's rest unread that resets the connection: the client can lose the answer.
function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  const socket = req.socket as Socket & { destroySoon?: () => void };
  socket.destroySoon = () => {
    socket.pause();
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}

// The most connections the observer holds open: a page uses a handful (its event streams and a few requests), and the
// process's file descriptors (often 1024) must last; past it, idle ones are closed, the longest idle first.
const MAX_CONNECTIONS = 256;

// How long a connection's answer may wait with nothing of it taken by the client before the connection is closed: a
// page reads what it is sent (a slow network still drains some), a client that sends requests and never reads
// their answers would otherwise keep its connection (a file descriptor, and the answers) for as long as it likes.
const STALL_MS = 20_000;

// Closes each connection whose output has waited STALL_MS with none of it drained (checked a few times a period). Only
// a connection with output waiting counts: an idle one, or an event stream with nothing to say, is never closed for this.
function closeStalledConnections(server: Server, stallMs: number): void {
  const watched = new Map<Socket, { drained: string; since: number }>();
  // What the client has taken so far: the writes done, and what remains of the one under way.
  const drained = (s: Socket) => `${s.bytesWritten - s.writableLength}:${String((s as Socket & { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize)}`;
  server.on('request', (req: IncomingMessage) => {
    const { socket } = req;
    if (watched.has(socket)) return;
    watched.set(socket, { drained: drained(socket), since: Date.now() });
    socket.once('close', () => watched.delete(socket));
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [socket, seen] of watched) {
      const d = drained(socket);
      if (socket.writableLength === 0 || d !== seen.drained) {
        seen.drained = d;
        seen.since = now;
      } else if (now - seen.since >= stallMs) {
        watched.delete(socket);
        socket.destroy();
      }
    }
  }, stallMs / 4);
  timer.unref();
  server.once('close', () => clearInterval(timer));
}

// The most requests one connection may have waiting for their answers to leave: a page asks one at a time, but a
// client sending requests back to back (pipelined) and reading none of the answers would have them all kept.
const MAX_PIPELINED = 32;
const waitingAnswers = new WeakMap<Socket, number>();

// Counts `req` among its connection's requests not answered yet; past MAX_PIPELINED, the connection is closed.
function pipelinedTooFar(req: IncomingMessage, res: ServerResponse): boolean {
  const { socket } = req;
  const waiting = (waitingAnswers.get(socket) ?? 0) + 1;
  waitingAnswers.set(socket, waiting);
  res.once('close', () => waitingAnswers.set(socket, (waitingAnswers.get(socket) ?? 1) - 1));
  if (waiting <= MAX_PIPELINED) return false;
  socket.destroy();
  return true;
}

/**
 * Keeps the server reachable under a flood of connections that send nothing (or never finish their request): past
 * `max` open connections, the one idle longest (no request being answered on it) is closed, so the file descriptors
 * never run out and a page connecting afterwards is served, not locked out until the header timeout. A connection
 * answering a request (an event stream included) is never closed for this.
 */
function shedIdleConnections(server: Server, max: number): void {
  // The idle connections, longest idle first; keyed by the peer's address and port, which a TLS request's socket shares with its TCP one.
  const idle = new Map<string, Socket>();
  const open = new Set<Socket>();
  const key = (s: Socket) => `${s.remoteAddress ?? ''}:${s.remotePort ?? ''}`;
  server.on('connection', (socket: Socket) => {
    const k = key(socket);
    open.add(socket);
    idle.set(k, socket);
    socket.once('close', () => {
      open.delete(socket);
      if (idle.get(k) === socket) idle.delete(k);
    });
    for (const [oldest, s] of idle) {
      if (open.size <= max || s === socket) break;
      idle.delete(oldest);
      open.delete(s);
      s.destroy();
    }
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const k = key(req.socket);
    const socket = idle.get(k);
    if (socket === undefined) return;
    idle.delete(k);
    res.once('close', () => {
      if (!socket.destroyed) idle.set(k, socket);
    });
  });
}

// The deepest a message sent to the node may be: the distribution codec refuses past 64 levels, and the request around the message takes some of them.
const MESSAGE_DEPTH = 48;

// Whether a parsed JSON value nests more than `limit` arrays or objects (it stops looking there).
function nestedDeeper(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(value).some((v) => nestedDeeper(v, limit - 1));
}

// The process table's sort keys (the runtime's ObservedSort), the first the default.
const SORTS = ['pid', 'name', 'label', 'current', 'mailbox', 'memory', 'reductions', 'links', 'status'];

// A whole number >= 0 from the query (`dflt` when absent); anything else is the request's fault, a 400 naming it.
function count(url: URL, name: string, dflt: number): number {
  const text = url.searchParams.get(name);
  if (text === null) {
    if (Number.isNaN(dflt)) throw new ObserverError(400, `${name} is missing: give it as a whole number, e.g. ?${name}=0`);
    return dflt;
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new ObserverError(400, `${name} '${text.slice(0, 40)}' is not a whole number >= 0`);
  return n;
}

// One of `allowed` from the query (the first when absent); anything else is a 400 naming the choices.
function oneOf(url: URL, name: string, allowed: readonly string[]): string {
  const text = url.searchParams.get(name) ?? allowed[0]!;
  if (!allowed.includes(text)) throw new ObserverError(400, `${name} '${text.slice(0, 40)}' is not one of ${allowed.join(', ')}`);
  return text;
}
