import yargs from 'yargs';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs the `otp` command with `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const fail = (message: string): void => {
    code = 2;
    process.stderr.write(`otp: ${message}\nRun \`otp --help\` for usage.\n`);
  };
  const parsed = await yargs(argv)
    .scriptName('otp')
    .usage("otp <command> [options]\n\nErlang/OTP's way of building systems that never stop, in TypeScript.")
    .example('otp --version', 'print the version of otp-ts')
    .version(version)
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .strict()
    .epilogue('The project commands (new, compile, test, release, trace…) arrive with their packages; see docs/.')
    .fail((message, error) => fail(error?.message ?? message))
    .parseAsync();
  if (code === 0) {
    const [command] = parsed._;
    if (command === undefined) fail('name a command');
    else fail(`unknown command '${String(command)}'`);
  }
  return code;
}
