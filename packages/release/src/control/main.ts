// The start script's program (bin/<name>.mjs): boots the release, or talks to its running node over
// distribution with the release's cookie. It needs nothing of the project: only the release root.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { bootRelease, createNode, permanentVersion, readNodeArgs, readReleases, readVersion, rpc, BadRpc, type DistributionTls, type OtpNode } from '@otp-ts/runtime';
import { unpack } from './unpack.js';
import { formatReport } from './report.js';

const root = process.env.OTP_RELEASE_ROOT ?? dirname(dirname(fileURLToPath(import.meta.url)));
const program = fileURLToPath(import.meta.url);

/** A failure the script reports in one line, with the exit code (1: the work failed, 2: bad usage or input). */
class ScriptError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

const commands: Record<string, { args: string; help: string; run: (args: string[]) => Promise<number> }> = {
  foreground: { args: '[--vsn VSN]', help: 'boot the release in this terminal (Ctrl-C stops it in order)', run: foreground },
  daemon: { args: '', help: 'boot the release in the background; logs go to log/, the pid to run/', run: daemon },
  stop: { args: '', help: 'stop the running node in order (applications in reverse start order)', run: stop },
  restart: { args: '', help: "restart the running node's applications without restarting the node", run: restart },
  ping: { args: '', help: 'pong when the node runs and answers, pang otherwise', run: ping },
  pid: { args: '', help: "the running node's OS process id", run: pid },
  remote: { args: '', help: 'a REPL evaluating JavaScript inside the running node', run: remote },
  rpc: { args: 'MODULE FN [JSON-ARGS]', help: "run a module's function on the node and print the result as JSON", run: rpcCommand },
  eval: { args: 'CODE', help: 'evaluate a JavaScript expression inside the node (ctx and the runtime API in scope)', run: evalCommand },
  versions: { args: '', help: 'the installed versions, which is permanent and which runs', run: versions },
  unpack: { args: 'VSN|FILE.tar.gz', help: 'unpack a release tarball (from releases/ or a path) beside the installed versions', run: unpackCommand },
  upgrade: { args: 'VSN|FILE.tar.gz', help: 'hot-upgrade the running node to VSN (unpacked first if needed), then make it permanent', run: (a) => installCommand(a, 'upgrade') },
  downgrade: { args: 'VSN', help: 'hot-downgrade the running node to an earlier installed VSN', run: (a) => installCommand(a, 'downgrade') },
  help: { args: '', help: 'this list', run: help },
};

async function releaseName(): Promise<string> {
  return (await readReleases(root)).name;
}

async function help(): Promise<number> {
  const name = await releaseName().catch(() => 'release');
  const width = Math.max(...Object.entries(commands).map(([c, d]) => `${c} ${d.args}`.length));
  process.stdout.write(`Usage: bin/${name} COMMAND\n\n${Object.entries(commands).map(([c, d]) => `  ${`${c} ${d.args}`.padEnd(width)}  ${d.help}`).join('\n')}\n\nExamples:\n  bin/${name} daemon && bin/${name} ping\n  bin/${name} upgrade 0.2.0\n`);
  return 0;
}

// The node name, cookie and TLS files clients use: those of the permanent version (they stay the same across versions).
async function target(): Promise<{ name: string; node: string; cookie: string; tls?: DistributionTls; vsn: string }> {
  const releases = await readReleases(root);
  const vsn = permanentVersion(releases) ?? releases.releases.at(-1)?.vsn;
  if (!vsn) throw new ScriptError(`${root} has no installed version: build one with otp release`, 2);
  // Only node.args: a client needs the node's name and cookie, not the variables its sys.config wants.
  const nodeArgs = await readNodeArgs(root, vsn, process.env);
  if (!nodeArgs.name || !nodeArgs.cookie) throw new ScriptError(`releases/${vsn}/node.args sets no --name and --setcookie, so the node cannot be reached: add them and rebuild`, 2);
  return { name: releases.name, node: nodeArgs.name, cookie: nodeArgs.cookie, ...(nodeArgs.tls ? { tls: nodeArgs.tls } : {}), vsn };
}

/** The client's hidden node, with node.args' cookie and TLS files; `refusal()` is why its last attempt to reach the release's node failed. */
interface ToolNode {
  node: OtpNode;
  refusal(): string | undefined;
}

async function withToolNode<T>(work: (tool: ToolNode, t: Awaited<ReturnType<typeof target>>) => Promise<T>): Promise<T> {
  const t = await target();
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: `${t.name}_ctl_${process.pid}@${t.node.split('@')[1]}`, cookie: t.cookie, hidden: true, log: () => {}, ...(t.tls ? { tls: t.tls } : {}) });
  // The distribution's own sentence for a refusal (another cookie, --proto, a certificate); none when the node is simply not running.
  const refusal = (): string | undefined => {
    const failure = node.dist?.connectFailure(t.node);
    return failure && failure.reason !== 'unknown' && failure.reason !== 'unreachable' ? failure.message.replace(/^distribution: /, '') : undefined;
  };
  try {
    return await work({ node, refusal }, t);
  } finally {
    node.shutdown();
  }
}

// The node refused this client and its distribution said why, naming it (another cookie, --proto, a certificate), or it is not running.
function unreachable(t: { name: string; node: string }, why: string | undefined): ScriptError {
  return new ScriptError(why ?? `${t.node} is not running: start it with bin/${t.name} daemon`);
}

async function call(fn: string, module: string, args: unknown[] = [], timeoutMs = 30_000): Promise<unknown> {
  return withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    try {
      return await node.run((ctx) => rpc.call(ctx, t.node, module, fn, args, timeoutMs));
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error ? error.cause : error;
      if (reason instanceof BadRpc) throw new ScriptError(describe(reason.reason));
      throw error;
    }
  });
}

// The node's own sentence, without the wrapping of the rpc process that carried it.
function describe(reason: unknown): string {
  return String(reason instanceof Error ? reason.message : reason).replace(/^process <[\d.]+> exited: (\w*Error: )?/, '');
}

function pidFile(name: string): string {
  return join(root, 'run', `${name}.pid`);
}

async function foreground(args: string[]): Promise<number> {
  const vsnAt = args.indexOf('--vsn');
  const vsn = vsnAt >= 0 ? args[vsnAt + 1] : undefined;
  const releases = await readReleases(root);
  const files = await readVersion(root, vsn ?? permanentVersion(releases) ?? '', process.env);
  // Node.js flags from node.args apply to a fresh Node.js process: run one with them when they are
  // missing here, unless this one can still switch them on (source maps), which saves a process start.
  if (files.nodeArgs.nodeFlags.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
  const flags = files.nodeArgs.nodeFlags.filter((f) => f !== '--enable-source-maps' && !process.execArgv.includes(f));
  if (flags.length > 0 && process.env.OTP_RELEASE_CHILD !== '1') {
    const child = spawn(process.execPath, [...files.nodeArgs.nodeFlags, program, 'foreground', ...args], { stdio: 'inherit', env: { ...process.env, OTP_RELEASE_CHILD: '1' } });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  }
  return new Promise<number>((resolve, reject) => {
    bootRelease({
      root,
      vsn,
      onStop: (reason) => {
        rmSync(pidFile(releases.name), { force: true });
        resolve(reason === 'stop' ? 0 : 1);
      },
    }).then((booted) => {
      mkdirSync(join(root, 'run'), { recursive: true });
      writeFileSync(pidFile(releases.name), `${process.pid}\n`);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void booted.stop('stop'));
    }, reject);
  });
}

async function daemon(): Promise<number> {
  const t = await target();
  const files = await readVersion(root, t.vsn, process.env);
  if (await isUp()) throw new ScriptError(`${t.node} is already running: stop it first (bin/${t.name} stop)`);
  mkdirSync(join(root, 'log'), { recursive: true });
  const logFile = join(root, 'log', `${t.name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...files.nodeArgs.nodeFlags, program, 'foreground'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, OTP_RELEASE_CHILD: '1', OTP_RELEASE_ROOT: root },
  });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
      throw new ScriptError(`${t.name} did not start (exit code ${exited}); the end of ${logFile}:\n${tail}`);
    }
    if (await isUp()) {
      process.stdout.write(`started ${t.name} ${t.vsn} as ${t.node} (os pid ${child.pid}); logs in log/${t.name}.log\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ScriptError(`${t.name} did not answer within 30 s: see log/${t.name}.log`);
}

function isUp(): Promise<boolean> {
  return withToolNode(({ node }, t) => node.ping(t.node));
}

async function ping(): Promise<number> {
  return withToolNode(async ({ node, refusal }, t) => {
    const up = await node.ping(t.node);
    process.stdout.write(`${up ? 'pong' : 'pang'}\n`);
    const why = up ? undefined : refusal();
    if (why) process.stderr.write(`${t.name}: ${why}\n`);
    return up ? 0 : 1;
  });
}

async function pid(): Promise<number> {
  process.stdout.write(`${await call('pid', 'release_handler')}\n`);
  return 0;
}

async function stop(): Promise<number> {
  const osPid = (await call('pid', 'release_handler')) as number;
  await call('stop', 'release_handler');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!alive(osPid)) {
      process.stdout.write('stopped\n');
      return 0;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new ScriptError(`the node (os pid ${osPid}) is still running 60 s after stop: see log/`);
}

// Whether an OS process still runs: an exited one waiting to be reaped (a zombie, when the node's
// parent was the daemon command that has already exited) counts as gone.
function alive(osPid: number): boolean {
  try {
    process.kill(osPid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${osPid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function restart(): Promise<number> {
  const apps = (await call('restart', 'release_handler', [], 120_000)) as string[];
  process.stdout.write(`restarted ${apps.join(', ')}\n`);
  return 0;
}

async function rpcCommand(args: string[]): Promise<number> {
  const [module, fn, json] = args;
  if (!module || !fn) throw new ScriptError('rpc needs MODULE FN [JSON-ARGS], e.g. rpc otp processCount', 2);
  let parsed: unknown = [];
  if (json !== undefined) {
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ScriptError(`the arguments ${json} are not JSON: give a JSON array, e.g. '[1, "two"]'`, 2);
    }
    if (!Array.isArray(parsed)) throw new ScriptError(`the arguments must be a JSON array: wrap them, '[${json}]'`, 2);
  }
  process.stdout.write(`${JSON.stringify(await call(fn, module, parsed as unknown[]), null, 2) ?? 'undefined'}\n`);
  return 0;
}

async function evalCommand(args: string[]): Promise<number> {
  if (args.length === 0) throw new ScriptError(`eval needs JavaScript, e.g. eval "processes().length"`, 2);
  process.stdout.write(`${await call('eval', 'otp', [args.join(' ')])}\n`);
  return 0;
}

async function remote(): Promise<number> {
  return withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    process.stdout.write(`connected to ${t.node}; JavaScript runs inside it (ctx, processes(), whereis(), the runtime API); .exit or Ctrl-D leaves\n`);
    const lines = createInterface({ input: process.stdin, output: process.stdout, prompt: `${t.node}> `, terminal: process.stdin.isTTY });
    lines.prompt();
    for await (const line of lines) {
      if (line.trim() === '.exit') break;
      if (line.trim() !== '') {
        try {
          process.stdout.write(`${await node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'eval', [line]))}\n`);
        } catch (error) {
          const reason = error instanceof Error && 'cause' in error ? error.cause : error;
          process.stdout.write(`** ${reason instanceof BadRpc ? describe(reason.reason) : (error as Error).message}\n`);
        }
      }
      lines.prompt();
    }
    return 0;
  });
}

async function versions(): Promise<number> {
  let running: string | undefined;
  try {
    running = ((await call('versions', 'release_handler')) as { running: string }).running;
  } catch {
    running = undefined;
  }
  const releases = await readReleases(root);
  for (const r of releases.releases) process.stdout.write(`${r.vsn.padEnd(12)} ${r.status}${r.vsn === running ? ' (running)' : ''}\n`);
  return 0;
}

async function unpackCommand(args: string[]): Promise<number> {
  if (!args[0]) throw new ScriptError('unpack needs a version or a tarball, e.g. unpack 0.2.0', 2);
  const vsn = await unpackIfNeeded(args[0]);
  process.stdout.write(`unpacked ${vsn}: install it with upgrade ${vsn}\n`);
  return 0;
}

async function unpackIfNeeded(what: string): Promise<string> {
  try {
    return await unpack(root, what);
  } catch (error) {
    throw new ScriptError((error as Error).message, 2);
  }
}

async function installCommand(args: string[], verb: 'upgrade' | 'downgrade'): Promise<number> {
  if (!args[0]) throw new ScriptError(`${verb} needs a version, e.g. ${verb} 0.2.0`, 2);
  const vsn = verb === 'upgrade' ? await unpackIfNeeded(args[0]) : args[0];
  const started = performance.now();
  const report = await call('install', 'release_handler', [vsn], 300_000);
  process.stdout.write(`${formatReport(report as Parameters<typeof formatReport>[0], performance.now() - started)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  const entry = commands[command];
  if (!entry) {
    process.stderr.write(`unknown command '${command}': use one of ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  if (!existsSync(join(root, 'releases', 'RELEASES.json'))) {
    process.stderr.write(`${root} is not a release root (no releases/RELEASES.json): run the start script of a release built by otp release\n`);
    return 2;
  }
  return (await entry.run(args)) as number;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const name = (() => {
      try {
        return (JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { name: string }).name;
      } catch {
        return 'release';
      }
    })();
    process.stderr.write(`${name}: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(error instanceof ScriptError ? error.exitCode : error instanceof Error && error.name === 'ReleaseConfigError' ? 2 : 1);
  },
);
