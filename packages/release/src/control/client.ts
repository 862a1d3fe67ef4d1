// What every command of the start script's program shares: the release root, its one-line errors, and
// the hidden tool node that reaches the release's node over distribution with node.args' cookie.
import { colours, permanentVersion, PortMapperError, readNodeArgs, readReleases } from '@otp-ts/runtime/tools';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOtpError, OtpError, type OtpErrorOptions } from '../command/otp-error.js';
import { createNode, rpc, BadRpc, type DistributionTls, type OtpNode } from '@otp-ts/runtime';

/** The release root: bin/<name>.mjs sits in its bin/ (the start script exports it too). */
export const root = process.env.OTP_RELEASE_ROOT ?? dirname(dirname(fileURLToPath(import.meta.url)));

/** This program (bin/<name>.mjs), which the daemon and the heart run again as `foreground` or `heart`. */
export const program = fileURLToPath(import.meta.url);

/** A failure the script reports in one line: the CLI's OtpError, `usage` for exit 2 (bad usage or input), `failed` for exit 1. */
export class ScriptError extends OtpError {
  constructor(message: string, exitCode: 1 | 2 = 1, options: OtpErrorOptions = {}) {
    super(exitCode === 2 ? 'usage' : 'failed', message, options);
  }
}

/** How the start script prints an error: `<who>: <message>` and the hint, the CLI's shape; returns the exit code. */
export function renderScriptError(error: unknown, who: string, stderr: { write(text: string): unknown; isTTY?: boolean }): 1 | 2 {
  const known = isOtpError(error) ? error : error instanceof Error && error.name === 'ReleaseConfigError' ? new OtpError('badConfig', error.message, { cause: error }) : undefined;
  const message = known?.message ?? (error instanceof Error ? error.message : String(error));
  stderr.write(`${colours(stderr).red(`${who}: ${message}`)}\n${known?.hint ? `${known.hint}\n` : ''}`);
  return known?.exitCode ?? 1;
}

/** Who the start script talks to: the release's name, its node, cookie and TLS files, and the permanent version. */
export interface Target {
  name: string;
  node: string;
  cookie: string;
  tls?: DistributionTls;
  vsn: string;
}

/** The node name, cookie and TLS files clients use: those of the permanent version (they stay the same across versions). */
export async function target(): Promise<Target> {
  const releases = await readReleases(root);
  const vsn = permanentVersion(releases) ?? releases.releases.at(-1)?.vsn;
  if (!vsn) throw new ScriptError(`${root} has no installed version: build one with otp release`, 2);
  // Only node.args: a client needs the node's name and cookie, not the variables its sys.config wants.
  const nodeArgs = await readNodeArgs(root, vsn, process.env);
  if (!nodeArgs.name || !nodeArgs.cookie) throw new ScriptError(`releases/${vsn}/node.args sets no --name and --setcookie, so the node cannot be reached: add them and rebuild`, 2);
  return { name: releases.name, node: nodeArgs.name, cookie: nodeArgs.cookie, ...(nodeArgs.tls ? { tls: nodeArgs.tls } : {}), vsn };
}

/** The client's hidden node, with node.args' cookie and TLS files; `refusal()` is why its last attempt to reach the release's node failed. */
export interface ToolNode {
  node: OtpNode;
  refusal(): string | undefined;
}

/** Runs `work` with a hidden tool node named `<release>_<role>_<os pid>`, shut down afterwards. */
export async function withToolNode<T>(work: (tool: ToolNode, t: Target) => Promise<T>, role = 'ctl'): Promise<T> {
  const t = await target();
  const node = createNode({ onCrash: () => {} });
  // The tool node registers with this host's port mapper first: one that does not do its part (hung, another program on
  // its port) leaves the node unreachable, said in the port mapper's own sentence with its fix (exit 1).
  await node.startDistribution({ name: `${t.name}_${role}_${process.pid}@${t.node.split('@')[1]}`, cookie: t.cookie, hidden: true, log: () => {}, ...(t.tls ? { tls: t.tls } : {}) }).catch((error: unknown) => {
    node.shutdown();
    throw error instanceof PortMapperError ? new ScriptError(`cannot reach ${t.node}: ${error.message}`, 1, { cause: error }) : error;
  });
  // The distribution's own sentence for a refusal (another cookie, --proto, a certificate); none when the node is simply not running.
  const refusal = (): string | undefined => {
    const failure = node.dist?.connectFailure(t.node);
    if (!failure || failure.reason === 'unknown' || failure.reason === 'unreachable') return undefined;
    // The script takes no --cookie and reads no OTP_COOKIE: its cookie is node.args', with this shell's ${VAR}s.
    return failure.message.replace(/^distribution: /, '').replace('--cookie, OTP_COOKIE or ~/.otp-ts.cookie', `this script uses the --setcookie of releases/${t.vsn}/node.args, with this shell's \${VAR}s`);
  };
  try {
    return await work({ node, refusal }, t);
  } finally {
    node.shutdown();
  }
}

/** The node refused this client and its distribution said why, naming it (another cookie, --proto, a certificate), or it is not running. */
export function unreachable(t: { name: string; node: string }, why: string | undefined): ScriptError {
  return new ScriptError(why ?? `${t.node} is not running: start it with bin/${t.name} daemon`);
}

/** Calls `module.fn(...args)` on the release's node (refused when another root's node answers, for `verb`); a failure on the node is one line. */
export async function call(fn: string, module: string, args: unknown[] = [], timeoutMs = 30_000, verb = module === 'release_handler' ? fn : 'rpc'): Promise<unknown> {
  return withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    await refuseOtherRoot(node, t, verb);
    try {
      return await node.run((ctx) => rpc.call(ctx, t.node, module, fn, args, timeoutMs));
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error ? error.cause : error;
      if (reason instanceof BadRpc) throw new ScriptError(describe(reason.reason), 1, { cause: reason });
      throw error;
    }
  });
}

/**
 * The release root the node answering under the release's name was started from, when it is not this one (a copy of
 * the root, `cp -a`, shares its node name); undefined when it is this one, or the node does not say (an older runtime).
 */
export async function otherRoot(node: OtpNode, t: Target): Promise<string | undefined> {
  let theirs: unknown;
  try {
    theirs = await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'root', [], 10_000));
  } catch {
    return undefined;
  }
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  if (typeof theirs !== 'string' || real(theirs) === real(root)) return undefined;
  // This root, moved (mv) after its node booted: the old path is gone and run/<name>.pid, moved along, names the node.
  return existsSync(theirs) || !(await pidFileNames(node, t)) ? theirs : undefined;
}

/**
 * The path the node answering under the release's name was started from, when that is this root moved (mv) since it booted
 * (the old path gone, run/<name>.pid moved along naming the node); undefined otherwise.
 */
export async function movedFrom(node: OtpNode, t: Target): Promise<string | undefined> {
  const theirs = await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'root', [], 10_000)).catch(() => undefined);
  if (typeof theirs !== 'string' || resolve(theirs) === resolve(root) || existsSync(theirs)) return undefined;
  return (await pidFileNames(node, t)) ? theirs : undefined;
}

// Whether this root's run/<name>.pid holds the OS pid of the node answering under the release's name.
async function pidFileNames(node: OtpNode, t: Target): Promise<boolean> {
  try {
    const osPid = await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'pid', [], 10_000));
    return Number(readFileSync(pidFile(t.name), 'utf8').trim()) === osPid;
  } catch {
    return false;
  }
}

/** Refuses (exit 1) to run `verb` on the node answering under the release's name when it was started from another root. */
export async function refuseOtherRoot(node: OtpNode, t: Target, verb: string): Promise<void> {
  const theirs = await otherRoot(node, t);
  if (theirs !== undefined) throw fromOtherRoot(t, theirs, verb);
}

/** The refusal of a command run from one root against the node of another that shares its node name. */
export function fromOtherRoot(t: Target, theirs: string, verb: string): ScriptError {
  return new ScriptError(`${t.node} was started from another release root, ${theirs}, not from this one (${root}), so ${verb} was not done here: run that root's ${join(theirs, 'bin', t.name)} ${verb}, or give this copy another node name (--name in releases/${t.vsn}/node.args)`);
}

/**
 * The OS pid of the node answering under the release's name through `tool` (its release handler's
 * `pid`), or undefined when none answers — or none has finished booting — within `timeoutMs`.
 */
export async function answeringPid(tool: ToolNode, t: Target, timeoutMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  const asked = (async () => {
    if (!(await tool.node.ping(t.node))) return undefined;
    const pid = await tool.node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'pid', [], timeoutMs));
    return typeof pid === 'number' ? pid : undefined;
  })().catch(() => undefined);
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The node's own sentence, without the wrapping of the rpc process that carried it. */
export function describe(reason: unknown): string {
  return String(reason instanceof Error ? reason.message : reason).replace(/^process <[\d.]+> exited: (\w*Error: )?/, '');
}

/** run/<name>.pid: the node's OS pid, written once it booted. */
export function pidFile(name: string): string {
  return join(root, 'run', `${name}.pid`);
}

/**
 * Whether an OS process still runs: an exited one waiting to be reaped (a zombie, when the node's
 * parent was the daemon command that has already exited) counts as gone.
 */
export function alive(osPid: number): boolean {
  try {
    process.kill(osPid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${osPid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
