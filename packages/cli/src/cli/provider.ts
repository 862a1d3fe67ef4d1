import type { Io } from './io.js';
import type { ProviderState } from './state.js';
import type { ArgsOf, CommandSpec, OptionSpec, PositionalSpec } from '@otp-ts/release';

// The tables are the toolchain's shared command-line spec (@otp-ts/release), which the start script declares its commands with too.
export type { ValueType, OptionSpec, PositionalSpec, Example, ArgsOf } from '@otp-ts/release';

/** A command another runs first, with the arguments it takes from the dependent's (default: its own defaults). */
export interface Dependency {
  name: string;
  args?: (dependentArgs: Record<string, unknown>) => Record<string, unknown>;
}

/** The name of a dependency, declared by name or as a Dependency. */
export const depName = (dep: string | Dependency): string => (typeof dep === 'string' ? dep : dep.name);

/** A command of the `otp` tool (rebar3's provider): its tables and a run that calls one package API. */
export interface Provider<O extends readonly OptionSpec[] = readonly OptionSpec[], P extends readonly PositionalSpec[] = readonly PositionalSpec[]> extends CommandSpec<O, P> {
  /** Commands that run first, once each, dependencies first (compile before release): rebar3's provider chain. */
  deps: readonly (string | Dependency)[];
  /** Refuses bad flags (throws a usage error) before any command of the chain does work: `otp shell --name x@` before compiling. */
  check?(args: ArgsOf<O, P>, io: Io, state: ProviderState): void | Promise<void>;
  /** Does the work; resolves to the exit code (0 when nothing is returned). `state` is shared by the whole chain. */
  run(args: ArgsOf<O, P>, io: Io, state: ProviderState): Promise<number | void>;
}

/** A provider whose argument types are no longer tracked (the adapter's view). */
export interface AnyProvider extends Omit<Provider, 'run' | 'check'> {
  check?(args: never, io: Io, state: ProviderState): void | Promise<void>;
  run(args: never, io: Io, state: ProviderState): Promise<number | void>;
}

/** Declares a provider, inferring its argument types from its option and positional tables. */
export function defineProvider<const O extends readonly OptionSpec[], const P extends readonly PositionalSpec[]>(provider: Provider<O, P>): Provider<O, P> {
  return provider;
}

/** Options every command accepts. */
export const globalOptions = [
  { name: 'quiet', alias: 'q', type: 'boolean', description: 'print errors only' },
  { name: 'verbose', type: 'boolean', description: 'print every step and the causes of errors' },
] as const satisfies readonly OptionSpec[];
