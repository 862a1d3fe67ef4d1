// The start script's commands as tables (options, positionals, examples): what bin/<name> --help lists and what
// the shared adapter parses (../command/adapter.ts); control/main.ts gives each its run function.
import type { CommandSpec, OptionSpec } from '../command/spec.js';
import type { ProgramSpec } from '../command/adapter.js';

const evalOptions = [
  { name: 'eval-timeout', type: 'string', value: 'MS', description: 'how long a line may run before its first await, in ms (default 1000, or OTP_EVAL_TIMEOUT)' },
  { name: 'eval-await-timeout', type: 'string', value: 'MS', description: 'how long a line may take in all, awaits included, in ms (default 30000, or OTP_EVAL_AWAIT_TIMEOUT)' },
] as const satisfies readonly OptionSpec[];
const probeOption = [{ name: 'probe-ms', type: 'number', value: 'MS', once: true, description: 'how long to watch the node after the swap before making it permanent (default 2000, most of a small upgrade\'s time; 0 skips the watch; at most 3600000, one hour)' }] as const satisfies readonly OptionSpec[];
const none = [] as const;

// The examples say bin/NAME: scriptProgram puts the release's name in.
/** The start script's commands by name, as tables. */
export const scriptTables = {
  foreground: { name: 'foreground', description: 'boot the release in this terminal (Ctrl-C stops it in order)', positionals: none, options: [{ name: 'vsn', type: 'string', value: 'VSN', description: 'boot this installed version instead of the permanent one' }], examples: [{ command: 'bin/NAME foreground', description: 'run the node in this terminal' }] },
  daemon: { name: 'daemon', description: 'boot the release in the background; logs go to log/, the pid to run/', positionals: none, options: [{ name: 'heart', type: 'boolean', description: 'restart it when it dies or hangs (as -heart in node.args)' }], examples: [{ command: 'bin/NAME daemon && bin/NAME ping', description: 'start the node and check it answers' }, { command: 'bin/NAME daemon --heart', description: 'restarted within seconds if it dies (kill -9) or answers no ping for HEART_BEAT_TIMEOUT s' }] },
  stop: { name: 'stop', description: 'stop the running node in order (applications in reverse start order)', positionals: none, options: none, examples: [{ command: 'bin/NAME stop', description: 'stop the node' }] },
  restart: { name: 'restart', description: "restart the running node's applications without restarting the node", positionals: none, options: none, examples: [{ command: 'bin/NAME restart', description: 'restart the applications' }] },
  ping: { name: 'ping', description: 'pong when the node runs and answers, pang otherwise', positionals: none, options: none, examples: [{ command: 'bin/NAME ping', description: 'pong, or pang (exit 1)' }] },
  pid: { name: 'pid', description: "the running node's OS process id", positionals: none, options: none, examples: [{ command: 'bin/NAME pid', description: "the node's OS pid" }] },
  remote: { name: 'remote', description: 'a REPL evaluating JavaScript inside the running node, with the shell helpers in scope', positionals: none, options: evalOptions, examples: [{ command: 'bin/NAME remote', description: 'then e.g. processes().length; q() leaves' }, { command: 'bin/NAME remote < checks.js', description: 'run every statement of a file and print each answer; exit 1 when any of them failed' }] },
  rpc: { name: 'rpc', description: "run a module's function on the node and print the result as JSON", positionals: [{ name: 'module', description: 'the module, e.g. otp or shop/shop_server', required: true }, { name: 'fn', description: 'the exported function', required: true }, { name: 'json-args', description: "the arguments as a JSON array, e.g. '[1, \"two\"]'" }], options: [{ name: 'timeout', type: 'number', value: 'MS', description: 'how long to wait for the answer, in ms (default 30000)' }], examples: [{ command: 'bin/NAME rpc otp processCount', description: 'how many processes the node runs' }] },
  eval: { name: 'eval', description: 'evaluate a JavaScript expression inside the node (ctx and the runtime API in scope), bounded as remote', positionals: [{ name: 'code', description: 'the JavaScript, its words joined with spaces', required: true, variadic: true }], options: evalOptions, examples: [{ command: 'bin/NAME eval "processes().length"', description: 'how many processes the node runs' }] },
  versions: { name: 'versions', description: 'the installed versions, which is permanent and which runs', positionals: none, options: none, examples: [{ command: 'bin/NAME versions', description: 'one line per installed version' }] },
  unpack: { name: 'unpack', description: 'unpack a release tarball (from releases/ or a path) beside the installed versions', positionals: [{ name: 'release', description: 'a version in releases/, or a path to NAME-VSN.tar.gz', required: true }], options: none, examples: [{ command: 'bin/NAME unpack 0.2.0', description: 'unpack releases/NAME-0.2.0.tar.gz' }] },
  upgrade: { name: 'upgrade', description: 'hot-upgrade the running node to a version (unpacked first if needed), watch it, then make it permanent', positionals: [{ name: 'release', description: 'a version, or a path to NAME-VSN.tar.gz', required: true }], options: probeOption, examples: [{ command: 'bin/NAME upgrade 0.2.0', description: 'upgrade the running node to 0.2.0' }] },
  downgrade: { name: 'downgrade', description: 'hot-downgrade the running node to an earlier installed version the same way', positionals: [{ name: 'vsn', description: 'an installed version', required: true }], options: probeOption, examples: [{ command: 'bin/NAME downgrade 0.1.0', description: 'back to 0.1.0' }] },
  // Run by the start script itself, not by people: the heart process that `daemon --heart` starts.
  heart: { name: 'heart', hidden: true, description: 'the watchdog daemon --heart starts', positionals: none, options: none, examples: [{ command: 'bin/NAME daemon --heart', description: 'starts it' }] },
} as const satisfies Record<string, CommandSpec>;

/** The start script as the shared adapter sees it: `bin/<name>` and `commands`, the release's name in the examples. */
// Each command refuses a flag given twice (`upgrade 0.2.0 --probe-ms 0 --probe-ms 60000`): an operator's line, often
// pasted together from notes, should not run on the last of two values without a word.
export function scriptProgram<C extends CommandSpec>(name: string, commands: readonly C[]): ProgramSpec<C> {
  const named = (text: string) => text.replaceAll('NAME', name);
  return {
    name: `bin/${name}`,
    tagline: `The start script of the ${name} release: boots it, or talks to its running node with the release's cookie.`,
    epilogue: `Run \`bin/${name} <command> --help\` for a command's options. Exit codes: 0 success, 1 the work failed, 2 bad usage or input.`,
    commands: commands.map((c) => ({ ...c, once: true, examples: c.examples.map((e) => ({ command: named(e.command), description: named(e.description) })) as unknown as C['examples'] })),
    globalOptions: [],
    // relx's start script's words, as an operator used to Erlang releases types them.
    knownAs: { start: { tool: 'relx', command: 'daemon' }, console: { tool: 'relx', command: 'foreground' }, attach: { tool: 'relx', command: 'remote' }, remote_console: { tool: 'relx', command: 'remote' }, install: { tool: 'relx', command: 'upgrade' } },
  };
}
