import type { AnyProvider, OptionSpec } from './provider.js';

/** The shells `otp completion` writes a script for. */
export const completionShells = ['bash', 'zsh'] as const;
/** One of the supported shells. */
export type CompletionShell = (typeof completionShells)[number];

const flagsOf = (options: readonly OptionSpec[]): string[] => options.flatMap((o) => [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])]);
const quote = (words: readonly string[]): string => `"${words.join(' ')}"`;

/** A completion script for bash or zsh, generated from the providers' tables (pure). */
export function completionScript(shell: CompletionShell, providers: readonly AnyProvider[], globals: readonly OptionSpec[]): string {
  const common = [...flagsOf(globals), '--help'];
  const valued = providers.flatMap((p) => p.options).filter((o) => o.choices);
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
    '  case "$prev" in',
    ...[...new Map(valued.map((o) => [o.name, o])).values()].map((o) => `    --${o.name}) COMPREPLY=( $(compgen -W ${quote(o.choices ?? [])} -- "$cur") ); return 0 ;;`),
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
