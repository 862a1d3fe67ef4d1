// The one command-line adapter of the toolchain: `otp` and every release's start script (bin/<name>) parse
// with it, from their commands' tables (yargs parses; the tables check), so both answer --help with the
// commands, options and examples, and refuse an unknown command, flag or value the same way (exit 2).
// The common line (a known command, its long options, its positionals) is read from the tables without yargs,
// which is loaded only for the rest (help, refusals, anything it could read two ways): `bin/<name> ping` runs
// often, and yargs is most of the start script's bundle and of its start-up time.
import type { Argv, Options } from 'yargs';
import { checkFlags, checkShortFlags, collectArgs, listOf, usageError } from './args.js';
import { closest } from './suggest.js';
import type { CommandSpec, OptionSpec } from './spec.js';

/** A program's command line as data. */
export interface ProgramSpec<C extends CommandSpec = CommandSpec> {
  /** How the program is called in usage lines and hints: `otp`, `bin/shop`. */
  name: string;
  /** What the top help says under its usage line. */
  tagline: string;
  /** The top help's last line (the exit codes). */
  epilogue: string;
  /** Answered by `--version` (-v); a program without one has no such flag. */
  version?: string;
  commands: readonly C[];
  /** Options every command accepts. */
  globalOptions: readonly OptionSpec[];
  /** Said after a command's description in its help (`otp`'s "Runs after: compile."). */
  commandNote?: (command: C) => string;
  /** Another tool's word for one of the commands (relx's `start` for `daemon`): typed here, the refusal names the command meant. */
  knownAs?: Readonly<Record<string, { tool: string; command: string }>>;
}

/** A command line parsed and checked: the help (or version) to print, or the command to run with its arguments. */
export type CommandLine<C extends CommandSpec = CommandSpec> = { help: string } | { command: C; args: Record<string, unknown> };

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

/** `<a> [b..]`: a command's positionals as its usage line shows them. */
export const positionalsOf = (c: CommandSpec): string => c.positionals.map((a) => (a.required ? `<${a.name}${a.variadic ? '..' : ''}>` : `[${a.name}${a.variadic ? '..' : ''}]`)).join(' ');

/** The flags every command takes besides its own: help, and version when the program has one. */
export function builtinFlags(program: Pick<ProgramSpec, 'version'>): OptionSpec[] {
  return [{ name: 'help', alias: 'h', type: 'boolean', description: 'show help' }, ...(program.version === undefined ? [] : [{ name: 'version', alias: 'v', type: 'boolean', description: 'show the version' } as const])];
}

const commandOf = <C extends CommandSpec>(program: ProgramSpec<C>, argv: readonly string[]): C | undefined => program.commands.find((c) => c.name === argv[0]);

// yargs's "Not enough arguments following: n" as the user reads it: the option by its long name (`-n` is --top) with
// the value it takes, and, when a word starting with - came next, that it was read as a flag and how to give it.
function needsValue<C extends CommandSpec>(program: ProgramSpec<C>, argv: readonly string[], key: string): string {
  const options = [...(commandOf(program, argv)?.options ?? []), ...program.globalOptions];
  const o = options.find((x) => x.name === key || x.alias === key);
  const flag = `--${o?.name ?? key}`;
  const typed = key.length === 1 ? `-${key}` : `--${key}`;
  const at = argv.findIndex((t) => t === typed || t === flag);
  const next = at === -1 ? undefined : argv[at + 1];
  const flagLike = next !== undefined && next.startsWith('-') && next !== '--' ? `: '${next}' is read as a flag (write ${typed}=${next} for a value that starts with -)` : '';
  return `${flag} needs a value${o?.value ? ` (${flag} ${o.value})` : ''}${flagLike}`;
}

async function build<C extends CommandSpec>(program: ProgramSpec<C>, columns: number, argv: readonly string[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
  const y = yargs()
    .scriptName(program.name)
    .usage(`${program.name} <command> [options]\n\n${program.tagline}`)
    .help()
    .alias('help', 'h')
    .strict(false)
    // An array option takes one value a flag (`--reporter junit test/a.test.ts` keeps the path a path):
    // several are given by repeating it, as the tables' descriptions say.
    .parserConfiguration({ 'greedy-arrays': false })
    .exitProcess(false)
    .wrap(Math.min(100, columns))
    .fail((message, error) => {
      // yargs reports its own validation as YError; anything else is a real crash.
      if (error && error.name !== 'YError') throw error;
      const text = message ?? error?.message ?? '';
      // Missing positionals are reported by collectArgs, which names them from the tables.
      if (/^(Not enough non-option arguments|Missing required argument)/.test(text)) return;
      const missing = /^Not enough arguments following: (\S+)/.exec(text);
      if (missing) throw usageError(program.name, needsValue(program, argv, missing[1]!), commandOf(program, argv)?.name);
      throw usageError(program.name, text.replace(/\s*\n\s*/g, ' '));
    })
    .epilogue(program.epilogue);
  if (program.version === undefined) y.version(false);
  else y.version(program.version).alias('version', 'v');
  for (const o of program.globalOptions) y.option(o.name, { ...yargsOption(o), global: true });
  for (const c of program.commands) {
    const positional = positionalsOf(c);
    const builder = (b: Argv): Argv => {
      b.usage(`${program.name} ${c.name}${positional ? ` ${positional}` : ''} [options]\n\n${c.description}${program.commandNote?.(c) ?? ''}`);
      for (const a of c.positionals) b.positional(a.name, { type: 'string', describe: describe(a.description, a.choices) });
      for (const o of c.options) b.option(o.name, yargsOption(o));
      for (const e of c.examples) b.example(e.command, e.description);
      return b;
    };
    const spec = `${c.name}${positional ? ` ${positional}` : ''}`;
    // A hidden command (described as false) is parsed but left out of the help.
    if (c.hidden) y.command(spec, false, builder);
    else y.command(spec, c.description, builder);
  }
  for (const c of program.commands) if (!c.hidden) y.example(c.examples[0].command, c.examples[0].description);
  return y;
}

/**
 * Parses `argv` (without the node and script paths) against the program's tables: the help to print for
 * `--help`, `help [command]`, `--version` or no command at all; else the command and its checked arguments.
 * Throws the usage error (an OtpError, exit 2) for an unknown command, flag, value or a missing argument.
 */
export async function parseCommandLine<C extends CommandSpec>(argv: readonly string[], program: ProgramSpec<C>, columns = process.stdout.columns ?? 100): Promise<CommandLine<C>> {
  return quickParse(argv, program) ?? parseWithYargs(argv, program, columns);
}

// A word that yargs reads as a help request wherever it stands.
const helpWords: ReadonlySet<string> = new Set(['help', 'version']);

/**
 * The common command line read from the tables alone, to what parseWithYargs gives for it: a known command, then
 * its positionals and each of its (or the global) options at most once as `--name`, `--name VALUE` or
 * `--name=VALUE`. Undefined for anything else (help, short or unknown flags, `--`, repeated or negated options,
 * a boolean followed by `true` or `false`, arrays, numbers other than plain digits, a missing, surplus or
 * out-of-choice value), which yargs then parses
 * and the tables refuse or accept as before. Internal: exported for the test that holds it to yargs.
 */
export function quickParse<C extends CommandSpec>(argv: readonly string[], program: ProgramSpec<C>): CommandLine<C> | undefined {
  const [name, ...rest] = argv;
  const command = name === undefined || helpWords.has(name) ? undefined : program.commands.find((c) => c.name === name);
  if (!command) return undefined;
  const options = new Map([...command.options, ...program.globalOptions].map((o) => [o.name, o]));
  const parsed: Record<string, unknown> = {};
  const words: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === '' || helpWords.has(token)) return undefined;
    if (!token.startsWith('-')) {
      words.push(token);
      continue;
    }
    const flag = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(token);
    const o = flag ? options.get(flag[1]!) : undefined;
    if (!flag || !o || o.name in parsed || helpWords.has(o.name)) return undefined;
    if (o.type === 'boolean') {
      // yargs reads `--flag true` and `--flag false` as the flag's value, not as a positional.
      if (flag[2] !== undefined || rest[i + 1] === 'true' || rest[i + 1] === 'false') return undefined;
      parsed[o.name] = true;
      continue;
    }
    const value = flag[2] ?? rest[++i];
    if (value === undefined || value === '' || value.startsWith('-') || helpWords.has(value) || (o.choices && !o.choices.includes(value))) return undefined;
    if (o.type === 'number' && /^[0-9]{1,15}$/.test(value)) parsed[o.name] = Number(value);
    else if (o.type === 'string') parsed[o.name] = value;
    else return undefined;
  }
  for (const p of command.positionals) {
    const taken = p.variadic ? words.splice(0) : words.splice(0, 1);
    if (taken.length === 0) {
      if (p.required) return undefined;
      continue;
    }
    if (p.choices && taken.some((w) => !p.choices!.includes(w))) return undefined;
    parsed[p.name] = p.variadic ? taken : taken[0];
  }
  if (words.length > 0) return undefined;
  checkFlags(program.name, argv, [...command.options, ...program.globalOptions, ...builtinFlags(program)], command.name, command);
  return { command, args: collectArgs(program.name, command, parsed, [], argv) };
}

// yargs reads a last argument `help` as --help wherever it stands, so `otp new app help` or `bin/shop rpc mod help`
// printed the help (exit 0) and did nothing. Only `help` right after a known command asks for its help (`otp new
// help`); later, the word is an argument, hidden from yargs as a string no command line can hold (a NUL) and given back.
const HELP_WORD = '\u0000help';
const helpAsWord = (argv: readonly string[], program: Pick<ProgramSpec, 'commands'>): string[] =>
  program.commands.some((c) => c.name === argv[0]) ? argv.map((t, i) => (i >= 2 && t === 'help' ? HELP_WORD : t)) : [...argv];
const unwordHelp = (v: unknown): unknown => (v === HELP_WORD ? 'help' : Array.isArray(v) ? v.map(unwordHelp) : v);

/** parseCommandLine through yargs, for any command line. Internal: exported for the test that holds quickParse to it. */
export async function parseWithYargs<C extends CommandSpec>(argv: readonly string[], program: ProgramSpec<C>, columns = process.stdout.columns ?? 100): Promise<CommandLine<C>> {
  let output = '';
  const read = (await (await build(program, columns, argv)).parseAsync(helpAsWord(argv, program), {}, (_err, _argv, out) => {
    output = out;
  })) as Record<string, unknown> & { _: unknown[] };
  const parsed = Object.fromEntries(Object.entries(read).map(([k, v]) => [k, unwordHelp(v)])) as typeof read;
  const asked = commandOf(program, argv);
  checkShortFlags(program.name, argv, [...(asked?.options ?? []), ...program.globalOptions, ...builtinFlags(program)], asked?.name);
  const unknown = (word: string): Error => {
    const other = Object.hasOwn(program.knownAs ?? {}, word) ? program.knownAs![word] : undefined;
    if (other) return usageError(program.name, `unknown command '${word}': ${other.tool}'s ${word} is ${other.command} here (${program.name} ${other.command})`);
    // rebar3's `rebar3 version`: here the version is a flag.
    if (word === 'version' && program.version !== undefined) return usageError(program.name, `unknown command 'version' (did you mean '${program.name} --version'?)`);
    // A slip of another tool's name (`strat` for relx's start) points at the command it is here.
    const aliases = program.knownAs ?? {};
    const near = closest(word, [...program.commands.filter((c) => !c.hidden).map((c) => c.name), 'help', ...Object.keys(aliases)]);
    const meant = near !== undefined && Object.hasOwn(aliases, near) ? `${aliases[near]!.command}'? ${aliases[near]!.tool}'s ${near} is ${aliases[near]!.command} here` : `${near}'?`;
    return usageError(program.name, `unknown command '${word}'${near === undefined ? '' : ` (did you mean '${meant})`}`);
  };
  // A misspelt command's --help (`otp relase --help`) is that unknown command, with its did-you-mean, not the whole help.
  const first = parsed._[0];
  if (parsed.help === true && first !== undefined && !helpWords.has(String(first)) && !program.commands.some((c) => c.name === String(first))) throw unknown(String(first));
  // --version is a help request only where the program has a version (otp's); elsewhere (bin/<name>) an unknown flag.
  if (output !== '' || parsed.help === true || (parsed.version === true && program.version !== undefined)) return { help: output.endsWith('\n') ? output : `${output}\n` };
  const [name, ...extra] = parsed._;
  if (name === undefined) {
    checkFlags(program.name, argv, [...program.globalOptions, ...builtinFlags(program)]);
    // As rebar3: the program alone is a request for the help, answered (exit 0) on stdout.
    return parseWithYargs(['--help'], program, columns);
  }
  if (name === 'help') {
    // `help CMD` of a command there is none of is that unknown command, not a request for the whole help.
    if (extra[0] !== undefined && !program.commands.some((c) => c.name === String(extra[0]))) throw unknown(String(extra[0]));
    return parseWithYargs([...extra.map(String), '--help'], program, columns);
  }
  const command = program.commands.find((c) => c.name === name);
  if (!command) throw unknown(String(name));
  checkFlags(program.name, argv, [...command.options, ...program.globalOptions, ...builtinFlags(program)], command.name, command);
  return { command, args: collectArgs(program.name, command, parsed, extra, argv) };
}

/** The help with its headings (Commands:, Options:, …) passed through `bold` (the terminal's, or none). */
export function styleHelp(text: string, bold: (s: string) => string): string {
  return text.replace(/^(Commands|Options|Positionals|Examples):$/gm, (heading) => bold(heading));
}
