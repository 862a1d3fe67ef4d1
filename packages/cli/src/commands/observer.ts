import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { spawn } from 'node:child_process';
import { createSecureContext } from 'node:tls';
import { defineProvider } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import { connectTo, toOtpError } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption, toolNodeName } from '../project/node-connection.js';
import { startObserver } from '../observer/server.js';
import { dumpSource } from '../observer/dump-source.js';
import { readDump } from './crashdump.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new OtpError('usage', `cannot read ${flag} ${file}: give a PEM file`);
  }
}

// The certificate and key as the HTTPS server will use them, before the node is reached: one sentence naming the files.
function checkHttpsFiles(pem: { cert: string; key: string }, certFile: string, keyFile: string): void {
  try {
    createSecureContext(pem);
  } catch (error) {
    const why = error instanceof Error ? error.message.replace(/^error:[0-9A-F]+:/, '') : String(error);
    throw new OtpError('usage', `cannot serve HTTPS with --https-cert ${certFile} and --https-key ${keyFile} (${why}): give a PEM certificate and its unencrypted PEM key`);
  }
}

// Opens the URL in the desktop's browser, if there is one; a failure only means the user opens it by hand.
function openBrowser(url: string): void {
  const [cmd, ...args] = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  try {
    const child = spawn(cmd!, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser here: the printed URL is enough
  }
}

/** `otp observer NODE`: a live web view of a running node, served from the tool's process. */
export const observerCommand = defineProvider({
  name: 'observer',
  description: 'Open a live web view of a running node (overview, applications, processes, tables, trace, upgrades), or of a crash dump (--dump FILE), served locally with a one-time token.',
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host (or --dump FILE instead)', required: false }],
  options: [
    { name: 'dump', type: 'string', value: 'FILE', description: 'browse a crash dump (otp_crash.dump) instead of a node: its processes, applications and tables at death, read-only' },
    { name: 'port', type: 'number', value: 'P', default: 0, description: 'the port to serve on (default: a free one)' },
    { name: 'host', type: 'string', value: 'H', default: '127.0.0.1', description: 'the address to bind; anything but loopback needs --https-cert/--https-key or --insecure' },
    { name: 'open', type: 'boolean', description: "open the page in the desktop's browser (default when on a terminal; --no-open to only print the URL)" },
    { name: 'https-cert', type: 'string', value: 'FILE', description: 'serve HTTPS with this certificate (PEM)' },
    { name: 'https-key', type: 'string', value: 'FILE', description: 'the key of --https-cert (PEM)' },
    { name: 'insecure', type: 'boolean', description: 'allow plain HTTP on a non-loopback --host (the token then crosses the network in clear)' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp observer shop@127.0.0.1', description: 'serve the observer on a free local port and open it' },
    { command: 'otp observer shop@127.0.0.1 --port 8080 --no-open', description: 'serve on 8080 and only print the URL' },
    { command: 'otp observer --dump _build/prod/rel/shop/otp_crash.dump', description: 'browse the crash dump a node left when it died' },
  ],
  async run(args, io) {
    const host = String(args.host);
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OtpError('usage', `--port must be a whole number from 0 to 65535 (0 picks a free one), got '${String(args.port)}'`);
    if ((args['https-cert'] === undefined) !== (args['https-key'] === undefined)) throw new OtpError('usage', 'give both --https-cert and --https-key (PEM files) to serve HTTPS');
    const https = args['https-cert'] !== undefined ? { cert: readPem(String(args['https-cert']), '--https-cert'), key: readPem(String(args['https-key']), '--https-key') } : undefined;
    if (https) checkHttpsFiles(https, String(args['https-cert']), String(args['https-key']));
    if (!LOOPBACK.has(host) && !https && !args.insecure) {
      throw new OtpError('usage', `--host ${host} would serve the observer beyond this machine in clear: give --https-cert and --https-key, or --insecure to accept that`);
    }
    const dumpFile = args.dump === undefined ? undefined : String(args.dump);
    if (dumpFile !== undefined && args.node) throw new OtpError('usage', `give either a node (${args.node}) or --dump ${dumpFile}, not both`);
    if (dumpFile === undefined && !args.node) throw new OtpError('usage', 'give the node to observe, as name@host, or --dump FILE to browse a crash dump');
    let dump;
    if (dumpFile !== undefined) {
      const read = readDump(dumpFile);
      if (read.kind !== 'otp') throw new OtpError('usage', `${dumpFile} is Node.js' diagnostic report of a node that hit its heap limit, with no processes to browse: read it with otp crashdump ${dumpFile}`);
      dump = dumpSource(read.dump);
    }
    const tool = toolNodeName(args);
    const identity = `${userInfo().username}@${hostname()} via ${tool}`;
    let observer;
    try {
      observer = await startObserver({
        ...(dump ? { dump } : { node: String(args.node), connect: (node: string) => connectTo(io, node, args) }),
        host,
        port,
        identity,
        log: (line: string) => io.stderr.write(`${line}\n`),
        ...(https ? { https } : {}),
      });
    } catch (error) {
      if (error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new OtpError('failed', `port ${String(args.port)} on ${host} is in use: pick another with --port, or --port 0 for a free one`);
      throw toOtpError(error);
    }
    const what = dump ? `the crash dump of ${dump.node} (${dumpFile})` : String(args.node);
    io.stdout.write(`observing ${what} at ${observer.url}\n(the token in this URL is required for every request; Ctrl-C stops the observer)\n`);
    if (args.open ?? (io.stdout.isTTY === true)) openBrowser(observer.url);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await observer.close();
    return 0;
  },
});
