import { parseCommandLine, styleHelp, type ProgramSpec } from '@otp-ts/release';
import { colours } from '@otp-ts/runtime/tools';
import { renderError } from '../errors/render.js';
import { depName, globalOptions, type AnyProvider } from './provider.js';
import { createProviderState, type ProviderState } from './state.js';
import type { Io, Verbosity } from './io.js';

/** What the adapter needs besides the providers. */
export interface CliMeta {
  version: string;
}

const tagline = "Erlang/OTP's way of building systems that never stop, in TypeScript.";

// `otp` as the toolchain's shared adapter sees it (a release's start script is the other program it parses for).
function otpProgram(providers: readonly AnyProvider[], meta: CliMeta): ProgramSpec<AnyProvider> {
  return {
    name: 'otp',
    tagline,
    version: meta.version,
    commands: providers,
    globalOptions,
    commandNote: (p) => (p.deps.length > 0 ? `\n\nRuns after: ${p.deps.map(depName).join(', ')}.` : ''),
    epilogue: "Run `otp <command> --help` for a command's options. Exit codes: 0 success, 1 the work failed, 2 bad usage or input.",
  };
}

// --quiet and --verbose as the parser reads any boolean: the last of `--flag`, `--no-flag`, `--flag=BOOL` or
// `--flag BOOL` wins (`-q` for --quiet, alone or among other letters). Read from the line itself, so an error of
// the line is rendered at the verbosity asked too. Both on: the one given last, as npm's -q and --verbose set one
// log level and the later one stands.
function verbosityOf(argv: readonly string[]): Verbosity {
  const on = { quiet: false, verbose: false };
  let last: keyof typeof on = 'quiet';
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const token = argv[i]!;
    const m = /^--(no-)?(quiet|verbose)(?:=(.*))?$/s.exec(token);
    if (m) {
      const next = argv[i + 1];
      const value = m[3] ?? (m[1] === undefined && (next === 'true' || next === 'false') ? next : 'true');
      const flag = m[2] as keyof typeof on;
      on[flag] = (m[1] === undefined) === (value !== 'false');
      if (on[flag]) last = flag;
    } else if (/^-[^-\d]/.test(token) && token.split('=')[0]!.includes('q')) [on.quiet, last] = [true, 'quiet'];
  }
  if (on.quiet && on.verbose) return last;
  return on.quiet ? 'quiet' : on.verbose ? 'verbose' : 'normal';
}

async function dispatch(argv: readonly string[], providers: readonly AnyProvider[], meta: CliMeta, io: Io): Promise<number> {
  const line = await parseCommandLine(argv, otpProgram(providers, meta), io.stdout.columns ?? 100);
  if ('help' in line) {
    io.stdout.write(styleHelp(line.help, colours(io.stdout, io.env).bold));
    return 0;
  }
  const state = createProviderState(io);
  await checkChain(line.command, line.args, providers, io, new Set(), state);
  return runChain(line.command, line.args, providers, io, new Set(), state);
}

/**
 * Parses and checks a command line (`['new', 'app', 'shop']`) against the commands' tables as `otp`
 * does before running it, without running it; throws the usage error `otp` would print. The doc tests
 * check every documented command line and every --help example with it.
 */
export async function checkCommandLine(argv: readonly string[], providers: readonly AnyProvider[]): Promise<void> {
  await parseCommandLine(argv, otpProgram(providers, { version: '0.0.0' }));
}

// The defaults a provider's options declare (booleans off): the arguments of a dependency nobody set.
function defaultsOf(p: AnyProvider): Record<string, unknown> {
  return Object.fromEntries(p.options.map((o) => [o.name, o.default ?? (o.type === 'boolean' ? false : undefined)]));
}

// The dependencies a provider runs first, each with the arguments it takes from the dependent's.
function depsOf(provider: AnyProvider, args: Record<string, unknown>, providers: readonly AnyProvider[]): [AnyProvider, Record<string, unknown>][] {
  return provider.deps.map((dep) => {
    const name = depName(dep);
    const d = providers.find((p) => p.name === name);
    if (!d) throw new Error(`the command ${provider.name} runs after '${name}', which is not a command`);
    return [d, { ...defaultsOf(d), ...(typeof dep === 'string' ? {} : (dep.args?.(args) ?? {})) }];
  });
}

// Every command of the chain checks its flags, in the order they would run, before any of them does work: a bad
// flag of the last command is refused at once, not after the compile it runs after.
async function checkChain(provider: AnyProvider, args: Record<string, unknown>, providers: readonly AnyProvider[], io: Io, done: Set<string>, state: ProviderState): Promise<void> {
  for (const [d, depArgs] of depsOf(provider, args, providers)) {
    if (done.has(d.name)) continue;
    done.add(d.name);
    await checkChain(d, depArgs, providers, io, done, state);
  }
  await provider.check?.(args as never, io, state);
}

// rebar3's provider chain: each dependency runs once, its own dependencies first, with the arguments
// the dependent hands it; a dependency that fails stops the chain with its exit code. One state flows through.
async function runChain(provider: AnyProvider, args: Record<string, unknown>, providers: readonly AnyProvider[], io: Io, done: Set<string>, state: ProviderState): Promise<number> {
  for (const [d, depArgs] of depsOf(provider, args, providers)) {
    if (done.has(d.name)) continue;
    done.add(d.name);
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
