import { editDistance } from '../edit-distance.js';
import { CRASH_DUMP_MAX_BYTES } from './crashdump.js';
/** A release file that cannot be used as it is: the file, and a sentence naming what is wrong and the fix. */
export class ReleaseConfigError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReleaseConfigError';
  }
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

// `where` is a key path (`shop.url`), said after the variable; `at`, a `file:line` said in place of the file.
function substituteString(text: string, env: Record<string, string | undefined>, file: string, where?: string, at = file): string {
  return text.replace(VAR, (_all, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    // Set but empty (NAME= in the shell) is refused as unset is, as sh's ${NAME:-x} treats it: saying "export it" would not help.
    const state = value === '' ? `is set but empty: give ${name} a value` : `is not set: export ${name}`;
    throw new ReleaseConfigError(file, `${at}: \${${name}}${where === undefined ? '' : ` at ${where}`} ${state}, or write \${${name}:-default}`);
  });
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` inside the string values of parsed JSON (never in the text,
 * so a value can never break the JSON); throws ReleaseConfigError naming the variable and its key path.
 */
export function substituteEnv<T>(value: T, env: Record<string, string | undefined>, file: string, where = '(top)'): T {
  if (typeof value === 'string') return substituteString(value, env, file, where) as T;
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, file, `${where}[${i}]`)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, file, where === '(top)' ? k : `${where}.${k}`);
    return out as T;
  }
  return value;
}

/**
 * The `${VAR}` names used in the strings of parsed JSON (walked as substituteEnv walks it), each mapped
 * to whether it is required: used at least once without a `:-default`.
 */
export function variablesOf(value: unknown, found: Map<string, boolean> = new Map()): Map<string, boolean> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(VAR)) found.set(m[1]!, (found.get(m[1]!) ?? false) || m[2] === undefined);
  } else if (Array.isArray(value)) for (const v of value) variablesOf(v, found);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) variablesOf(v, found);
  return found;
}

/** The `${VAR}` names node.args uses in its words (comments aside), each mapped to whether it is required. */
export function nodeArgsVariables(text: string): Map<string, boolean> {
  return variablesOf(words(text));
}

/** The line of node.args where each `${VAR}` it requires (used without a `:-default`) is first used, for messages. */
export function nodeArgsVariableLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  for (const { word, line } of words(text)) for (const m of word.matchAll(VAR)) if (m[2] === undefined && !lines.has(m[1]!)) lines.set(m[1]!, line);
  return lines;
}

/** Checks that a parsed sys.config.json is `{ app: { key: value } }`. */
export function checkSysConfig(value: unknown, file: string): Record<string, Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ReleaseConfigError(file, `${file} must hold a JSON object of applications, e.g. { "shop": { "port": 8080 } }`);
  for (const [app, env] of Object.entries(value)) {
    if (env === null || typeof env !== 'object' || Array.isArray(env)) throw new ReleaseConfigError(file, `${file}: the entry of '${app}' must be an object of settings, got ${JSON.stringify(env)}`);
  }
  return value as Record<string, Record<string, unknown>>;
}

/**
 * The warnings for a version's sys.config.json keys that name no application of its release (`myap` for `myapp`),
 * each naming the closest application when one is near: those settings reach no application (OTP ignores them too).
 */
export function unknownConfigApps(sysConfig: Record<string, unknown>, apps: readonly string[], file: string): string[] {
  return Object.keys(sysConfig)
    .filter((key) => !apps.includes(key))
    .map((key) => {
      const near = apps.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= Math.max(1, Math.floor(key.length / 3)));
      return `warning: ${file} has settings for application '${key}', which this release does not run${near === undefined ? '' : ` (did you mean '${near}'?)`}: they reach no application; rename or remove that key (the release's applications: ${apps.join(', ')})`;
    });
}

// What kind of JSON value `v` is, as a warning names it.
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/**
 * One warning line per setting whose JSON kind differs from the application's declared env default (a number where the
 * default is an object): OTP does not check, the application reads the value as written. A string holding `${VAR}` is
 * left alone (the only way to set a value from the environment), and so is a default of null (any kind may follow).
 */
export function configTypeWarnings(config: Record<string, Record<string, unknown>>, defaults: ReadonlyMap<string, Record<string, unknown>>, what: string): string[] {
  const warnings: string[] = [];
  for (const [app, settings] of Object.entries(config)) {
    const env = defaults.get(app) ?? {};
    for (const [key, value] of Object.entries(settings)) {
      const fallback = env[key];
      if (fallback === undefined || fallback === null || kindOf(value) === kindOf(fallback)) continue;
      if (typeof value === 'string' && value.includes('${')) continue;
      warnings.push(`${what} sets ${app}'s ${key} to ${kindOf(value)} (${JSON.stringify(value).slice(0, 40)}), but ${app}'s default for it (the env of its package.json "otp" field) is ${kindOf(fallback)}, which the application is likely to expect: give it ${kindOf(fallback)} in ${what}, or change the default if the application takes both`);
    }
  }
  return warnings;
}

/** What a release's node.args says: the node's identity, and the flags Node.js itself takes. */
export interface NodeArgs {
  /** `name@host` (from `--name`, or `--sname` on 127.0.0.1). */
  name?: string;
  cookie?: string;
  hidden: boolean;
  /** Nodes to connect to at start and keep connecting (`--connect a@h,b@h`): static discovery. */
  connect?: string[];
  /** `--proto tls --ssl-cert F --ssl-key F --ssl-ca F`: distribution over TLS with mutual authentication. */
  tls?: { cert: string; key: string; ca: string };
  /** `--busy-wait US`: how long distribution keeps polling after traffic (DistributionOptions.busyWaitUs). */
  busyWaitUs?: number;
  /** `-heart` and its settings: `bin/<name> daemon` runs the node under a watchdog that restarts it. */
  heart?: HeartArgs;
  /** `--crash-dump FILE`: where the node writes its crash dump (relative to the release root; default otp_crash.dump there). */
  crashDump?: string;
  /** `--crash-dump-bytes N`: the crash dump's size limit. */
  crashDumpBytes?: number;
  /** Flags for the Node.js executable (`--enable-source-maps`, `--max-old-space-size=512`). */
  nodeFlags: string[];
}

/** The heart words of node.args: `-heart` turns the watchdog on; the others tune it (unset: the environment's HEART_* or the defaults). */
export interface HeartArgs {
  enabled: boolean;
  /** `--heart-beat-timeout S`: seconds without an answer before a hung node is killed and restarted (Erlang's HEART_BEAT_TIMEOUT). */
  beatTimeoutS?: number;
  /** `--heart-max-restarts N` within `--heart-max-seconds S`: past that, the heart gives up. */
  maxRestarts?: number;
  maxSeconds?: number;
}

// The value of a heart word: a whole number within bounds.
function heartNumber(flag: string, v: string, min: number, file: string): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 86_400) throw new ReleaseConfigError(file, `${file}: ${flag} ${v} is not a whole number from ${min} to 86400: write e.g. ${flag} ${Math.max(min, 5)}`);
  return Number(v);
}

// Splits a node.args text into words: whitespace separates, quotes group, `#` starts a comment.
function words(text: string): Array<{ word: string; line: number }> {
  const out: Array<{ word: string; line: number }> = [];
  for (const [i, line] of text.split('\n').entries()) {
    const stripped = line.replace(/(^|\s)#.*$/, '');
    for (const m of stripped.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push({ word: m[1] ?? m[2] ?? m[3]!, line: i + 1 });
  }
  return out;
}

// The node names of `--connect a@h,b@h`.
function connectList(value: string, file: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const bad = names.find((n) => !/^[\w.-]+@[\w.:-]+$/.test(n));
  if (bad !== undefined) throw new ReleaseConfigError(file, `${file}: '${bad}' in --connect is not a node name: use name@host, e.g. --connect a@10.0.0.1,b@10.0.0.2`);
  return names;
}

// What reading node.args collects: the arguments, and the protocol and TLS files checked together at the end.
interface NodeArgsDraft {
  args: NodeArgs;
  proto: string;
  ssl: { cert?: string; key?: string; ca?: string };
}

type FlagReader = (d: NodeArgsDraft, value: () => string, flag: string, file: string) => void;

// A whole number flag of node.args, or one sentence saying what to write.
function wholeNumber(v: string, ok: (n: number) => boolean, file: string, sentence: string): number {
  if (!/^\d+$/.test(v) || !ok(Number(v))) throw new ReleaseConfigError(file, `${file}: ${sentence}`);
  return Number(v);
}

// The release's own flags of node.args (written with one or two dashes); any other `--flag` is Node's.
const NODE_ARGS_FLAGS = new Map<string, FlagReader>([
  ['-name', (d, v) => void (d.args.name = v())],
  ['-sname', (d, v) => void (d.args.name = `${v()}@127.0.0.1`)],
  ['-setcookie', (d, v) => void (d.args.cookie = v())],
  ['-cookie', (d, v) => void (d.args.cookie = v())],
  ['-hidden', (d) => void (d.args.hidden = true)],
  ['-connect', (d, v, _flag, file) => void (d.args.connect = connectList(v(), file))],
  ['-proto', (d, v, _flag, file) => {
    d.proto = v();
    if (d.proto !== 'tls' && d.proto !== 'tcp') throw new ReleaseConfigError(file, `${file}: --proto ${d.proto} is not a protocol: use --proto tls (or tcp, the default)`);
  }],
  ['-busy-wait', (d, v, _flag, file) => {
    const w = v();
    d.args.busyWaitUs = wholeNumber(w, (n) => n <= 1_000_000, file, `--busy-wait ${w} is not a number of microseconds: use e.g. --busy-wait 200 (0 turns busy waiting off)`);
  }],
  ['-crash-dump', (d, v) => void (d.args.crashDump = v())],
  ['-crash-dump-bytes', (d, v, _flag, file) => {
    const w = v();
    d.args.crashDumpBytes = wholeNumber(w, (n) => n >= 4096 && n <= CRASH_DUMP_MAX_BYTES, file, `--crash-dump-bytes ${w} is not a size in bytes from 4096 to ${CRASH_DUMP_MAX_BYTES} (256 MiB, the most a crash dump may take): write e.g. --crash-dump-bytes 33554432`);
  }],
  ['-heart', (d) => void (d.args.heart = { ...d.args.heart, enabled: true })],
  ['-heart-beat-timeout', (d, v, flag, file) => void (d.args.heart = { enabled: false, ...d.args.heart, beatTimeoutS: heartNumber(flag, v(), 1, file) })],
  ['-heart-max-restarts', (d, v, flag, file) => void (d.args.heart = { enabled: false, ...d.args.heart, maxRestarts: heartNumber(flag, v(), 0, file) })],
  ['-heart-max-seconds', (d, v, flag, file) => void (d.args.heart = { enabled: false, ...d.args.heart, maxSeconds: heartNumber(flag, v(), 1, file) })],
  ['-ssl-cert', (d, v) => void (d.ssl.cert = v())],
  ['-ssl-key', (d, v) => void (d.ssl.key = v())],
  ['-ssl-ca', (d, v) => void (d.ssl.ca = v())],
]);

// What a flag's value looks like, for the sentence refusing the flag written without one.
function valueExample(flag: string): string {
  const bare = flag.replace(/^-+/, '');
  if (bare === 'name') return 'shop@127.0.0.1';
  if (bare === 'sname') return 'shop';
  if (bare === 'setcookie' || bare === 'cookie') return 'a-long-random-secret';
  if (bare === 'connect') return 'a@127.0.0.1,b@127.0.0.1';
  if (bare === 'proto') return 'tls';
  if (bare.startsWith('ssl-')) return `certs/${bare.slice(4)}.pem`;
  if (bare === 'crash-dump') return 'log/otp_crash.dump';
  return bare === 'crash-dump-bytes' ? '33554432' : bare === 'busy-wait' ? '200' : '5';
}

// A word that is no flag after a flag taken as Node's: that flag may be a misspelt one of node.args (--nmae for --name).
function misspelt(previous: string | undefined): string {
  if (previous === undefined || !previous.startsWith('-') || previous.includes('=')) return '';
  const bare = previous.replace(/^-+/, '');
  const near = [...NODE_ARGS_FLAGS.keys()].map((k) => k.slice(1)).find((k) => editDistance(bare, k) <= (k.length < 4 ? 1 : 2));
  return near === undefined ? '' : ` (${previous} is no flag of node.args: did you mean --${near}?)`;
}

/** Parses node.args (vm.args' counterpart), with `${VAR}` substituted in each word. */
export function parseNodeArgs(text: string, env: Record<string, string | undefined>, file: string): NodeArgs {
  const d: NodeArgsDraft = { args: { hidden: false, nodeFlags: [] }, proto: 'tcp', ssl: {} };
  // Each word's errors name its line as file:line (a flag's value, the line of its flag).
  const found = words(text);
  const list = found.map((w) => substituteString(w.word, env, file, undefined, `${file}:${w.line}`));
  for (let i = 0; i < list.length; i++) {
    const word = list[i]!;
    const at = `${file}:${found[i]!.line}`;
    const [flag, inline] = word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const value = (): string => {
      const v = inline ?? list[++i];
      if (v === undefined || v.startsWith('--')) throw new ReleaseConfigError(file, `${at}: ${flag} needs a value, e.g. ${flag} ${valueExample(flag)}`);
      return v;
    };
    const read = NODE_ARGS_FLAGS.get(flag.replace(/^-+/, '-'));
    if (read) read(d, value, flag, at);
    else if (word.startsWith('--')) d.args.nodeFlags.push(word);
    else throw new ReleaseConfigError(file, `${at}: '${word}' is not a flag${misspelt(list[i - 1])}: write --name, --setcookie, --hidden, --busy-wait or a Node.js flag such as --max-old-space-size=512`);
  }
  const { args, ssl } = d;
  const missing = (['cert', 'key', 'ca'] as const).filter((k) => ssl[k] === undefined);
  if (d.proto === 'tls') {
    if (missing.length > 0) throw new ReleaseConfigError(file, `${file}: --proto tls needs ${missing.map((k) => `--ssl-${k} FILE`).join(', ')} (PEM files: this node's certificate and key, and the CA that signs every node)`);
    args.tls = { cert: ssl.cert!, key: ssl.key!, ca: ssl.ca! };
  } else if (missing.length < 3) {
    throw new ReleaseConfigError(file, `${file}: --ssl-cert, --ssl-key and --ssl-ca take effect only with --proto tls: add it`);
  }
  if (args.name !== undefined && !/^[\w.-]+@[\w.:-]+$/.test(args.name)) throw new ReleaseConfigError(file, `${file}: '${args.name}' is not a node name: use name@host, e.g. shop@127.0.0.1`);
  return args;
}
