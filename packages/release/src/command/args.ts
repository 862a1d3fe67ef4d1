// Checks a parsed command line against a command's tables: flags the table does not declare, positionals,
// option values and choices. Each refusal is a usage error (exit 2) that says where the help is.
import { homedir } from 'node:os';
import { OtpError } from './otp-error.js';
import { shellWord } from './shell-word.js';
import { closest, didYouMean } from './suggest.js';
import type { CommandSpec, OptionSpec } from './spec.js';

/** A usage error of `<program> [command]` (exit 2), ending with where to find the help. */
export function usageError(program: string, message: string, command?: string): OtpError {
  return new OtpError('usage', message, { hint: `Run \`${program}${command ? ` ${command}` : ''} --help\` for usage.` });
}

/** Refuses any `--flag` or `-f` on the command line that the command's table does not declare; `spec` (the command's) names a positional given as a flag. */
export function checkFlags(program: string, argv: readonly string[], options: readonly OptionSpec[], command?: string, spec?: CommandSpec): void {
  const long = new Map<string, OptionSpec>();
  const short = new Set<string>();
  for (const o of options) {
    long.set(o.name, o);
    if (o.alias && o.alias.length > 1) long.set(o.alias, o);
    if (o.alias?.length === 1) short.add(o.alias);
  }
  const valued = new Set(options.flatMap((o) => (o.alias?.length === 1 && o.type !== 'boolean' ? [o.alias] : [])));
  for (const [i, token] of argv.entries()) {
    if (token === '--') break;
    if (token.startsWith('--')) {
      const flag = token.slice(2).split('=')[0]!;
      const negated = flag.startsWith('no-') ? flag.slice(3) : undefined;
      // A switch given a value other than true or false (`--bail=maybe`) would be read as on: refused.
      const value = token.includes('=') ? token.slice(token.indexOf('=') + 1) : undefined;
      const boolean = long.get(flag)?.type === 'boolean' || (negated !== undefined && long.get(negated)?.type === 'boolean');
      if (boolean && value !== undefined && value !== 'true' && value !== 'false') {
        throw usageError(program, `--${flag} is a switch: give it alone (--${flag}) or as --${flag}=true or --${flag}=false, got '${token}'`, command);
      }
      if (long.has(flag) || (negated !== undefined && long.get(negated)?.type === 'boolean')) continue;
      const where = command ? `${program} ${command}` : program;
      // `otp new shop --template lib`, as npm create otp-ts takes it: say the word goes where the usage line has it; so
      // for a misspelt one (`--tempalte`) that is no closer to an option. Options are matched in any case (`--TAR`).
      const lower = flag.toLowerCase();
      const positional = spec?.positionals.find((p) => p.name === flag) ?? (closest(lower, long.keys()) === undefined ? spec?.positionals.find((p) => closest(lower, [p.name]) !== undefined) : undefined);
      if (positional !== undefined) throw usageError(program, `'--${flag}' is not an option of ${where}: <${positional.name}> is an argument, in the place the usage shows: ${usageLine(program, spec!)}`, command);
      const meant = options.find((o) => o.knownAs?.includes(flag));
      const hint = meant ? ` (did you mean '--${meant.name}'?)` : didYouMean(lower, long.keys(), '--');
      throw usageError(program, `unknown option '--${flag}' for ${where}${hint}`, command);
    } else checkShort(program, token, short, long.keys(), command, argv[i + 1], valued);
  }
}

// `-q`, or letters of short flags run together (`-qv`); a word typed with one dash (`-verbose`, Erlang's `-name`) is
// refused whole, naming the long option meant, before yargs reads its letters as flags (`-v`, the version, exit 0).
// A short flag that takes a value ends the letters: what follows is its value (`-j2`, as getopt and the parser read it).
function checkShort(program: string, token: string, short: ReadonlySet<string>, long: Iterable<string>, command?: string, next?: string, valued: ReadonlySet<string> = new Set()): void {
  if (!/^-[^-\d]/.test(token)) return;
  const word = token.slice(1).split('=')[0]!;
  // …unless the word is a long option's name or Erlang's node flag (`-profile`, `-name`): refused whole below, never
  // read as `-p rofile`.
  const whole = [...long].includes(word) || NODE_FLAGS.has(word);
  const end = whole ? -1 : Array.from(word).findIndex((l) => valued.has(l));
  const letters = end < 0 ? word : word.slice(0, end + 1);
  const bad = Array.from(letters).find((letter) => !short.has(letter));
  if (bad === undefined) return;
  if (letters.length === 1) throw usageError(program, `unknown option '-${bad}'${didYouMean(bad, short, '-')}`, command);
  const where = command ? `${program} ${command}` : program;
  const meant = didYouMean(letters, long, '--');
  const setting = meant ? undefined : NODE_FLAGS.get(letters);
  if (setting !== undefined) {
    // Erlang's `erl -name x` habit: the node's flags are the node's file's, not a command's.
    const value = token.includes('=') ? token.slice(token.indexOf('=') + 1) : next !== undefined && !next.startsWith('-') ? next : setting.toUpperCase();
    const built = program === 'otp' ? '' : ', then otp release';
    throw usageError(program, `unknown option '-${letters}' for ${where}: the node's ${setting} goes in config/node.args (--${letters} ${shellWord(value)})${built}`, command);
  }
  throw usageError(program, `unknown option '-${letters}' for ${where}${meant || ` ('-${bad}' is no short option)`}`, command);
}

// Erlang's flags that config/node.args holds, by what they set.
const NODE_FLAGS: ReadonlyMap<string, string> = new Map([['name', 'name'], ['sname', 'name'], ['setcookie', 'cookie'], ['cookie', 'cookie']]);

/** Refuses a `-word` of letters that are not all short flags (`-verbose`), before a help or version request is answered. */
export function checkShortFlags(program: string, argv: readonly string[], options: readonly OptionSpec[], command?: string): void {
  const short = new Set(options.flatMap((o) => (o.alias?.length === 1 ? [o.alias] : [])));
  const long = options.flatMap((o) => [o.name, ...(o.alias && o.alias.length > 1 ? [o.alias] : [])]);
  const valued = new Set(options.flatMap((o) => (o.alias?.length === 1 && o.type !== 'boolean' ? [o.alias] : [])));
  for (const [i, token] of argv.entries()) {
    if (token === '--') break;
    checkShort(program, token, short, long, command, argv[i + 1], valued);
  }
}

/** `<program> <command> <a> [b..]`, the usage line errors quote. */
export function usageLine(program: string, command: CommandSpec): string {
  return `${program} ${command.name} ${command.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}${p.variadic ? '..' : ''}]`)).join(' ')}`.trim();
}

// A value typed where a choice goes while the next required positional is missing: the choice was left out
// (`otp new shop` for `otp new app shop`), so the line to type, with the first choice, is the hint.
function leftOut(program: string, command: CommandSpec, at: number, value: string, parsed: Record<string, unknown>): string {
  const next = command.positionals[at + 1];
  if (!next?.required || (parsed[next.name] !== undefined && parsed[next.name] !== '')) return '';
  const here = command.positionals[at]!;
  return ` (<${here.name}> left out? ${program} ${command.name} ${here.choices![0]} ${shellWord(value)})`;
}

/** Checks positionals and option values against the command's tables and returns the argument object. */
export function collectArgs(program: string, command: CommandSpec, parsed: Record<string, unknown>, extra: readonly unknown[], argv: readonly string[] = []): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const usage = usageLine(program, command);
  const refuse = (message: string): OtpError => usageError(program, message, command.name);
  // Words after `--` are positionals (POSIX): they fill, in order, those the line left empty (`otp new app -- shop`).
  const rest = [...extra];
  for (const [i, p] of command.positionals.entries()) {
    const empty = (v: unknown) => v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
    if (!p.variadic && empty(parsed[p.name]) && rest.length > 0) parsed = { ...parsed, [p.name]: String(rest.shift()) };
    const value = parsed[p.name];
    // yargs gives a variadic positional as [] when nobody typed it (what follows `--` comes in extra).
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0 && rest.length === 0)) {
      if (p.required) throw refuse(`missing <${p.name}> (${p.description}): ${usage}`);
      continue;
    }
    const values = [value, ...(p.variadic ? rest.splice(0) : [])].flat().map(String);
    for (const v of p.choices ? values : []) {
      if (!p.choices!.includes(v)) throw refuse(`'${v}' is not a valid <${p.name}>: use ${listOf(p.choices!)}${didYouMean(v, p.choices!) || leftOut(program, command, i, v, parsed)}`);
    }
    args[p.name] = p.variadic ? values : values[0];
  }
  if (rest.length > 0) throw refuse(`unexpected argument '${String(rest[0])}': ${usage}`);
  for (const o of command.options) {
    // A flag given twice (`--time 1s --time 2s`, or through its alias) comes as a list of both: the last one
    // wins, as in yargs and getopt-style tools, so a line can override what an alias or script put before it;
    // an option (or every option of a command) marked once is refused instead.
    if ((o.once ?? command.once) && o.type !== 'array' && Array.isArray(parsed[o.name])) {
      throw refuse(`--${o.name} was given ${(parsed[o.name] as unknown[]).length} times (${(parsed[o.name] as unknown[]).join(', ')}): give it once, with the value meant`);
    }
    // A switch given twice (`--heart --no-heart`) comes as one value from the parser: counted on the line.
    const switches = (o.once ?? command.once) && o.type === 'boolean' ? switchUses(argv, o) : [];
    if (switches.length > 1) throw refuse(`--${o.name} was given ${switches.length} times (${switches.join(', ')}): give it once, with the value meant`);
    const given = o.type !== 'array' && Array.isArray(parsed[o.name]) ? (parsed[o.name] as unknown[]).at(-1) : parsed[o.name];
    const value = given ?? o.default;
    if (value === undefined) continue;
    const flag = typedFlag(argv, o);
    if (o.type === 'number' && (typeof value !== 'number' || Number.isNaN(value))) {
      throw refuse(`${flag} must be a number, got '${rawValue(argv, o) ?? String(given)}'`);
    }
    if (o.type === 'number' && ((o.integer && !Number.isInteger(value)) || (o.min !== undefined && (value as number) < o.min))) {
      throw refuse(`${flag} must be ${o.integer ? 'a whole number' : 'a number'}${o.min === undefined ? '' : ` of at least ${o.min}`}, got '${rawValue(argv, o) ?? String(value)}'`);
    }
    // An array option with choices takes them repeated (`--r a --r b`) or comma-separated (`--r=a,b`); each is checked.
    const values = o.type === 'array' ? [value].flat().map(String).flatMap((v) => (o.choices ? v.split(',').filter(Boolean) : [v])) : [String(value)];
    // A string flag typed without a value, or an array flag none of whose uses has one (`--case` at the end of the line).
    const empty = o.type === 'string' ? typeof value !== 'string' || value === '' : o.type === 'array' && parsed[o.name] !== undefined && values.every((v) => v === '');
    if (empty) throw refuse(`${flag} needs a value${o.value ? ` (${flag} ${o.value})` : ''}`);
    for (const v of o.choices ? values : []) {
      if (!o.choices!.includes(v)) throw refuse(`${flag} must be ${listOf(o.choices!)}, got '${v}'${didYouMean(v, o.choices!)}`);
    }
    args[o.name] = o.type === 'array' ? values : isPath(o) && typeof value === 'string' ? expandHome(value) : value;
  }
  return args;
}

// The uses of a switch on the line, before any `--`: `--x`, `--x=false`, `--no-x`, its long alias, or its short
// alias, alone or among other short flags run together (`-w`, `-qw`, `-ww` twice).
function switchUses(argv: readonly string[], o: OptionSpec): string[] {
  const names = [o.name, ...(o.alias && o.alias.length > 1 ? [o.alias] : [])].flatMap((n) => [n, `no-${n}`]);
  const letter = o.alias?.length === 1 ? o.alias : undefined;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).flatMap((t) => {
    if (t.startsWith('--')) return names.includes(t.slice(2).split('=')[0]!) ? [t] : [];
    if (letter === undefined || !/^-[^-\d]/.test(t)) return [];
    return Array.from(t.slice(1).split('=')[0]!).filter((l) => l === letter).map(() => `-${letter}`);
  });
}

const isPath = (o: OptionSpec): boolean => o.path ?? (o.value === 'DIR' || o.value === 'FILE');

// `--dir=~/x` reaches the program with its ~ (a shell expands it only at the start of a word): the home folder, as
// the shell would have made it, not a folder named ~ in the working directory.
function expandHome(value: string): string {
  return value === '~' || value.startsWith('~/') ? `${homedir()}${value.slice(1)}` : value;
}

/** The option as messages name it: its long alias when that is what the user typed (`--sort` for `--by`), else its name. */
function typedFlag(argv: readonly string[], o: OptionSpec): string {
  const alias = o.alias && o.alias.length > 1 ? `--${o.alias}` : undefined;
  for (let i = argv.length - 1; i >= 0; i--) {
    const token = argv[i]!;
    if (token === `--${o.name}` || token.startsWith(`--${o.name}=`)) break;
    if (alias && (token === alias || token.startsWith(`${alias}=`))) return alias;
  }
  return `--${o.name}`;
}

/** What the user typed after an option (`--n x`, `--n=x`, `-n x`), for messages: parsers turn bad numbers into NaN. */
function rawValue(argv: readonly string[], o: OptionSpec): string | undefined {
  const flags = [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])];
  for (let i = argv.length - 1; i >= 0; i--) {
    const token = argv[i]!;
    const eq = flags.find((f) => token.startsWith(`${f}=`));
    if (eq) return token.slice(eq.length + 1);
    if (flags.includes(token)) return argv[i + 1];
  }
  return undefined;
}

/** `a, b or c`. */
export function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
