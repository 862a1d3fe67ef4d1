import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
// Only otp new's scaffold: the build inlines it (and the templates ship in the package), so that
// npm create installs this one package and not the whole toolchain (bench/RESULTS.md, newcomer).
import { isOtpError, newProject, shellWord, templateNames, type TemplateName } from '@otp-ts/cli';

/** Where create writes: its output streams and the folder it runs in. */
export interface CreateIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** The text `npm create otp-ts@latest -- --help` prints. */
export const usage = `Usage: npm create otp-ts@latest <name> [-- --template app|lib|umbrella]

Creates an otp-ts project in ./<name>, as \`otp new\` does, depending on the published @otp-ts
packages: after \`npm install\` in it, \`npx otp\` is the project's own otp command.

Options (after \`--\` when run through npm create):
  -t, --template <app|lib|umbrella>  app (default): an application, its supervisor, a gen_server and tests;
                                     lib: a library of modules and tests; umbrella: an npm workspace with apps/<name>
  -d, --dir <dir>                    the folder to create it in (default: ./<name>)
  -f, --force                        write into an existing non-empty folder
  -h, --help                         print this help
  -v, --version                      print the version

Examples:
  npm create otp-ts@latest shop                         an application in ./shop
  npm create otp-ts@latest textkit -- --template lib    a library in ./textkit
  npm create otp-ts@latest store -- --template umbrella an npm workspace with apps/store
`;

/** A bad command line: exit 2, like otp's usage errors. */
class UsageError extends Error {}

const OPTIONS = ['--template', '--dir', '--force', '--help', '--version'];

// Levenshtein distance: how far a typo is from a name.
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

// ` (did you mean '--template'?)` for a word a few letters off one of `names` (or a start of one: `--temp`), else nothing.
function meant(word: string, names: readonly string[]): string {
  const w = word.toLowerCase().split('=')[0]!;
  const near = names.find((n) => (w.length >= 3 && n.startsWith(w)) || distance(w, n) <= Math.max(1, Math.floor(n.length / 4)));
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}

function parse(argv: string[]): { name?: string; template: TemplateName; dir?: string; force: boolean; help: boolean; version: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      // npm create passes what follows its own `--`; one more (npx create-otp-ts shop -- --template lib) is passed over.
      args: argv.filter((a) => a !== '--'),
      allowPositionals: true,
      options: {
        template: { type: 'string', short: 't' },
        dir: { type: 'string', short: 'd' },
        force: { type: 'boolean', short: 'f' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new UsageError(unknown ? `unknown option '${unknown[1]}'${meant(unknown[1]!, OPTIONS)} (see --help)` : `${(error as Error).message.replace(/\.$/, '')} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one project name, not ${positionals.length} (${positionals.join(' ')})`);
  const template = values.template ?? 'app';
  if (!(templateNames as readonly string[]).includes(template)) throw new UsageError(`unknown template '${template}'${meant(template, templateNames)}: choose ${templateNames.join(', ')}`);
  return { name: positionals[0], template: template as TemplateName, dir: values.dir, force: values.force ?? false, help: values.help ?? false, version: values.version ?? false };
}

// npx runs a package's bin from the project's node_modules; before npm install there is none, and npx
// looks `otp` up as a package name on the registry, where an unrelated package of that name is.
const installFirst = 'Run npm install first: until then npx otp would fetch an unrelated package named otp.';

/** The lines that tell a newcomer what to run next in the project at `where` (relative to where they are). */
export function nextSteps(where: string, template: TemplateName = 'app'): string[] {
  return [...(where === '.' ? [] : [`cd ${shellWord(where)}`]), 'npm install', 'npx otp test', ...(template === 'lib' ? [] : ['npx otp shell'])];
}

/**
 * Runs the initializer with `argv` (the arguments after the package name); resolves to the exit code:
 * 0 created (or help), 2 bad usage, an invalid name or an existing folder, 1 anything else.
 */
export async function create(argv: string[], overrides: Partial<CreateIo> = {}): Promise<number> {
  const io: CreateIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), ...overrides };
  let args: ReturnType<typeof parse> | undefined;
  try {
    args = parse(argv);
    if (args.help) {
      io.stdout.write(usage);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (args.name === undefined) throw new UsageError('name the project: npm create otp-ts@latest my_app (see --help)');
    const created = newProject({ template: args.template, name: args.name, dir: args.dir, force: args.force, cwd: io.cwd });
    const where = relative(io.cwd, created.root) || '.';
    io.stdout.write(`created ${args.template} ${args.name} in ${where} (${created.files.length} files)\n\nnext:\n${nextSteps(where, args.template).map((l) => `  ${l}\n`).join('')}\n${installFirst}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`create-otp-ts: ${error.message}\n`);
      return 2;
    }
    if (isOtpError(error)) {
      const hint = args ? createHint(error.code, error.hint, args) : error.hint;
      io.stderr.write(`create-otp-ts: ${error.message}\n${hint ? hint + '\n' : ''}`);
      return error.exitCode;
    }
    io.stderr.write(`create-otp-ts: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nplease report it with the command you ran.\n`);
    return 1;
  }
}

/**
 * otp new's hint, said as the npm create command that fixes it: a better name in the whole command line,
 * and --force after npm's `--` (before it, npm would take --force as its own flag).
 */
function createHint(code: string, hint: string | undefined, args: { template: TemplateName; name?: string; dir?: string }): string | undefined {
  const options = `${args.template === 'app' ? '' : ` --template ${args.template}`}${args.dir === undefined ? '' : ` --dir ${args.dir}`}`;
  const command = (name: string, more = ''): string => `npm create otp-ts@latest ${name}${options || more ? ` --${options}${more}` : ''}`;
  const better = /^Try '([a-z][a-z0-9_]*)'\.$/.exec(hint ?? '')?.[1];
  if (code === 'badName' && better) return `Try ${command(better)}`;
  if (code === 'exists' && args.name !== undefined && hint?.includes('--force')) return `Choose another name, or write into it with ${command(args.name, ' --force')}.`;
  return hint;
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
