import yargs, { type Argv, type Options } from 'yargs';
import { colours } from '@otp-ts/runtime/tools';
import { renderError } from '../errors/render.js';
import { checkFlags, collectArgs, listOf, usageError } from './validate-args.js';
import { didYouMean } from './suggest.js';
import { depName, globalOptions, type AnyProvider, type OptionSpec } from './provider.js';
import { createProviderState, type ProviderState } from './state.js';
import type { Io, Verbosity } from './io.js';

/** What the adapter needs besides the providers. */
export interface CliMeta {
  version: string;
}

const tagline = "Erlang/OTP's way of building systems that never stop, in TypeScript.";
const builtinFlags: readonly OptionSpec[] = [
  { name: 'help', alias: 'h', type: 'boolean', description: 'show help' },
  { name: 'version', alias: 'v', type: 'boolean', description: 'show the version' },
];

function describe(text: string, choices?: readonly string[]): string {
  return choices ? `${text} (${listOf(choices)})` : text;
}

function yargsOption(o: OptionSpec): Options {
  const opt: Options = { type: o.type, describe: describe(o.description, o.choices) };
  if (o.alias) opt.alias = o.alias;
  if (o.default !== undefined) opt.default = o.default;
  if (o.type === 'string' || o.type === 'number') opt.requiresArg = true;
  return opt;
}

const positionalsOf = (p: AnyProvider): string => p.positionals.map((a) => (a.required ? `<${a.name}${a.variadic ? '..' : ''}>` : `[${a.name}${a.variadic ? '..' : ''}]`)).join(' ');

function commandUsage(p: AnyProvider): string {
  const pos = positionalsOf(p);
  const runsAfter = p.deps.length > 0 ? `\n\nRuns after: ${p.deps.map(depName).join(', ')}.` : '';
  return `otp ${p.name}${pos ? ` ${pos}` : ''} [options]\n\n${p.description}${runsAfter}`;
}

function build(providers: readonly AnyProvider[], meta: CliMeta): Argv {
  const y = yargs()
    .scriptName('otp')
    .usage(`otp <command> [options]\n\n${tagline}`)
    .version(meta.version)
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .strict(false)
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // yargs reports its own validation as YError; anything else is a real crash.
      if (error && error.name !== 'YError') throw error;
      const text = message ?? error?.message ?? '';
      // Missing positionals are reported by collectArgs, which names them from the tables.
      if (/^(Not enough non-option arguments|Missing required argument)/.test(text)) return;
      const missing = /^Not enough arguments following: (\S+)/.exec(text);
      throw usageError(missing ? `--${missing[1]} needs a value` : text.replace(/\s*\n\s*/g, ' '));
    })
    .epilogue('Run `otp <command> --help` for a command\'s options. Exit codes: 0 success, 1 the work failed, 2 bad usage or input.');
  for (const o of globalOptions) y.option(o.name, { ...yargsOption(o), global: true });
  for (const p of providers) {
    const positional = positionalsOf(p);
    y.command(`${p.name}${positional ? ` ${positional}` : ''}`, p.description, (c) => {
      c.usage(commandUsage(p));
      for (const a of p.positionals) c.positional(a.name, { type: 'string', describe: describe(a.description, a.choices) });
      for (const o of p.options) c.option(o.name, yargsOption(o));
      for (const e of p.examples) c.example(e.command, e.description);
      return c;
    });
  }
  for (const p of providers) y.example(p.examples[0].command, p.examples[0].description);
  return y;
}

function verbosityOf(argv: readonly string[]): Verbosity {
  const before = argv.indexOf('--');
  const flags = before === -1 ? argv : argv.slice(0, before);
  if (flags.includes('--quiet') || flags.includes('-q')) return 'quiet';
  return flags.includes('--verbose') ? 'verbose' : 'normal';
}

async function dispatch(argv: readonly string[], providers: readonly AnyProvider[], meta: CliMeta, io: Io): Promise<number> {
  let output = '';
  const parsed = (await build(providers, meta).parseAsync([...argv], {}, (_err, _argv, out) => {
    output = out;
  })) as Record<string, unknown> & { _: unknown[] };
  if (output !== '' || parsed.help === true || parsed.version === true) {
    const text = output.replace(/^(Commands|Options|Positionals|Examples):$/gm, (heading) => colours(io.stdout, io.env).bold(heading));
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  const [name, ...extra] = parsed._;
  const provider = providers.find((p) => p.name === name);
  if (name === undefined) {
    checkFlags(argv, [...globalOptions, ...builtinFlags]);
    // As rebar3: `otp` alone is a request for the help, answered (exit 0) on stdout.
    return dispatch(['--help'], providers, meta, io);
  }
  if (name === 'help') return dispatch([...extra.map(String), '--help'], providers, meta, io);
  if (!provider) throw usageError(`unknown command '${String(name)}'${didYouMean(String(name), [...providers.map((p) => p.name), 'help'])}`);
  checkFlags(argv, [...provider.options, ...globalOptions, ...builtinFlags], provider.name);
  const args = collectArgs(provider, parsed, extra, argv);
  return runChain(provider, args, providers, io, new Set(), createProviderState(io));
}

/**
 * Parses and checks a command line (`['new', 'app', 'shop']`) against the commands' tables as `otp`
 * does before running it, without running it; throws the usage error `otp` would print. The doc tests
 * check every documented command line and every --help example with it.
 */
export async function checkCommandLine(argv: readonly string[], providers: readonly AnyProvider[]): Promise<void> {
  const parsed = (await build(providers, { version: '0.0.0' } as CliMeta).parseAsync([...argv], {}, () => undefined)) as Record<string, unknown> & { _: unknown[] };
  const [name, ...extra] = parsed._;
  if (name === undefined || name === 'help' || parsed.help === true || parsed.version === true) return checkFlags(argv, [...globalOptions, ...builtinFlags]);
  const provider = providers.find((p) => p.name === name);
  if (!provider) throw usageError(`unknown command '${String(name)}'`);
  checkFlags(argv, [...provider.options, ...globalOptions, ...builtinFlags], provider.name);
  collectArgs(provider, parsed, extra, argv);
}

// The defaults a provider's options declare (booleans off): the arguments of a dependency nobody set.
function defaultsOf(p: AnyProvider): Record<string, unknown> {
  return Object.fromEntries(p.options.map((o) => [o.name, o.default ?? (o.type === 'boolean' ? false : undefined)]));
}

// rebar3's provider chain: each dependency runs once, its own dependencies first, with the arguments
// the dependent hands it; a dependency that fails stops the chain with its exit code. One state flows through.
async function runChain(provider: AnyProvider, args: Record<string, unknown>, providers: readonly AnyProvider[], io: Io, done: Set<string>, state: ProviderState): Promise<number> {
  for (const dep of provider.deps) {
    const name = depName(dep);
    if (done.has(name)) continue;
    done.add(name);
    const d = providers.find((p) => p.name === name);
    if (!d) throw new Error(`the command ${provider.name} runs after '${name}', which is not a command`);
    const depArgs = { ...defaultsOf(d), ...(typeof dep === 'string' ? {} : (dep.args?.(args) ?? {})) };
    const code = await runChain(d, depArgs, providers, io, done, state);
    if (code !== 0) return code;
  }
  return (await provider.run(args as never, io, state)) ?? 0;
}

/** Runs the command line against the providers: parse with yargs, check against the tables, run, render errors. */
export async function runCli(argv: readonly string[], providers: readonly AnyProvider[], meta: CliMeta, io: Io): Promise<number> {
  const withVerbosity: Io = { ...io, verbosity: verbosityOf(argv) };
  try {
    return await dispatch(argv, providers, meta, withVerbosity);
  } catch (error) {
    return renderError(error, withVerbosity, argv);
  }
}
