// A command line as data: the commands, their options, positionals and examples. `otp` (its providers) and
// a release's start script (bin/<name>) both declare their commands this way; one adapter parses both.

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
  /** For a number: the least value it takes. */
  min?: number;
  /** For a number: whether it must be whole. */
  integer?: boolean;
  /** Its value is a path (default: when `value` is DIR or FILE): a leading `~` or `~/` is the home folder, as in a shell. */
  path?: boolean;
  /** Refused when given more than once, rather than the last one winning: for a value whose silent override would mislead. */
  once?: boolean;
  /** Other tools' names for this option (`only` for `grep`): typed as a flag, the refusal suggests this one. */
  knownAs?: readonly string[];
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

/** The parsed arguments a command receives, typed from its tables. */
export type ArgsOf<O extends readonly OptionSpec[], P extends readonly PositionalSpec[]> = {
  [S in O[number] as S['name']]: S extends { default: unknown } | { type: 'boolean' } ? ValueOf<S> : ValueOf<S> | undefined;
} & {
  [S in P[number] as S['name']]: S extends { required: true } ? ValueOf<S> : ValueOf<S> | undefined;
};

/** One command of a program: its name, what it does, its tables and the examples its `--help` shows. */
export interface CommandSpec<O extends readonly OptionSpec[] = readonly OptionSpec[], P extends readonly PositionalSpec[] = readonly PositionalSpec[]> {
  name: string;
  description: string;
  positionals: P;
  options: O;
  examples: readonly [Example, ...Example[]];
  /** Left out of the help (run by the program itself, e.g. the start script's heart). */
  hidden?: boolean;
  /** Every option but an array refused when given twice, as `once` makes one: for commands whose silent override would mislead (releases, upgrades). */
  once?: boolean;
}
