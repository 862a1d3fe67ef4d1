import { basename } from 'node:path';
import { defineProvider, globalOptions, type AnyProvider } from '../cli/provider.js';
import { completionScript, completionShells, type CompletionShell } from '../cli/completion.js';

/** `otp completion [bash|zsh]`: prints a shell completion script generated from the tables of `commands()` (every command, this one too). */
export const completionCommand = (commands: () => readonly AnyProvider[]) =>
  defineProvider({
    name: 'completion',
    description: 'Print a bash or zsh completion script for otp, generated from its command tables.',
    deps: [],
    positionals: [{ name: 'shell', description: 'the shell (default: from $SHELL, else bash)', choices: completionShells }],
    options: [],
    examples: [
      { command: 'otp completion bash >> ~/.bashrc', description: 'complete otp commands and options in bash' },
      { command: 'otp completion zsh > ~/.otp-completion.zsh', description: 'the same for zsh; source it from ~/.zshrc' },
    ],
    async run(args, io) {
      const fromEnv = basename(io.env.SHELL ?? '');
      const shell: CompletionShell = args.shell ?? (fromEnv === 'zsh' ? 'zsh' : 'bash');
      io.stdout.write(completionScript(shell, commands(), globalOptions));
    },
  });
