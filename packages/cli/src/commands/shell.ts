import { defineProvider } from '../cli/provider.js';
import { info } from '../cli/io.js';
import { findProject } from '../project/find.js';
import { watchProject } from '../project/watch.js';
import { startShell } from '../shell/session.js';
import { startFailure } from '../shell/start-failure.js';
import { evalOptionsFrom } from './remote-eval.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundedInput, checkConfigApps, checkNodeArgs, cookieOf, nodeNameOf, parseSysConfig } from '@otp-ts/release';
import { findApps } from '@otp-ts/compiler';
import { profileIsolation, setMessageIsolation } from '@otp-ts/runtime';
import { DEFAULT_EVAL_AWAIT_TIMEOUT_MS, DEFAULT_EVAL_TIMEOUT_MS, substituteEnv } from '@otp-ts/runtime/tools';
import { loadConfig } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import { OtpError } from '../errors/otp-error.js';
import { projectBuildDir } from '../project/cookie.js';
import { nodeConnectionOptions, resolveNodeConnection, resolveTls, toolNodeName } from '../project/node-connection.js';

/** `otp shell`: the project's applications booted in a REPL, hot-reloading on change with --watch. */
export const shellCommand = defineProvider({
  name: 'shell',
  description: "Boot the project's applications (dependencies first) in a REPL with the runtime's helpers; --watch hot-loads changed modules.",
  deps: ['compile'],
  positionals: [],
  options: [
    { name: 'watch', alias: 'w', type: 'boolean', description: 'recompile changed files and hot-load them into the running shell (codeChange runs in behaviour processes)' },
    { name: 'name', type: 'string', value: 'N', description: "make the shell's node a distributed node named N (name@host; host defaults to 127.0.0.1; default: the --name or --sname of config/node.args, as the release)" },
    { name: 'sname', type: 'string', value: 'N', description: "the same with a short name: the node is N@127.0.0.1" },
    { name: 'eval-timeout', type: 'string', value: 'MS', description: 'with piped input, stop a line that runs MS ms before its first await, as otp remote does (default: OTP_EVAL_TIMEOUT, then 1000); Ctrl-C stops a line at any time' },
    { name: 'eval-await-timeout', type: 'string', value: 'MS', description: 'once piped input has ended, abandon a line whose result has not come within MS ms and stop the shell (default: OTP_EVAL_AWAIT_TIMEOUT, then 30000)' },
    ...nodeConnectionOptions,
  ],
  examples: [
    { command: 'otp shell', description: "in a project made by otp new app shop, then: await call('shop_server', { op: 'bump', key: 'visits', by: 1 }), flush(), c(), q()" },
    { command: 'otp shell < checks.js', description: 'run every statement of a file and print each answer; exit 1 when any of them failed' },
    { command: 'otp shell --watch', description: 'edit a gen_server and see it upgraded in place' },
    { command: 'otp shell --name shop', description: 'a node other tools reach: otp ping shop@127.0.0.1' },
  ],
  // Before the compile it runs after: the project, the node's name and connection flags (the files they name), config/sys.config.json.
  check(args, io) {
    const { root } = findProject(io.cwd);
    const { name } = shellIdentity(args, root);
    if (name !== undefined) resolveTls(args, io);
    inputEndAwaitMs(args, io.env);
    pipedEvalTimeoutMs(args, io.env);
    shellConfig(root, {}, io.env);
  },
  async run(args, io) {
    const project = findProject(io.cwd);
    const { fromFile, name } = shellIdentity(args, project.root);
    const flags = { ...args, cookie: args.cookie ?? fromFile?.cookie };
    // The cookie otp ping and otp remote use for this node inside the project (its built release's) before ~/.otp-ts.cookie.
    const buildDir = name !== undefined && flags.cookie === undefined && io.env.OTP_COOKIE === undefined ? await projectBuildDir(io.cwd) : undefined;
    const distribution = name === undefined ? undefined : { name, ...resolveNodeConnection(flags, io, name, buildDir) };
    const dev = resolveConfig((await loadConfig(project.root)).config, 'dev');
    // The dev profile: messages are deep-frozen on delivery unless OTP_MESSAGE_ISOLATION=off (docs/runtime.md).
    setMessageIsolation(profileIsolation({ ...io.env, OTP_PROFILE: 'dev' }));
    // Piped input comes a bounded line at a time: a line past the bound ends the shell, exit 2 (a terminal bounds its own lines).
    let refused: string | undefined;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare
    const input = process.stdin.isTTY === true ? undefined : boundedInput(process.stdin, (why) => (refused = why));
    const config = shellConfig(project.root, dev.env, io.env);
    // As otp release refuses it: settings for an application the project lacks (a misspelt name) would leave the real one on its defaults.
    try {
      const apps = (await findApps(project.root)).map((a) => a.name);
      checkConfigApps(dev.env, apps, { file: join(project.root, 'otp.config.ts'), what: 'the env of otp.config.ts (profile dev)' });
      checkConfigApps(config, apps, { file: join(project.root, 'config', 'sys.config.json'), what: 'config/sys.config.json' });
    } catch (error) {
      throw new OtpError('badConfig', (error as Error).message, { cause: error });
    }
    const shell = await startShell({ input, inputEndAwaitMs: inputEndAwaitMs(args, io.env), evalTimeoutMs: input === undefined ? undefined : pipedEvalTimeoutMs(args, io.env), root: project.root, quiet: io.verbosity === 'quiet', distribution, build: dev.build, config }).catch((error: unknown) => {
      // The project's own code threw while booting: its error, not otp's.
      throw nameTaken(error, distribution?.name, fromFile !== undefined) ?? startFailure(error, project.root) ?? error;
    });
    if (args.watch) {
      const watcher = watchProject(project, () => shell.reload(), (error) => info(io, `reload failed: ${error.message}`));
      shell.closed.then(() => watcher.close()).catch(() => undefined);
      // q() may end the shell before the watcher is ready (lines typed ahead, a pipe): the closed watcher
      // never becomes ready, and waiting on it alone left the command's promise unsettled (exit 13).
      await Promise.race([watcher.ready.then(() => info(io, 'watching src/ for changes')), shell.closed]);
    }
    await shell.closed;
    // q() ends the shell even while stdin stays open (a pipe, a terminal): stop reading it.
    process.stdin.destroy();
    // A SIGINT reaching a piped shell ended it (its line stopped, its applications stopped), exit 130 as a piped otp remote.
    if (shell.signalled()) {
      io.stderr.write('otp: interrupted (SIGINT): the shell ends, its applications stopped\n');
      return 130;
    }
    if (refused !== undefined) throw new OtpError('usage', refused);
    // Piped, every statement ran, and the exit code says whether any failed, as otp remote's (a terminal's typos do not count).
    if (input === undefined || shell.tally.failed === 0) return 0;
    io.stderr.write(`otp: ${failedInShell(shell.tally)}\n`);
    return 1;
  },
});

// The stderr line of a piped otp shell some of whose statements failed; exit 1 goes with it.
function failedInShell({ failed, ran }: { failed: number; ran: number }): string {
  return `${failed} of ${ran} statement${ran === 1 ? '' : 's'} failed in the shell (each printed as Uncaught …), so the shell exits 1: fix them, or end a statement that may fail with .catch(() => …)`;
}

// How long a line may go without its result once the input has ended: --eval-await-timeout, then OTP_EVAL_AWAIT_TIMEOUT
// (as otp remote bounds its lines), then the default; a bad value is a usage error naming it.
function inputEndAwaitMs(args: { 'eval-await-timeout'?: string }, env: NodeJS.ProcessEnv): number {
  return evalOptionsFrom({ 'eval-await-timeout': args['eval-await-timeout'] }, { OTP_EVAL_AWAIT_TIMEOUT: env.OTP_EVAL_AWAIT_TIMEOUT }).awaitTimeoutMs ?? DEFAULT_EVAL_AWAIT_TIMEOUT_MS;
}

// How long a piped line may run before its first await: --eval-timeout, then OTP_EVAL_TIMEOUT, then otp remote's default.
function pipedEvalTimeoutMs(args: { 'eval-timeout'?: string }, env: NodeJS.ProcessEnv): number {
  return evalOptionsFrom({ 'eval-timeout': args['eval-timeout'] }, { OTP_EVAL_TIMEOUT: env.OTP_EVAL_TIMEOUT }).timeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS;
}

// The shell's node name (from --name, --sname or config/node.args, with its cookie there), or one sentence on the flags.
function shellIdentity(args: { name?: string; sname?: string; proto?: string; 'ssl-cert'?: string; 'ssl-key'?: string; 'ssl-ca'?: string }, root: string): { fromFile?: { name: string; cookie?: string }; name?: string } {
  const fromFile = args.name !== undefined || args.sname !== undefined ? undefined : nodeArgsIdentity(root);
  const named = args.name !== undefined || args.sname !== undefined || fromFile !== undefined;
  if (!named && (args.proto ?? args['ssl-cert'] ?? args['ssl-key'] ?? args['ssl-ca']) !== undefined) {
    throw new OtpError('usage', '--proto and --ssl-* take effect only with --name or --sname (or a name in config/node.args): add one');
  }
  return { fromFile, name: fromFile?.name ?? (named ? toolNodeName(args) : undefined) };
}

// The shell's node name held by another node on this host (the project's release runs under the same name), as the user's error.
function nameTaken(error: unknown, name: string | undefined, fromFile: boolean): OtpError | undefined {
  if (name === undefined || !(error instanceof Error) || !/refused to register .*the name is taken/.test(error.message)) return undefined;
  const given = fromFile ? ' (from config/node.args, which names the release too)' : '';
  return new OtpError('failed', `the shell's node name ${name}${given} is taken by a running node on this host: stop that node (a release: bin/<release> stop), or start the shell under another name: otp shell --sname ${name.split('@')[0]}_dev`, { cause: error });
}

// The node name (and cookie, if set) config/node.args gives, as the release's node takes them; undefined without a name there.
function nodeArgsIdentity(root: string): { name: string; cookie?: string } | undefined {
  const file = join(root, 'config', 'node.args');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  // Read as the release's node reads it: a misspelt --name would otherwise leave the shell unnamed, silently.
  try {
    checkNodeArgs(text, file);
  } catch (error) {
    throw new OtpError('badConfig', (error as Error).message, { location: { file }, cause: error });
  }
  const given = nodeNameOf(text);
  if (given.name === undefined && given.sname === undefined) return undefined;
  let name: string;
  try {
    name = toolNodeName(given);
  } catch (error) {
    throw new OtpError('badConfig', `${file}: ${(error as Error).message.replace(/^--(s?name) (\S+)/, "'--$1 $2'")}`, { location: { file }, cause: error });
  }
  const cookie = cookieOf(text);
  return cookie === undefined ? { name } : { name, cookie };
}

// What a release would boot with in the dev profile: config/sys.config.json with ${VAR}s substituted,
// then the dev profile's per-application env of otp.config.ts over it.
function shellConfig(root: string, profileEnv: Record<string, Record<string, unknown>>, env: Record<string, string | undefined>): Record<string, Record<string, unknown>> {
  const file = join(root, 'config', 'sys.config.json');
  let config: Record<string, Record<string, unknown>>;
  try {
    config = substituteEnv<Record<string, Record<string, unknown>>>(parseSysConfig(existsSync(file) ? readFileSync(file, 'utf8') : undefined, file), env, file);
  } catch (error) {
    throw new OtpError('badConfig', (error as Error).message, { cause: error });
  }
  for (const [app, values] of Object.entries(profileEnv)) config[app] = { ...config[app], ...values };
  return config;
}
