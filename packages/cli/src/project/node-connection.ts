import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DistributionTls } from '@otp-ts/runtime';
import type { OptionSpec } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import { resolveCookie } from './cookie.js';

/** The options of every command that talks to a node: the cookie, and TLS for a cluster started with `--proto tls`. */
export const nodeConnectionOptions = [
  { name: 'cookie', type: 'string', value: 'C', description: "the cookie the nodes share (default: OTP_COOKIE, then inside a project config/node.args's cookie or the cookie of the project's built release of that node, then ~/.otp-ts.cookie)" },
  { name: 'proto', type: 'string', value: 'PROTO', description: "the nodes' distribution protocol, tls or tcp: tls for nodes started with --proto tls (default: OTP_PROTO, then tcp)" },
  { name: 'ssl-cert', type: 'string', value: 'FILE', description: "with --proto tls: this node's certificate (PEM), signed by the cluster's CA (default: OTP_SSL_CERT)" },
  { name: 'ssl-key', type: 'string', value: 'FILE', description: 'with --proto tls: the key of --ssl-cert (PEM, unencrypted; default: OTP_SSL_KEY)' },
  { name: 'ssl-ca', type: 'string', value: 'FILE', description: "with --proto tls: the CA that signs the nodes' certificates (PEM; default: OTP_SSL_CA)" },
] as const satisfies readonly OptionSpec[];

/** `--sname`: this tool's own node name, a short name on 127.0.0.1 (every command that talks to a node). */
export const snameOption = { name: 'sname', type: 'string', value: 'N', description: "this tool's node name, a short name on 127.0.0.1 (default otp_cli_<pid>)" } as const satisfies OptionSpec;
/** `--name`: this tool's own node name as name@host (every such command but trace, whose --name picks processes). */
export const nameOption = { name: 'name', type: 'string', value: 'N', description: "this tool's node name, name@host (host defaults to 127.0.0.1; default otp_cli_<pid>@127.0.0.1)" } as const satisfies OptionSpec;

/** The node name a tool's hidden node takes: `--name` (name@host, host 127.0.0.1 when left out), `--sname` (N@127.0.0.1), else otp_cli_<pid>@127.0.0.1. */
export function toolNodeName(flags: { name?: unknown; sname?: string }): string {
  const name = typeof flags.name === 'string' ? flags.name : undefined;
  if (name !== undefined && flags.sname !== undefined) throw new OtpError('usage', '--name and --sname both name this node: give one of them');
  const given = name ?? flags.sname;
  if (given === undefined) return `otp_cli_${process.pid}@127.0.0.1`;
  const full = given.includes('@') ? given : `${given}@127.0.0.1`;
  if ((flags.sname !== undefined && given.includes('@')) || !/^[\w.-]+@[\w.:-]+$/.test(full)) {
    throw new OtpError('usage', flags.sname !== undefined ? `--sname ${given} is not a short node name: give letters, digits, _ . or - without @ (or use --name ${given})` : `--name ${given} is not a node name: use name@host, e.g. ops@10.0.0.9`);
  }
  return full;
}

/** The values of nodeConnectionOptions as a command receives them. */
export interface NodeConnectionFlags {
  cookie?: string;
  proto?: string;
  'ssl-cert'?: string;
  'ssl-key'?: string;
  'ssl-ca'?: string;
}

/** How a tool node reaches other nodes: the cookie, and TLS files when the cluster runs over TLS. */
export interface NodeConnection {
  cookie: string;
  /** Where the cookie came from, as a wrong-cookie refusal names it: `--cookie`, `OTP_COOKIE`, or the file it was read from. */
  cookieFrom: string;
  tls?: DistributionTls;
}

/** Where the flags' defaults come from; `home` and `cwd` are injectable so tests never touch the real ones. */
export interface NodeConnectionContext {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** Relative certificate paths are resolved against it. */
  cwd: string;
}

const files = ['cert', 'key', 'ca'] as const;
type TlsFile = (typeof files)[number];
const envOf = (k: TlsFile): string => `OTP_SSL_${k.toUpperCase()}`;

// A value from its flag, else from its environment variable (an empty variable counts as unset).
function pick(flag: string | undefined, env: string | undefined, flagName: string, envName: string): { value: string; from: string } | undefined {
  if (flag !== undefined) return { value: flag, from: flagName };
  if (env !== undefined && env !== '') return { value: env, from: envName };
  return undefined;
}

/**
 * Resolves the connection flags: `--proto` (else OTP_PROTO, else tcp), `--ssl-cert`, `--ssl-key`, `--ssl-ca`
 * (else OTP_SSL_CERT, OTP_SSL_KEY, OTP_SSL_CA) and the cookie as resolveCookie says. Throws an OtpError
 * (usage, exit 2) with one sentence for the rules node.args follows: tls needs all three files, the files
 * only go with tls, the protocol is tls or tcp, and each file exists. Given the `target` node, a project's own
 * cookie for it (config/node.args, else its built release's, under `buildDir`) comes before ~/.otp-ts.cookie.
 */
export function resolveNodeConnection(flags: NodeConnectionFlags, context: NodeConnectionContext, target?: string, buildDir?: string): NodeConnection {
  const tls = resolveTls(flags, context);
  const project = target === undefined ? undefined : { cwd: context.cwd, target, ...(buildDir === undefined ? {} : { buildDir }) };
  const { cookie, source, file } = resolveCookie({ flag: flags.cookie, env: context.env, home: context.home, ...(project ? { project } : {}) });
  const cookieFrom = source === 'flag' ? '--cookie' : source === 'env' ? 'OTP_COOKIE' : source === 'project' ? `the project's ${file}` : `the cookie file ${file}`;
  return tls ? { cookie, cookieFrom, tls } : { cookie, cookieFrom };
}

/** The TLS files of the connection flags (undefined over tcp), or the usage error resolveNodeConnection throws for them; reads no cookie. */
export function resolveTls(flags: NodeConnectionFlags, context: Pick<NodeConnectionContext, 'env' | 'cwd'>): DistributionTls | undefined {
  const proto = pick(flags.proto, context.env.OTP_PROTO, '--proto', 'OTP_PROTO') ?? { value: 'tcp', from: '--proto' };
  if (proto.value !== 'tls' && proto.value !== 'tcp') {
    const shown = proto.from === 'OTP_PROTO' ? `OTP_PROTO=${proto.value}` : `--proto ${proto.value}`;
    throw new OtpError('usage', `${shown} is not a protocol: use --proto tls (or tcp, the default)`);
  }
  const given = Object.fromEntries(files.map((k) => [k, pick(flags[`ssl-${k}`], context.env[envOf(k)], `--ssl-${k}`, envOf(k))])) as Record<TlsFile, { value: string; from: string } | undefined>;
  if (proto.value === 'tcp') {
    const stray = files.map((k) => given[k]?.from).filter((f) => f !== undefined);
    if (stray.length > 0) throw new OtpError('usage', `${list(stray)} ${stray.length === 1 ? 'takes' : 'take'} effect only with --proto tls: add it`);
    return undefined;
  }
  const missing = files.filter((k) => given[k] === undefined);
  if (missing.length > 0) {
    throw new OtpError('usage', `--proto tls needs ${list(missing.map((k) => `--ssl-${k} FILE`))} (or ${list(missing.map(envOf))}): this node's certificate and key, signed by the cluster's CA, and that CA`);
  }
  const tls = {} as DistributionTls;
  for (const k of files) tls[k] = checkFile(given[k]!, context.cwd);
  return tls;
}

// The absolute path of a certificate file, or one sentence naming the file and where it came from.
function checkFile(file: { value: string; from: string }, cwd: string): string {
  const path = resolve(cwd, file.value);
  const shown = file.from.startsWith('--') ? `${file.from} ${file.value}` : `${file.from}=${file.value}`;
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OtpError('usage', code === 'ENOENT' ? `${shown}: no such file` : `${shown}: the file cannot be read (${code ?? (error as Error).message})`, { cause: error });
  }
  if (!isFile) throw new OtpError('usage', `${shown} is not a file: give a PEM file`);
  return path;
}

const list = (items: readonly string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
