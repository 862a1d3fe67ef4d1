import { depName, type AnyProvider, type OptionSpec } from './provider.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function optionRow(o: OptionSpec): string {
  const flags = [`\`--${o.name}${o.value ? ` ${o.value}` : ''}\``, ...(o.alias ? [`\`${o.alias.length === 1 ? '-' : '--'}${o.alias}\``] : [])].join(', ');
  const extra = [o.choices ? `one of ${o.choices.map((c) => `\`${c}\``).join(', ')}` : '', o.default !== undefined ? `default \`${String(o.default)}\`` : ''].filter(Boolean).join('; ');
  return `| ${flags} | ${o.type} | ${cell(o.description)}${extra ? ` (${extra})` : ''} |`;
}

/** The commands reference of docs/cli.md, generated from the providers' tables (a test keeps the docs in step). */
export function commandsMarkdown(providers: readonly AnyProvider[], globals: readonly OptionSpec[]): string {
  const out: string[] = [];
  for (const p of providers) {
    const positionals = p.positionals.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`) + (a.variadic ? '..' : '')).join(' ');
    out.push(`### otp ${p.name}${positionals ? ` ${positionals}` : ''}`, '', p.description, '');
    if (p.deps.length > 0) out.push(`Runs after: ${p.deps.map((d) => `\`${depName(d)}\``).join(', ')}.`, '');
    for (const a of p.positionals) out.push(`- \`${a.name}\`: ${a.description}${a.choices ? ` (${a.choices.map((c) => `\`${c}\``).join(', ')})` : ''}${a.required ? '' : ', optional'}`);
    if (p.positionals.length > 0) out.push('');
    if (p.options.length > 0) out.push('| option | type | meaning |', '| --- | --- | --- |', ...p.options.map(optionRow), '');
    out.push('```', ...p.examples.map((e) => `${e.command.padEnd(44)} # ${e.description}`), '```', '');
  }
  out.push('### Options of every command', '', '| option | type | meaning |', '| --- | --- | --- |', ...globals.map(optionRow), '| `--help`, `-h` | boolean | show help |', '');
  return out.join('\n');
}
