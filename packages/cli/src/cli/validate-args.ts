import { OtpError } from '../errors/otp-error.js';
import { didYouMean } from './suggest.js';
import type { AnyProvider, OptionSpec } from './provider.js';

const usageHint = (command?: string): string => `Run \`otp${command ? ` ${command}` : ''} --help\` for usage.`;

/** A usage error for `otp <command>`, ending with where to find help. */
export function usageError(message: string, command?: string): OtpError {
  return new OtpError('usage', message, { hint: usageHint(command) });
}

/** Refuses any `--flag` or `-f` on the command line that the command's table does not declare. */
export function checkFlags(argv: readonly string[], options: readonly OptionSpec[], command?: string): void {
  const long = new Map<string, OptionSpec>();
  const short = new Set<string>();
  for (const o of options) {
    long.set(o.name, o);
    if (o.alias && o.alias.length > 1) long.set(o.alias, o);
    if (o.alias?.length === 1) short.add(o.alias);
  }
  for (const token of argv) {
    if (token === '--') break;
    if (token.startsWith('--')) {
      const flag = token.slice(2).split('=')[0]!;
      const negated = flag.startsWith('no-') ? flag.slice(3) : undefined;
      if (long.has(flag) || (negated !== undefined && long.get(negated)?.type === 'boolean')) continue;
      const where = command ? `otp ${command}` : 'otp';
      throw usageError(`unknown option '--${flag}' for ${where}${didYouMean(flag, long.keys(), '--')}`, command);
    } else if (/^-[^-\d]/.test(token)) {
      for (const letter of token.slice(1).split('=')[0]!) {
        if (!short.has(letter)) throw usageError(`unknown option '-${letter}'${didYouMean(letter, short, '-')}`, command);
      }
    }
  }
}

/** Checks positionals and option values against the provider's tables and returns the typed argument object. */
export function collectArgs(provider: AnyProvider, parsed: Record<string, unknown>, extra: readonly unknown[], argv: readonly string[] = []): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const usage = `otp ${provider.name} ${provider.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}${p.variadic ? '..' : ''}]`)).join(' ')}`.trim();
  for (const p of provider.positionals) {
    const value = parsed[p.name];
    if (value === undefined || value === '') {
      if (p.required) throw usageError(`missing <${p.name}> (${p.description}): ${usage}`, provider.name);
      continue;
    }
    const values = [value, ...(p.variadic ? extra : [])].flat().map(String);
    for (const v of p.choices ? values : []) {
      if (!p.choices!.includes(v)) throw usageError(`'${v}' is not a valid <${p.name}>: use ${listOf(p.choices!)}${didYouMean(v, p.choices!)}`, provider.name);
    }
    args[p.name] = p.variadic ? values : values[0];
  }
  if (extra.length > 0 && !provider.positionals.some((p) => p.variadic)) {
    throw usageError(`unexpected argument '${String(extra[0])}': ${usage}`, provider.name);
  }
  for (const o of provider.options) {
    const value = parsed[o.name] ?? o.default;
    if (value === undefined) continue;
    if (o.type === 'number' && (typeof value !== 'number' || Number.isNaN(value))) {
      throw usageError(`--${o.name} must be a number, got '${rawValue(argv, o) ?? String(parsed[o.name])}'`, provider.name);
    }
    if (o.type === 'string' && (typeof value !== 'string' || value === '')) {
      throw usageError(`--${o.name} needs a value${o.value ? ` (--${o.name} ${o.value})` : ''}`, provider.name);
    }
    // An array option with choices takes them repeated (`--r a --r b`) or comma-separated (`--r=a,b`); each is checked.
    const values = o.type === 'array' ? [value].flat().map(String).flatMap((v) => (o.choices ? v.split(',').filter(Boolean) : [v])) : [String(value)];
    for (const v of o.choices ? values : []) {
      if (!o.choices!.includes(v)) throw usageError(`--${o.name} must be ${listOf(o.choices!)}, got '${v}'${didYouMean(v, o.choices!)}`, provider.name);
    }
    args[o.name] = o.type === 'array' ? values : value;
  }
  return args;
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
