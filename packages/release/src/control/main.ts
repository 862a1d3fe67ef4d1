// The start script's program (bin/<name>.mjs): boots the release, or talks to its running node over
// distribution with the release's cookie. It needs nothing of the project: only the release root.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rpc, BadRpc } from '@otp-ts/runtime';
import { bootRelease, permanentVersion, readReleases, readVersion, versionVariables, colours } from '@otp-ts/runtime/tools';
import { unpack } from './unpack.js';
import { formatReport } from './report.js';
import { alive, call, describe, pidFile, program, renderScriptError, root, ScriptError, sleep, target, unreachable, withToolNode } from './client.js';
import { daemon, heartCommand } from './daemon.js';
import { liveHeart } from './heart.js';
import { evalFlags, type EvalFlags } from './eval-flags.js';
import { parseCommandLine, styleHelp, type ProgramSpec } from '../command/adapter.js';
import type { ArgsOf, CommandSpec, OptionSpec, PositionalSpec } from '../command/spec.js';

const evalOptions = [
  { name: 'eval-timeout', type: 'string', value: 'MS', description: 'how long a line may run before its first await, in ms (default 1000, or OTP_EVAL_TIMEOUT)' },
  { name: 'eval-await-timeout', type: 'string', value: 'MS', description: 'how long a line may take in all, awaits included, in ms (default 30000, or OTP_EVAL_AWAIT_TIMEOUT)' },
] as const satisfies readonly OptionSpec[];
const probeOption = [{ name: 'probe-ms', type: 'number', value: 'MS', description: 'how long to watch the node after the swap before making it permanent (default 2000)' }] as const satisfies readonly OptionSpec[];
const none = [] as const;

/** A command of the start script: its tables (the shared adapter parses and checks them) and what it runs. */
interface ScriptCommand<O extends readonly OptionSpec[] = readonly OptionSpec[], P extends readonly PositionalSpec[] = readonly PositionalSpec[]> extends CommandSpec<O, P> {
  run(args: ArgsOf<O, P>): Promise<number>;
}
const command = <const O extends readonly OptionSpec[], const P extends readonly PositionalSpec[]>(c: ScriptCommand<O, P>): ScriptCommand => c as unknown as ScriptCommand;

// The commands' examples say bin/NAME: scriptProgram puts the release's name in.
const commands: readonly ScriptCommand[] = [
  command({ name: 'foreground', description: 'boot the release in this terminal (Ctrl-C stops it in order)', positionals: none, options: [{ name: 'vsn', type: 'string', value: 'VSN', description: 'boot this installed version instead of the permanent one' }], examples: [{ command: 'bin/NAME foreground', description: 'run the node in this terminal' }], run: ({ vsn }) => foreground(vsn) }),
  command({ name: 'daemon', description: 'boot the release in the background; logs go to log/, the pid to run/', positionals: none, options: [{ name: 'heart', type: 'boolean', description: 'restart it when it dies or hangs (as -heart in node.args)' }], examples: [{ command: 'bin/NAME daemon && bin/NAME ping', description: 'start the node and check it answers' }, { command: 'bin/NAME daemon --heart', description: 'restarted within seconds if it dies (kill -9) or answers no ping for HEART_BEAT_TIMEOUT s' }], run: ({ heart }) => daemon({ heart }) }),
  command({ name: 'stop', description: 'stop the running node in order (applications in reverse start order)', positionals: none, options: none, examples: [{ command: 'bin/NAME stop', description: 'stop the node' }], run: stop }),
  command({ name: 'restart', description: "restart the running node's applications without restarting the node", positionals: none, options: none, examples: [{ command: 'bin/NAME restart', description: 'restart the applications' }], run: restart }),
  command({ name: 'ping', description: 'pong when the node runs and answers, pang otherwise', positionals: none, options: none, examples: [{ command: 'bin/NAME ping', description: 'pong, or pang (exit 1)' }], run: ping }),
  command({ name: 'pid', description: "the running node's OS process id", positionals: none, options: none, examples: [{ command: 'bin/NAME pid', description: "the node's OS pid" }], run: pid }),
  command({ name: 'remote', description: 'a REPL evaluating JavaScript inside the running node, with the shell helpers in scope', positionals: none, options: evalOptions, examples: [{ command: 'bin/NAME remote', description: 'then e.g. processes().length; q() leaves' }], run: remote }),
  command({ name: 'rpc', description: "run a module's function on the node and print the result as JSON", positionals: [{ name: 'module', description: 'the module, e.g. otp or shop/shop_server', required: true }, { name: 'fn', description: 'the exported function', required: true }, { name: 'json-args', description: "the arguments as a JSON array, e.g. '[1, \"two\"]'" }], options: none, examples: [{ command: 'bin/NAME rpc otp processCount', description: 'how many processes the node runs' }], run: rpcCommand }),
  command({ name: 'eval', description: 'evaluate a JavaScript expression inside the node (ctx and the runtime API in scope), bounded as remote', positionals: [{ name: 'code', description: 'the JavaScript, its words joined with spaces', required: true, variadic: true }], options: evalOptions, examples: [{ command: 'bin/NAME eval "processes().length"', description: 'how many processes the node runs' }], run: evalCommand }),
  command({ name: 'versions', description: 'the installed versions, which is permanent and which runs', positionals: none, options: none, examples: [{ command: 'bin/NAME versions', description: 'one line per installed version' }], run: versions }),
  command({ name: 'unpack', description: 'unpack a release tarball (from releases/ or a path) beside the installed versions', positionals: [{ name: 'release', description: 'a version in releases/, or a path to NAME-VSN.tar.gz', required: true }], options: none, examples: [{ command: 'bin/NAME unpack 0.2.0', description: 'unpack releases/NAME-0.2.0.tar.gz' }], run: ({ release }) => unpackCommand(release) }),
  command({ name: 'upgrade', description: 'hot-upgrade the running node to a version (unpacked first if needed), watch it, then make it permanent', positionals: [{ name: 'release', description: 'a version, or a path to NAME-VSN.tar.gz', required: true }], options: probeOption, examples: [{ command: 'bin/NAME upgrade 0.2.0', description: 'upgrade the running node to 0.2.0' }], run: ({ release, 'probe-ms': probeMs }) => installCommand(release, probeMs, 'upgrade') }),
  command({ name: 'downgrade', description: 'hot-downgrade the running node to an earlier installed version the same way', positionals: [{ name: 'vsn', description: 'an installed version', required: true }], options: probeOption, examples: [{ command: 'bin/NAME downgrade 0.1.0', description: 'back to 0.1.0' }], run: ({ vsn, 'probe-ms': probeMs }) => installCommand(vsn, probeMs, 'downgrade') }),
  // Run by the start script itself, not by people: the heart process that `daemon --heart` starts.
  command({ name: 'heart', hidden: true, description: 'the watchdog daemon --heart starts', positionals: none, options: none, examples: [{ command: 'bin/NAME daemon --heart', description: 'starts it' }], run: heartCommand }),
];

async function releaseName(): Promise<string> {
  return (await readReleases(root)).name;
}

/** The start script as the shared adapter sees it: `bin/<name>` and its commands, the release's name in the examples. */
function scriptProgram(name: string): ProgramSpec<ScriptCommand> {
  const named = (text: string) => text.replaceAll('NAME', name);
  return {
    name: `bin/${name}`,
    tagline: `The start script of the ${name} release: boots it, or talks to its running node with the release's cookie.`,
    epilogue: `Run \`bin/${name} <command> --help\` for a command's options. Exit codes: 0 success, 1 the work failed, 2 bad usage or input.`,
    commands: commands.map((c) => ({ ...c, examples: c.examples.map((e) => ({ command: named(e.command), description: named(e.description) })) as unknown as ScriptCommand['examples'] })),
    globalOptions: [],
  };
}

async function foreground(vsn: string | undefined): Promise<number> {
  const args = vsn === undefined ? [] : ['--vsn', vsn];
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
  const t = await target();
  const heart = liveHeart(root, t.name, program);
  // Under a heart, stop goes through it: told first, it stops the node in order and does not restart it.
  const osPid = heart === undefined ? ((await call('pid', 'release_handler')) as number) : ((await call('pid', 'release_handler').catch(() => undefined)) as number | undefined);
  if (heart === undefined) await call('stop', 'release_handler');
  else process.kill(heart, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((osPid === undefined || !alive(osPid)) && (heart === undefined || !alive(heart))) {
      process.stdout.write('stopped\n');
      return 0;
    }
    await sleep(25);
  }
  throw new ScriptError(`the node (os pid ${osPid ?? '–'}${heart === undefined ? '' : `, its heart os pid ${heart}`}) is still running 60 s after stop: see log/`);
}

async function restart(): Promise<number> {
  const apps = (await call('restart', 'release_handler', [], 120_000)) as string[];
  process.stdout.write(`restarted ${apps.join(', ')}\n`);
  return 0;
}

async function rpcCommand({ module, fn, 'json-args': json }: { module: string; fn: string; 'json-args': string | undefined }): Promise<number> {
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

async function evalCommand(args: EvalFlags & { code: string[] }): Promise<number> {
  const { bounds, replyMs } = evalFlags(args);
  process.stdout.write(`${await call('eval', 'otp', [args.code.join(' '), bounds], replyMs)}\n`);
  return 0;
}

async function remote(args: EvalFlags): Promise<number> {
  const { bounds, replyMs } = evalFlags(args);
  return withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    process.stdout.write(`connected to ${t.node}; JavaScript runs inside it with the shell's helpers (call, whereis, sys, ctx, … help() lists them); q() or Ctrl-D leaves\n`);
    const lines = createInterface({ input: process.stdin, output: process.stdout, prompt: `${t.node}> `, terminal: process.stdin.isTTY });
    // Ctrl-C while a line is awaited stops waiting for it (the node bounds the line itself); at the prompt it leaves.
    let interrupt: (() => void) | undefined;
    lines.on('SIGINT', () => (interrupt ? interrupt() : lines.close()));
    lines.prompt();
    for await (const line of lines) {
      if (['q()', '.exit', 'exit', 'quit'].includes(line.trim())) break;
      if (line.trim() !== '') {
        const interrupted = new Promise<never>((_, reject) => (interrupt = () => reject(new Error('interrupted: no longer waiting for that line (the node stops it within its bounds)'))));
        try {
          process.stdout.write(`${await Promise.race([node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'eval', [line, bounds], replyMs)), interrupted])}\n`);
        } catch (error) {
          const reason = error instanceof Error && 'cause' in error ? error.cause : error;
          process.stdout.write(`** ${reason instanceof BadRpc ? describe(reason.reason) : (error as Error).message}\n`);
        } finally {
          interrupt = undefined;
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

async function unpackCommand(what: string): Promise<number> {
  const vsn = await unpackIfNeeded(what);
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

// The variables the version's sys.config.json and node.args use, from this shell: the node substitutes
// them, not its boot environment's. Only those cross to the node (not the shell's other secrets).
async function commandEnv(vsn: string, verb: string): Promise<Record<string, string>> {
  const vars = await versionVariables(root, vsn);
  const missing = vars.find((v) => v.required && !process.env[v.name]);
  if (missing) throw new ScriptError(`${missing.file} needs $${missing.name}, which is not set in this shell: export it and run ${verb} again`, 2);
  return Object.fromEntries(vars.filter((v) => process.env[v.name]).map((v) => [v.name, process.env[v.name]!]));
}

// The node's OS process ended while it installed: say so, with the end of its log.
function nodeDied(t: { name: string; node: string; vsn: string }, osPid: number, verb: string, vsn: string): ScriptError {
  const logFile = join(root, 'log', `${t.name}.log`);
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-10).join('\n') : `(no log/${t.name}.log: the node was not started with daemon)`;
  return new ScriptError(`${t.node} (os pid ${osPid}) died during the ${verb} to ${vsn}; ${t.vsn} is still permanent and is what the next boot starts (bin/${t.name} daemon); the end of log/${t.name}.log:\n${tail}`);
}

async function installCommand(what: string, probeMs: number | undefined, verb: 'upgrade' | 'downgrade'): Promise<number> {
  if (probeMs !== undefined && !(Number.isInteger(probeMs) && probeMs >= 0)) throw new ScriptError(`--probe-ms needs a whole number of milliseconds, e.g. ${verb} ${what} --probe-ms 5000`, 2);
  const vsn = verb === 'upgrade' ? await unpackIfNeeded(what) : what;
  const env = await commandEnv(vsn, verb);
  const started = performance.now();
  const report = await withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    const osPid = (await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'pid', []))) as number;
    try {
      return await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'install', [vsn, { env, ...(probeMs !== undefined ? { probeMs } : {}) }], 300_000 + (probeMs ?? 0)));
    } catch (error) {
      if (!alive(osPid)) throw nodeDied(t, osPid, verb, vsn);
      const reason = error instanceof Error && 'cause' in error ? error.cause : error;
      if (reason instanceof BadRpc) throw new ScriptError(describe(reason.reason));
      throw error;
    }
  });
  process.stdout.write(`${formatReport(report as Parameters<typeof formatReport>[0], performance.now() - started)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const name = await releaseName().catch(() => 'release');
  const line = await parseCommandLine(argv, scriptProgram(name));
  if ('help' in line) {
    process.stdout.write(styleHelp(line.help, colours(process.stdout).bold));
    return 0;
  }
  if (!existsSync(join(root, 'releases', 'RELEASES.json'))) {
    throw new ScriptError(`${root} is not a release root (no releases/RELEASES.json): run the start script of a release built by otp release`, 2);
  }
  return line.command.run(line.args as never);
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
    // A daemon's node tags its last words with its OS pid: the log it shares says which process failed.
    const who = process.env.OTP_RELEASE_DAEMON === '1' ? `${name} (os pid ${process.pid})` : name;
    process.exit(renderScriptError(error, who, process.stderr));
  },
);
