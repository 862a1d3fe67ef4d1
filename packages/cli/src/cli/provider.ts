import type { Io } from './io.js';
import type { ProviderState } from './state.js';

/** The value types an option or positional can take. */
export type ValueType = 'string' | 'boolean' | 'number' | 'array';

/** One `--option` of a command, as data: the parser, `--help`, completion and docs/cli.md all come from it. */
export interface OptionSpec {
  name: string;
  type: ValueType;
  description: string;
  alias?: string;
  default?: string | boolean | number | readonly string[];
  choices?: readonly string[];
  /** Placeholder shown in help (`--dir DIR`). */
  value?: string;
}

/** One positional argument of a command, in order. */
export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  choices?: readonly string[];
  /** True for a trailing `PATHS..` that takes the rest. */
  variadic?: boolean;
}

/** A runnable example shown in `--help`. */
export interface Example {
  command: string;
  description: string;
}

// An array option with choices is an array of them (`--reporter tty --reporter junit`), not one of them.
type ValueOf<S> = S extends { choices: readonly (infer C)[] }
  ? S extends { type: 'array' } | { variadic: true }
    ? C[]
    : C
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'number' }
      ? number
      : S extends { type: 'array' } | { variadic: true }
        ? string[]
        : string;

/** The parsed arguments a provider's run receives, typed from its tables. */
export type ArgsOf<O extends readonly OptionSpec[], P extends readonly PositionalSpec[]> = {
  [S in O[number] as S['name']]: S extends { default: unknown } | { type: 'boolean' } ? ValueOf<S> : ValueOf<S> | undefined;
} & {
  [S in P[number] as S['name']]: S extends { required: true } ? ValueOf<S> : ValueOf<S> | undefined;
};

/** A command another runs first, with the arguments it takes from the dependent's (default: its own defaults). */
export interface Dependency {
  name: string;
  args?: (dependentArgs: Record<string, unknown>) => Record<string, unknown>;
}

/** The name of a dependency, declared by name or as a Dependency. */
export const depName = (dep: string | Dependency): string => (typeof dep === 'string' ? dep : dep.name);

/** A command of the `otp` tool (rebar3's provider): its tables and a run that calls one package API. */
export interface Provider<O extends readonly OptionSpec[] = readonly OptionSpec[], P extends readonly PositionalSpec[] = readonly PositionalSpec[]> {
  name: string;
  description: string;
  /** Commands that run first, once each, dependencies first (compile before release): rebar3's provider chain. */
  deps: readonly (string | Dependency)[];
  positionals: P;
  options: O;
  examples: readonly [Example, ...Example[]];
  /** Does the work; resolves to the exit code (0 when nothing is returned). `state` is shared by the whole chain. */
  run(args: ArgsOf<O, P>, io: Io, state: ProviderState): Promise<number | void>;
}

/** A provider whose argument types are no longer tracked (the adapter's view). */
export interface AnyProvider extends Omit<Provider, 'run'> {
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
