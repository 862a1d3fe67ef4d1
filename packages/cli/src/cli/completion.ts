import type { AnyProvider, OptionSpec } from './provider.js';

/** The shells `otp completion` writes a script for. */
export const completionShells = ['bash', 'zsh'] as const;
/** One of the supported shells. */
export type CompletionShell = (typeof completionShells)[number];

const flagsOf = (options: readonly OptionSpec[]): string[] => options.flatMap((o) => [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])]);
const quote = (words: readonly string[]): string => `"${words.join(' ')}"`;

// What a word after an option that takes a value completes to: its choices, folders (DIR), files (FILE, or a path), else
// nothing (a name, a number, a cookie): never the command's option names, which are not values.
function valueReply(o: OptionSpec): string {
  if (o.choices) return `COMPREPLY=( $(compgen -W ${quote(o.choices)} -- "$cur") )`;
  if (o.value === 'DIR') return 'compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -d -- "$cur") )';
  if (o.path ?? o.value === 'FILE') return 'compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") )';
  return 'compopt +o default 2>/dev/null; COMPREPLY=()';
}

// One case branch per kind of value: `"new --dir"|"new -d") …`, matched against "$cmd $prev".
function valueCases(providers: readonly AnyProvider[]): string[] {
  const byReply = new Map<string, string[]>();
  for (const p of providers) {
    for (const o of p.options) {
      if (o.type === 'boolean') continue;
      const reply = valueReply(o);
      byReply.set(reply, [...(byReply.get(reply) ?? []), ...flagsOf([o]).map((f) => `"${p.name} ${f}"`)]);
    }
  }
  return [...byReply].map(([reply, patterns]) => `    ${patterns.join('|')}) ${reply}; return 0 ;;`);
}

/** A completion script for bash or zsh, generated from the providers' tables (pure). */
export function completionScript(shell: CompletionShell, providers: readonly AnyProvider[], globals: readonly OptionSpec[]): string {
  const common = [...flagsOf(globals), '--help'];
  const lines = [
    `# otp completion for ${shell}, generated from the command tables.`,
    `# Install: otp completion ${shell} > ~/.otp-completion.${shell} and source it from ~/.${shell}rc`,
  ];
  if (shell === 'zsh') lines.push('autoload -U +X compinit && compinit', 'autoload -U +X bashcompinit && bashcompinit');
  lines.push(
    '_otp_complete() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="${COMP_WORDS[1]}" opts="" pos=""',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    COMPREPLY=( $(compgen -W ${quote([...providers.map((p) => p.name), '--help', '--version'])} -- "$cur") )`,
    '    return 0',
    '  fi',
    // bash splits `--dir=~/x` at the =: the option is the word before it.
    '  if [ "$cur" = "=" ]; then cur=""; elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then prev="${COMP_WORDS[COMP_CWORD-2]}"; fi',
    '  case "$cmd $prev" in',
    ...valueCases(providers),
    '  esac',
    '  case "$cmd" in',
    ...providers.map((p) => {
      const first = p.positionals[0]?.choices ?? [];
      return `    ${p.name}) opts=${quote([...flagsOf(p.options), ...common])}; pos=${quote(first)} ;;`;
    }),
    '  esac',
    '  if [ "$COMP_CWORD" -eq 2 ] && [ -n "$pos" ] && [[ "$cur" != -* ]]; then',
    '    COMPREPLY=( $(compgen -W "$pos" -- "$cur") )',
    '  else',
    '    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )',
    '  fi',
    '}',
    'complete -o default -F _otp_complete otp',
    '',
  );
  return lines.join('\n');
}
