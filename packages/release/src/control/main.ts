// The start script's program (bin/<name>.mjs): boots the release, or talks to its running node over
// distribution with the release's cookie. It needs nothing of the project: only the release root.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { rpc, BadRpc, type OtpNode } from '@otp-ts/runtime';
import { bootRelease, MAX_PROBE_MS, hasVersion, permanentVersion, holderText, lateOutputReceiver, readNodeArgs, readReleaseFile, readReleases, readVersion, releasesLockHolder, versionVariables, colours, PortMapperError, printedAnswer, remoteAnswer, rpcResultJson, thrownAfterPrinting, type InstallRefused, type LastUpgrade, type LockHolder } from '@otp-ts/runtime/tools';
import { formatReport } from './report.js';
import { halfUnpacked } from './half-unpacked.js';
import { isOtpError } from '../command/otp-error.js';
import { alive, call, describe, movedFrom, otherRoot, pidFile, program, refuseOtherRoot, renderScriptError, root, ScriptError, sleep, target, unreachable, withToolNode, type Target } from './client.js';
import { daemon, heartCommand, refuseRunning } from './daemon.js';
import { checkCookieFile, checkNodeFlags, checkNative, checkRuntime, checkWritableRoot, lastWords, logOffset, versionToBoot, whereToLook } from './node-process.js';
import { liveHeart } from './heart.js';
import { evalFlags, type EvalFlags } from './eval-flags.js';
import { parseCommandLine, styleHelp } from '../command/adapter.js';
import type { ArgsOf, CommandSpec, OptionSpec, PositionalSpec } from '../command/spec.js';
import { scriptProgram, scriptTables } from './commands.js';
import { removeAbandoned } from '../assemble/journal.js';
import { permissionRefusal } from './fs-failure.js';
import { CLEARING_CONTEXT, clearsSession, quitsShell, replStatements } from '../command/incomplete.js';
import { failedStatements, remoteNodeDown } from '../command/piped-failures.js';
import { boundedInput } from '../command/bounded-input.js';
import { holdSignals, type HeldSignals } from './hold-signals.js';

/** A command of the start script: its tables (the shared adapter parses and checks them) and what it runs. */
interface ScriptCommand<O extends readonly OptionSpec[] = readonly OptionSpec[], P extends readonly PositionalSpec[] = readonly PositionalSpec[]> extends CommandSpec<O, P> {
  run(args: ArgsOf<O, P>): Promise<number>;
}
const command = <const O extends readonly OptionSpec[], const P extends readonly PositionalSpec[]>(c: ScriptCommand<O, P>): ScriptCommand => c as unknown as ScriptCommand;

const commands: readonly ScriptCommand[] = [
  command({ ...scriptTables.foreground, run: ({ vsn }) => foreground(vsn) }),
  command({ ...scriptTables.daemon, run: ({ heart }) => daemon({ heart }) }),
  command({ ...scriptTables.stop, run: stop }),
  command({ ...scriptTables.restart, run: restart }),
  command({ ...scriptTables.ping, run: ping }),
  command({ ...scriptTables.pid, run: pid }),
  command({ ...scriptTables.remote, run: remote }),
  command({ ...scriptTables.rpc, run: rpcCommand }),
  command({ ...scriptTables.eval, run: evalCommand }),
  command({ ...scriptTables.versions, run: versions }),
  command({ ...scriptTables.unpack, run: ({ release }) => unpackCommand(release) }),
  command({ ...scriptTables.upgrade, run: ({ release, 'probe-ms': probeMs }) => installCommand(release, probeMs, 'upgrade') }),
  command({ ...scriptTables.downgrade, run: ({ vsn, 'probe-ms': probeMs }) => installCommand(vsn, probeMs, 'downgrade') }),
  // Run by the start script itself, not by people: the heart process that `daemon --heart` starts.
  command({ ...scriptTables.heart, run: heartCommand }),
];

async function releaseName(): Promise<string> {
  return (await readReleases(root)).name;
}

async function foreground(vsn: string | undefined): Promise<number> {
  const args = vsn === undefined ? [] : ['--vsn', vsn];
  const releases = await readReleases(root);
  if (vsn !== undefined && !hasVersion(root, vsn)) {
    throw new ScriptError(`version ${vsn} is not in this release root, which has ${releases.releases.map((r) => r.vsn).join(', ')}: boot one of those, or unpack ${vsn} first (bin/${releases.name} unpack ${vsn})`, 2);
  }
  const files = await readVersion(root, vsn ?? versionToBoot(releases), process.env);
  checkRuntime(files.release, releases.name);
  checkNative(files.release, releases.name);
  checkCookieFile(files.release.vsn, files.nodeArgs);
  checkWritableRoot(releases.name, 'foreground');
  // The daemon's node and the heart's restarts were checked by the command that started them.
  if (process.env.OTP_RELEASE_CHILD !== '1') await refuseRunning(await target(), 'foreground');
  // Node.js flags from node.args apply to a fresh Node.js process: run one with them when they are
  // missing here, unless this one can still switch them on (source maps), which saves a process start.
  if (files.nodeArgs.nodeFlags.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
  const flags = files.nodeArgs.nodeFlags.filter((f) => f !== '--enable-source-maps' && !process.execArgv.includes(f));
  if (flags.length > 0 && process.env.OTP_RELEASE_CHILD !== '1') {
    checkNodeFlags(files.release.vsn, flags);
    const child = spawn(process.execPath, [...files.nodeArgs.nodeFlags, program, 'foreground', ...args], { stdio: 'inherit', env: { ...process.env, OTP_RELEASE_CHILD: '1' } });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  }
  return new Promise<number>((resolve, reject) => {
    bootRelease({
      root,
      vsn,
      // In a terminal a failed start is one line naming the crash dump; a daemon's log keeps the reports whole.
      quietFailure: process.env.OTP_RELEASE_DAEMON !== '1',
      onStop: (reason) => {
        rmSync(pidFile(releases.name), { force: true });
        resolve(reason === 'stop' ? 0 : 1);
      },
    }).then((booted) => {
      mkdirSync(join(root, 'run'), { recursive: true });
      writeFileSync(pidFile(releases.name), `${process.pid}\n`);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void booted.stop('stop'));
    }, reject);
  });
}

async function ping(): Promise<number> {
  return withToolNode(async ({ node, refusal }, t) => {
    const up = await node.ping(t.node);
    process.stdout.write(`${up ? 'pong' : 'pang'}\n`);
    // pang says why on stderr, as otp ping does: the node's refusal, or that it is not running and how to start it.
    if (!up) process.stderr.write(`${t.name}: ${unreachable(t, refusal()).message}\n`);
    // A copy of the root shares the node name: the pong is the other root's node, and says so.
    const theirs = up ? await otherRoot(node, t) : undefined;
    if (theirs !== undefined) process.stderr.write(`${t.name}: the node answering as ${t.node} was started from another release root, ${theirs}, not from this one (${root})\n`);
    return up ? 0 : 1;
  }).catch((error: unknown) => {
    // A port mapper that does not do its part (hung, another program on its port): pang too, and why on stderr.
    if (error instanceof ScriptError && error.cause instanceof PortMapperError) process.stdout.write('pang\n');
    throw error;
  });
}

async function pid(): Promise<number> {
  process.stdout.write(`${await call('pid', 'release_handler')}\n`);
  return 0;
}

// The OS pid in run/<name>.pid when it is this release's node, alive: on Linux its command line names this
// program (a stale file's pid reused by another process is not the node, and is never suggested to kill).
function liveNodePid(name: string): number | undefined {
  let osPid: number;
  try {
    osPid = Number(readFileSync(pidFile(name), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(osPid) || osPid <= 1 || !alive(osPid)) return undefined;
  try {
    return readFileSync(`/proc/${osPid}/cmdline`, 'utf8').split('\0').includes(program) ? osPid : undefined;
  } catch {
    return existsSync('/proc/self') ? undefined : osPid;
  }
}

// A node that runs but does not answer (hung, or stopped with kill -STOP) cannot be stopped in order: say so, and how to end it.
function notAnswering(name: string, error: unknown): unknown {
  const osPid = error instanceof ScriptError ? liveNodePid(name) : undefined;
  if (osPid === undefined) return error;
  return new ScriptError(`${(error as Error).message}; its process (os pid ${osPid}, run/${name}.pid) runs but does not answer: if it is hung, end it with kill ${osPid} (kill -9 ${osPid} if it stays)`);
}

async function stop(): Promise<number> {
  const t = await target();
  const heart = liveHeart(root, t.name, program);
  // Under a heart, stop goes through it: told first, it stops the node in order and does not restart it.
  const osPid = heart === undefined ? ((await call('pid', 'release_handler', [], 30_000, 'stop').catch((error: unknown) => Promise.reject(notAnswering(t.name, error)))) as number) : ((await call('pid', 'release_handler').catch(() => undefined)) as number | undefined);
  // An install in progress ends (installed, or rolled back) before the node stops: said, and waited for past the 60 s.
  const installing = async (): Promise<{ from: string; to: string } | undefined> => ((await call('versions', 'release_handler', [], 5_000, 'stop').catch(() => undefined)) as { installing?: { from: string; to: string } } | undefined)?.installing;
  const install = await installing();
  if (install !== undefined) process.stderr.write(`${t.name}: the node stops once the install of ${install.to} over ${install.from} has ended (installed, or rolled back): waiting for it\n`);
  if (heart === undefined) await call('stop', 'release_handler');
  else process.kill(heart, 'SIGTERM');
  for (let deadline = Date.now() + 60_000; ; await sleep(25)) {
    if ((osPid === undefined || !alive(osPid)) && (heart === undefined || !alive(heart))) {
      process.stdout.write('stopped\n');
      return 0;
    }
    if (Date.now() < deadline) continue;
    if (install === undefined || (await installing()) === undefined) break;
    deadline = Date.now() + 60_000;
  }
  throw new ScriptError(`the node (os pid ${osPid ?? '–'}${heart === undefined ? '' : `, its heart os pid ${heart}`}) is still running 60 s after stop: see log/`);
}

async function restart(): Promise<number> {
  const apps = (await call('restart', 'release_handler', [], 120_000)) as string[];
  process.stdout.write(`restarted ${apps.join(', ')}\n`);
  return 0;
}

async function rpcCommand({ module, fn, 'json-args': json, timeout }: { module: string; fn: string; 'json-args': string | undefined; timeout: number | undefined }): Promise<number> {
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new ScriptError(`--timeout needs a whole number of milliseconds above 0, e.g. rpc ${module} ${fn} --timeout 60000`, 2);
  const waitMs = timeout ?? 30_000;
  let parsed: unknown = [];
  if (json !== undefined) {
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new ScriptError(`the arguments ${json} are not JSON: give a JSON array, e.g. '[1, "two"]'`, 2);
    }
    if (!Array.isArray(parsed)) throw new ScriptError(`the arguments must be a JSON array: wrap them, '[${json}]'`, 2);
  }
  const value = await call(fn, module, parsed as unknown[], waitMs).catch((error: unknown) => {
    const bad = error instanceof ScriptError && error.cause instanceof BadRpc ? error.cause : undefined;
    // A module or function the node does not have, or code to evaluate that does not parse, is the caller's mistake, not a failure of the node.
    if (bad?.undef === true || bad?.badCode === true) throw new ScriptError((error as Error).message, 2, { cause: bad });
    // As otp rpc says it: rpc stops the call it gave up on.
    if (bad?.reason === 'timeout') throw new ScriptError(`${module}.${fn} on ${bad.node} gave no answer within ${waitMs} ms; the process running it there was stopped (erpc.call abandons such a call instead)`, 1, { cause: bad, hint: 'wait longer with --timeout MS' });
    throw error;
  });
  process.stdout.write(`${rpcResultJson(value)}\n`);
  return 0;
}

async function evalCommand(args: EvalFlags & { code: string[] }): Promise<number> {
  const { bounds, replyMs } = evalFlags(args);
  // Code that does not parse is bad input (exit 2), as a bad flag is; code that fails as it runs is a failure (exit 1).
  // What the code prints (console.log, process.stdout.write) comes back with its answer and shows here, before it,
  // as a remote shell's line does; a node of an older runtime keeps printing it on its own stdout.
  const value = await call('eval', 'otp', [args.code.join(' '), { ...bounds, output: true }], replyMs, 'eval').catch((error: unknown) => {
    throw error instanceof ScriptError && error.cause instanceof BadRpc && error.cause.badCode ? new ScriptError(error.message, 2, { cause: error.cause }) : error;
  });
  const { output, text } = printedAnswer(value);
  if (output !== undefined) process.stdout.write(output);
  // Code that printed and then threw: its output is shown, then its error, exit 1 as for code that only threw.
  const thrown = thrownAfterPrinting(text);
  if (thrown !== undefined) throw new ScriptError(thrown);
  process.stdout.write(`${text}\n`);
  return 0;
}

async function remote(args: EvalFlags): Promise<number> {
  const { bounds, replyMs } = evalFlags(args);
  return withToolNode(async ({ node, refusal }, t) => {
    if (!(await node.ping(t.node))) throw unreachable(t, refusal());
    await refuseOtherRoot(node, t, 'remote');
    // As otp remote: the banner and the prompts are for a terminal; piped, only the answers print.
    if (process.stdin.isTTY) process.stdout.write(`connected to ${t.node}; JavaScript runs inside it with the shell's helpers (call, whereis, sys, ctx, … help() lists them); q() or Ctrl-D leaves\n`);
    // The top-level declarations of its lines outlive them on the node for as long as this shell: `const x = 1`, then `x`.
    const session = randomUUID();
    // What the session prints on the node after a line answered (a timer firing later) shows here too, as otp remote shows it.
    const sink = lateOutputReceiver(node, (text) => process.stdout.write(text));
    const evaluate = (line: string): Promise<unknown> => node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'eval', [line, { ...bounds, session, sink }], replyMs));
    // Ctrl-C at a line: the node stops it (a synchronous loop only once --eval-timeout ends it: docs/shell.md).
    const stopLine = (): void => void node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'evalInterrupt', [session], 5000)).catch(() => undefined);
    // `.clear`: the node forgets the session's declarations, the session (and its late output's sink) stays.
    const clear = (): Promise<unknown> => node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'evalClear', [session], replyMs));
    try {
      return await remoteLines(t, { evaluate, stopLine, clear });
    } finally {
      // The session's declarations go with it (a node of an older runtime, or one gone down, has none to end).
      await node.run((ctx) => rpc.call(ctx, t.node, 'otp', 'evalEnd', [session], 5000)).catch(() => undefined);
    }
  });
}

// What the remote shell does on the node: run a line, stop the running one (Ctrl-C), forget the declarations (`.clear`).
interface RemoteSession {
  evaluate: (line: string) => Promise<unknown>;
  stopLine: () => void;
  clear: () => Promise<unknown>;
}

// The remote shell's lines, as otp remote reads them: each statement evaluated inside the node before the next is read.
// Ctrl-C while a line is awaited tells the node to stop it (stopLine) and stops waiting; at the prompt it leaves. A real
// SIGINT (kill -INT, a Ctrl-C reaching a piped shell) ends the shell, exit 130 as a shell reports the signal, the node
// running on (ending the session stops its line); a node that goes down ends it, exit 1.
async function remoteLines(t: Target, { evaluate, stopLine, clear }: RemoteSession): Promise<number> {
  const name = t.node;
  // As otp remote (one rule): piped input comes a bounded line at a time, and a line past the bound ends the shell,
  // exit 2 (a terminal bounds its own lines); piped, no prompt is printed.
  const tty = process.stdin.isTTY;
  let refused: string | undefined;
  const input = tty ? process.stdin : boundedInput(process.stdin, (why) => (refused = why));
  const lines = createInterface({ input, output: tty ? process.stdout : undefined, prompt: `${name}> `, terminal: tty });
  let interrupt: (() => void) | undefined;
  lines.on('SIGINT', () => {
    if (!interrupt) return lines.close();
    stopLine();
    interrupt();
  });
  let signalled = false;
  const onSignal = (): void => {
    signalled = true;
    interrupt?.();
    lines.close();
    // The rest of the input is not read: an open pipe would keep the shell alive once it ended.
    process.stdin.destroy();
  };
  process.on('SIGINT', onSignal);
  if (tty) lines.prompt();
  // Piped, the statements that failed make the exit code 1 once all have run (as otp remote; a terminal's typos do not).
  let ran = 0;
  let failed = 0;
  try {
    // A statement over several lines (piped, pasted or typed) is joined and sent once whole, as otp remote does.
    for await (const line of replStatements(lines, tty, `${name}> `, (text) => process.stdout.write(text))) {
      if (signalled || quitsShell(line)) break;
      if (clearsSession(line)) await clearOnNode(clear);
      else if (line.trim() !== '') {
        ran += 1;
        const interrupted = new Promise<never>((_, reject) => (interrupt = () => reject(new Error('interrupted: the node was told to stop that line (a synchronous loop with no await stops only when --eval-timeout ends it)'))));
        try {
          // As otp remote: a declaration or comment answering undefined prints nothing; q() inside a statement leaves.
          const answer = remoteAnswer(line, await Promise.race([evaluate(line), interrupted]));
          if (answer.output !== undefined) process.stdout.write(answer.output);
          if (answer.text !== undefined) process.stdout.write(`${answer.text}\n`);
          if (answer.failed) failed += 1;
          if (answer.quit) break;
        } catch (error) {
          const reason = error instanceof Error && 'cause' in error ? error.cause : error;
          if (reason instanceof BadRpc && reason.reason === 'nodedown') {
            process.stderr.write(`${t.name}: ${remoteNodeDown(name)}\n`);
            return 1;
          }
          if (!signalled) process.stdout.write(`** ${reason instanceof BadRpc ? describe(reason.reason) : (error as Error).message}\n`);
          failed += 1;
        } finally {
          interrupt = undefined;
        }
        if (signalled) break;
      }
      if (tty) lines.prompt();
    }
  } finally {
    process.off('SIGINT', onSignal);
    lines.close();
    // Piped, the rest of the input is not read (q() before its end): an open pipe would keep the shell alive.
    if (!tty) process.stdin.destroy();
  }
  return remoteExit(t, { signalled, refused, failed: tty ? 0 : failed, ran });
}

// `.clear`: the node forgets the session's declarations, and the shell says so as otp shell does (or why it could not).
async function clearOnNode(clear: () => Promise<unknown>): Promise<void> {
  const cleared = await clear().then(() => undefined, (error: unknown) => error);
  process.stdout.write(cleared === undefined ? `${CLEARING_CONTEXT}\n` : `** .clear: ${cleared instanceof BadRpc ? describe(cleared.reason) : (cleared as Error).message}\n`);
}

// How a remote shell that read its input to the end exits: 130 at a SIGINT, 2 at a line past the bound, 1 when a piped
// statement failed (every one ran), else 0; each but the last with its one line on stderr.
function remoteExit(t: Target, end: { signalled: boolean; refused?: string; failed: number; ran: number }): number {
  const say = (line: string): boolean => process.stderr.write(`${t.name}: ${line}\n`);
  if (end.signalled) say(`interrupted (SIGINT): the remote shell ends; ${t.node} runs on`);
  else if (end.refused !== undefined) say(end.refused);
  else if (end.failed > 0) say(failedStatements(end.failed, end.ran, t.node));
  return end.signalled ? 130 : end.refused !== undefined ? 2 : end.failed > 0 ? 1 : 0;
}

// What the node answering under the release's name says runs and installs: nothing when none answers. One started from
// another root (a copy shares the node name) still says what it runs, marked as that root's (also said on stderr).
async function nodeVersions(quiet = false): Promise<{ running?: string; installing?: { from: string; to: string }; elsewhere?: string }> {
  try {
    return await withToolNode(async ({ node }, t) => {
      if (!(await node.ping(t.node))) return {};
      const theirs = await otherRoot(node, t);
      const said = (await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'versions', []))) as { running?: string; installing?: { from: string; to: string } };
      if (theirs === undefined || quiet) return { ...said, ...(theirs === undefined ? {} : { elsewhere: theirs }) };
      process.stderr.write(`${t.name}: the node answering as ${t.node} was started from another release root, ${theirs}, not from this one (${root}): what it runs is marked as that root's; run ${join(theirs, 'bin', t.name)} versions for its own\n`);
      return { ...said, elsewhere: theirs };
    });
  } catch {
    return {};
  }
}

async function versions(): Promise<number> {
  const { running, installing, elsewhere } = await nodeVersions();
  // An install in progress: its version runs from the swap, but only a passed health probe makes it permanent.
  const note = (vsn: string): string => {
    const runs = vsn !== running ? '' : elsewhere === undefined ? 'running' : `running from ${elsewhere}, not from this root`;
    if (installing?.to === vsn) return ` (${runs ? `${runs}, ` : ''}being installed over ${installing.from}${elsewhere === undefined ? '' : ` there`}: permanent only once its health probe passes, else ${installing.from} comes back)`;
    return runs ? ` (${runs})` : '';
  };
  const releases = await readReleases(root);
  for (const r of releases.releases) process.stdout.write(`${r.vsn.padEnd(12)} ${r.status}${note(r.vsn)}\n`);
  return 0;
}

// A version typed with a leading v or spaces ('v0.2.0', ' 0.2.0') that names none of this root's while the bare one
// does: refused naming the command meant, rather than 'not found' with advice to copy a tarball that is there.
async function checkVersionWord(what: string, verb: string): Promise<void> {
  const bare = what.trim().replace(/^v(?=\d)/i, '');
  if (bare === what || existsSync(what)) return;
  const { name, releases } = await readReleases(root);
  const known = (v: string) => releases.some((r) => r.vsn === v) || [join(root, 'releases', `${name}-${v}.tar.gz`), join(root, `${name}-${v}.tar.gz`)].some((f) => existsSync(f));
  if (known(what) || !known(bare)) return;
  throw new ScriptError(`${JSON.stringify(what)} is not a version of ${name}: did you mean ${bare}? Run bin/${name} ${verb} ${bare}`, 2);
}

async function unpackCommand(what: string): Promise<number> {
  await checkVersionWord(what, 'unpack');
  const vsn = await unpackIfNeeded(what);
  // A version installed already (permanent, old) is never unpacked again: say so, rather than advise an upgrade to it.
  const { name, releases } = await readReleases(root);
  const status = releases.find((r) => r.vsn === vsn)?.status;
  if (status === 'permanent' || status === 'old') {
    const go = status === 'permanent' ? 'it is what the next boot starts' : `the running node goes back to it with bin/${name} downgrade ${vsn} (or upgrade ${vsn}, when it is the newer one)`;
    process.stdout.write(`${vsn} is installed here already (${status}), so nothing was unpacked: ${go}\n`);
    return 0;
  }
  process.stdout.write(`unpacked ${vsn}: install it with upgrade ${vsn}\n`);
  return 0;
}

async function unpackIfNeeded(what: string): Promise<string> {
  // tar (most of what unpacking needs) is loaded only by the commands that unpack.
  const [{ unpack }, { UnpackError }] = await Promise.all([import('./unpack.js'), import('./unpack-check.js')]);
  // The version this root's node is installing runs from its files (not permanent yet, so listed as unpacked): not replaced under it.
  const inUse = async (vsn: string) => {
    const { installing, elsewhere } = await nodeVersions(true);
    return elsewhere === undefined && installing?.to === vsn ? `is being installed on the running node (over ${installing.from})` : undefined;
  };
  try {
    return await unpack(root, what, { inUse, onWait: lockWaitLine });
  } catch (error) {
    // A refused input exits 2; anything else (another unpack holding the root, a full disk or a file where a folder
    // goes part way, its moves undone) is a failure of the work, which the same command may do once that is fixed.
    throw new ScriptError((error as Error).message, error instanceof UnpackError || (error as Error).name === 'ReleaseConfigError' ? 2 : 1);
  }
}

// The line said once while a command waits for the root's lock (held for otp release's moves, another unpack, an install).
function lockWaitLine(holder: LockHolder | undefined): void {
  let name = basename(root);
  try {
    name = (JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { name: string }).name;
  } catch {
    // The folder's name, then.
  }
  process.stderr.write(`${name}: waiting for ${holderText(holder)} to finish changing releases/RELEASES.json (up to 30 s)\n`);
}

// The node takes the root's lock to install: one held now (otp release moving a version in) is waited for here, saying so,
// and refused past the wait naming its holder, before the node is asked.
async function waitForRootLock(verb: string, vsn: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (let told = false, holder = releasesLockHolder(root); holder !== undefined; holder = releasesLockHolder(root)) {
    if (!told) lockWaitLine(holder);
    told = true;
    if (Date.now() >= deadline) throw new ScriptError(`${holderText(holder)} still holds the lock on ${join(root, 'releases', 'RELEASES.json')} after 30 s, so ${vsn} was not installed: wait for it to finish and run ${verb} ${vsn} again (if no such process runs, remove ${join(root, 'releases', 'RELEASES.json.lock')})`);
    await sleep(25);
  }
}

// The variables the version's sys.config.json and node.args use, from this shell: the node substitutes
// them, not its boot environment's. Only those cross to the node (not the shell's other secrets).
async function commandEnv(vsn: string, verb: string): Promise<Record<string, string>> {
  const vars = await versionVariables(root, vsn);
  const missing = vars.find((v) => v.required && !process.env[v.name]);
  // Set but empty (NAME= in the shell) is refused as unset is (the node's ${NAME} would refuse it): saying "export it" would not help.
  const state = (name: string): string => (process.env[name] === '' ? `which is set but empty in this shell: give ${name} a value` : 'which is not set in this shell: export it');
  if (missing) throw new ScriptError(`${missing.file}${missing.line === undefined ? '' : `:${missing.line}`} needs $${missing.name}, ${state(missing.name)} and run ${verb} again`, 2);
  return Object.fromEntries(vars.filter((v) => process.env[v.name]).map((v) => [v.name, process.env[v.name]!]));
}

// Whether OS process `osPid` ends within `ms` (polled: it is not this process's child).
async function exited(osPid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(osPid)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

// The node's OS process ended while it installed: said in one line, as daemon says a failed boot (shared code): its reason
// from its log since the install began (its last words, or the uncaught error that ended it), that the permanent version
// is what runs next, and where its full log and crash dump are; the stack frames and reports stay there.
function nodeDied(t: { name: string; node: string; vsn: string }, osPid: number, verb: string, vsn: string, offset: number): ScriptError {
  const file = join(root, 'log', `${t.name}.log`);
  const words = lastWords(t.name, osPid, file, offset);
  const reason = words.own ?? words.uncaught ?? 'it left no reason in its log (a kill -9, or the out-of-memory killer, leaves none)';
  const next = liveHeart(root, t.name, program) === undefined ? `is what the next boot starts (bin/${t.name} daemon)` : 'is what its heart boots again';
  const where = existsSync(file) ? whereToLook(t.name, words.dump) : `there is no log/${t.name}.log (it was not started with daemon): its output went to the terminal that started it`;
  return new ScriptError(`${t.node} (os pid ${osPid}) died during the ${verb} to ${vsn}: ${reason}; ${t.vsn} is still permanent and ${next}; ${where}`);
}

// The node's OS process runs but has answered nothing for a long while during an install: its event loop is blocked.
function blocked(t: Target, osPid: number, verb: string, vsn: string, seconds: number): ScriptError {
  const heart = liveHeart(root, t.name, program) === undefined ? `bin/${t.name} daemon then boots ${t.vsn}` : `its heart then boots ${t.vsn} again`;
  return new ScriptError(`${t.node} (os pid ${osPid}) has answered nothing for ${seconds.toFixed(0)} s since the ${verb} to ${vsn} began: its event loop is blocked (a codeChange, or another callback, that loops without end) and it will not recover on its own; ${t.vsn} is still permanent: kill it (kill -9 ${osPid}; ${heart}), then fix the code of ${vsn} (see log/${t.name}.log)`);
}

// How long upgrade and downgrade wait for the node's report of the install (OTP_UPGRADE_WAIT_MS, default 300000) before
// they ask the node, again and again, whether the install still runs. Unset or empty is the default; anything else must be
// a whole number of ms from 1 to a day (past 2^31 ms a timer fires at once), refused (exit 2) before anything is done.
const MAX_UPGRADE_WAIT_MS = 86_400_000;
function installWaitMs(): number {
  const text = process.env.OTP_UPGRADE_WAIT_MS?.trim();
  if (text === undefined || text === '') return 300_000;
  const given = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(given >= 1 && given <= MAX_UPGRADE_WAIT_MS)) {
    throw new ScriptError(`OTP_UPGRADE_WAIT_MS='${text.slice(0, 40)}' is not a whole number of milliseconds from 1 to ${MAX_UPGRADE_WAIT_MS} (one day), so nothing was done: unset it for the default 300000, or give e.g. OTP_UPGRADE_WAIT_MS=600000`, 2);
  }
  return given;
}

// A test hook, not an interface: with OTP_UPGRADE_HOLD_FILE=F (an absolute path), the node's health probe stays open while F
// exists, past --probe-ms, so a test runs its commands during an install and ends the window by removing F.
function holdFile(): { holdFile?: string } {
  const file = process.env.OTP_UPGRADE_HOLD_FILE;
  return file ? { holdFile: file } : {};
}

// Polls the node while it says the install of `vsn` is in progress; then its outcome, from the node's last upgrade: the line
// to print when it was installed, a ScriptError (exit 1) when it rolled back or ended otherwise, or the node died meanwhile.
// A node that answers none of these polls for twice the poll's bound has its event loop blocked (a codeChange looping
// without end): nothing changes on its own, so the command says so rather than wait for ever.
async function installEnd(node: OtpNode, t: Target, osPid: number, verb: string, vsn: string, offset: number, waitMs: number): Promise<string> {
  const started = performance.now();
  const pollMs = Math.min(30_000, Math.max(5_000, waitMs));
  for (let answered = performance.now(); ; ) {
    if (!alive(osPid)) throw nodeDied(t, osPid, verb, vsn, offset);
    const said = (await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'versions', [], pollMs)).catch(() => undefined)) as { running?: string; installing?: { to: string }; lastUpgrade?: LastUpgrade } | undefined;
    if (said !== undefined) answered = performance.now();
    else if (performance.now() - answered >= 2 * pollMs && alive(osPid)) throw blocked(t, osPid, verb, vsn, (performance.now() - started + waitMs) / 1000);
    if (said !== undefined && said.installing?.to !== vsn) {
      const last = said.lastUpgrade?.to === vsn ? said.lastUpgrade : undefined;
      if (last?.outcome === 'installed') {
        const waited = ((performance.now() - started) / 1000).toFixed(0);
        return `${verb === 'upgrade' ? 'upgraded' : 'downgraded'} ${last.from} → ${vsn}; ${vsn} is permanent (the install outlasted this command's wait for its report, and ${waited} s more: its full report is in log/${t.name}.log)\n  modules swapped: ${last.modules.changed.join(', ') || 'none'}\n  processes suspended: ${last.processes}, longest suspension ${last.suspendedMs.toFixed(1)} ms`;
      }
      throw new ScriptError(last?.reason ?? `the ${verb} to ${vsn} ended without installing it: ${said.running ?? 'the version it ran'} still runs (see log/${t.name}.log)`);
    }
    await sleep(250);
  }
}

// Ctrl-C or SIGTERM held while an upgrade or downgrade runs: see installCommand; main exits with the code it asks for.
let held: HeldSignals | undefined;

// The node goes on installing (or rolling back) whatever this process does: a signal is held until the node is whole and
// the outcome printed, then honoured (exit 130, 143), as otp release holds one during its moves; a second leaves at once.
async function installCommand(what: string, probeMs: number | undefined, verb: 'upgrade' | 'downgrade'): Promise<number> {
  const name = await releaseName();
  held = holdSignals((signal) => {
    const key = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    process.stderr.write(`${name}: ${key}: waiting for the ${verb} to ${what} to end on the node (installed, or rolled back), so it is left whole; ${key} again leaves now, the node finishing on its own\n`);
  });
  try {
    return await installOrRollBack(what, probeMs, verb);
  } finally {
    held.release();
  }
}

// A root moved (mv) after its node booted: the node reads the versions, and resolves their code and runtime, from its old path,
// which is gone; it cannot follow the root live, so the install is refused before anything is unpacked, naming the fix.
async function refuseMoved(node: OtpNode, t: Target, verb: string): Promise<void> {
  const old = await movedFrom(node, t);
  if (old === undefined) return;
  throw new ScriptError(`${t.node} was started from ${old}, and this release root has moved here (${root}) since, so nothing was unpacked or installed: a running node cannot follow its root (it reads versions and loads code from the path it booted from); restart it from here (bin/${t.name} stop, then bin/${t.name} daemon) and run ${verb} again, or move the root back to ${old}`);
}

// What upgrade and downgrade check before the node is asked, refusing bad input (exit 2): the node's root, the version
// (unpacked when a tarball is given) and what its boot would need. Resolves to the version and the variables for the node.
async function checkBeforeInstall(what: string, verb: 'upgrade' | 'downgrade'): Promise<{ vsn: string; env: Record<string, string> }> {
  await checkVersionWord(what, verb);
  // Before anything is unpacked here: the node answering may be another root's, sharing the node name.
  await withToolNode(async ({ node }, t) => {
    if (!(await node.ping(t.node))) return;
    await refuseOtherRoot(node, t, `${verb} ${what}`);
    await refuseMoved(node, t, verb);
  });
  if (verb === 'downgrade') {
    const half = halfUnpacked(root, await readReleases(root), what, verb);
    if (half !== undefined) throw new ScriptError(half, 2);
  }
  const vsn = verb === 'upgrade' ? await unpackIfNeeded(what) : what;
  const env = await commandEnv(vsn, verb);
  // A version no boot could start is not made permanent: a node.args that does not read, that other users may read while it
  // holds the cookie, or with flags Node.js refuses, and native addons built for another machine, are refused before the node
  // is asked; a release.json that does not read (an operator's edit) is named here. A version not in the root is the node's to refuse.
  if (hasVersion(root, vsn)) {
    const nodeArgs = await readNodeArgs(root, vsn, process.env);
    checkCookieFile(vsn, nodeArgs, verb);
    checkNodeFlags(vsn, nodeArgs.nodeFlags, verb);
    checkNative(await readReleaseFile(root, vsn), (await readReleases(root)).name, 'installed');
  }
  return { vsn, env };
}

// A refusal (exit 2) of a command that, while it ran, saw another install make a different version permanent: the loss of a
// race (the unpack finding the version installed from another tarball, say), which exits 1 as a loss at the node does.
async function lostRace(error: unknown, permanentAtStart: string | undefined, verb: string, what: string): Promise<unknown> {
  const refused = isOtpError(error) ? error.exitCode === 2 : error instanceof Error && error.name === 'ReleaseConfigError';
  const now = refused ? await permanentNow() : undefined;
  if (permanentAtStart === undefined || now === undefined || now === permanentAtStart) return error;
  return new ScriptError(`another install won: ${now} became permanent (over ${permanentAtStart}) while this ${verb} to ${what} ran, so it installed nothing: ${(error as Error).message}`, 1);
}

async function installOrRollBack(what: string, probeMs: number | undefined, verb: 'upgrade' | 'downgrade'): Promise<number> {
  const waitMs = installWaitMs();
  // The version permanent as the command starts: should another install make a different one permanent before the node
  // is asked, a refusal (the node's, no relup from the new version, say, or one of the checks here) is the loss of a race, not bad input.
  const permanentAtStart = await permanentNow();
  if (probeMs !== undefined && !(Number.isInteger(probeMs) && probeMs >= 0)) throw new ScriptError(`--probe-ms needs a whole number of milliseconds, e.g. ${verb} ${what} --probe-ms 5000`, 2);
  // The node installs and restarts nothing else while it watches: a window past an hour is a typo, not a plan.
  if (probeMs !== undefined && probeMs > MAX_PROBE_MS) throw new ScriptError(`--probe-ms ${probeMs} is longer than the cap of ${MAX_PROBE_MS} ms (one hour), during which the node could install nothing else, so nothing was done: give at most ${MAX_PROBE_MS}, e.g. ${verb} ${what} --probe-ms 60000`, 2);
  const { vsn, env } = await checkBeforeInstall(what, verb).catch(async (error: unknown) => {
    throw await lostRace(error, permanentAtStart, verb, what);
  });
  await waitForRootLock(verb, vsn);
  const started = performance.now();
  const report = await withToolNode(async ({ node, refusal }, t) => {
    // No node to install on: what the command did (unpacked, or nothing) and how to go on, rather than only "start it".
    if (!(await node.ping(t.node))) throw refusal() !== undefined ? unreachable(t, refusal()) : new ScriptError(nodeDownLine(t, vsn, verb));
    await refuseOtherRoot(node, t, `${verb} ${what}`);
    const osPid = (await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'pid', []))) as number;
    // Where the node's log stands before the install: should it die, its reason is read from there on.
    const offset = logOffset(join(root, 'log', `${t.name}.log`));
    try {
      return await node.run((ctx) => rpc.call(ctx, t.node, 'release_handler', 'install', [vsn, { env, expect: verb === 'upgrade' ? 'up' : 'down', ...(probeMs !== undefined ? { probeMs } : {}), ...holdFile() }], waitMs + (probeMs ?? 0)));
    } catch (error) {
      const reason = error instanceof Error && 'cause' in error ? error.cause : error;
      // A killed node's connection can close before its OS process has finished exiting: a nodedown waits for that.
      if (!alive(osPid) || (reason instanceof BadRpc && reason.reason === 'nodedown' && (await exited(osPid, 2000)))) throw nodeDied(t, osPid, verb, vsn, offset);
      // The install outlasted the wait: the node goes on with it, so this command waits for its end rather than say it failed.
      if (reason instanceof BadRpc && reason.reason === 'timeout') return { outlasted: await installEnd(node, t, osPid, verb, vsn, offset, waitMs + (probeMs ?? 0)) };
      if (reason instanceof BadRpc) throw new ScriptError(describe(reason.reason));
      throw error;
    }
  });
  if (report !== null && typeof report === 'object' && 'outlasted' in report) {
    process.stdout.write(`${report.outlasted}\n`);
    return 0;
  }
  // An unknown version, one not unpacked, one no relup reaches, or the running one: bad input, nothing was tried.
  // An install of that version already in progress is busy, not bad input: the work could not be done now.
  if (report !== null && typeof report === 'object' && 'refused' in report) {
    const refusal = report as InstallRefused;
    const line = refusal.noRelup ? await noRelupLine(refusal.noRelup, verb) : String(refusal.refused);
    if (refusal.busy) throw new ScriptError(line, 1);
    // The loser of a race (two installs started together) exits 1, as it does when it finds the winner still installing.
    const now = await permanentNow();
    if (permanentAtStart !== undefined && now !== undefined && now !== permanentAtStart) {
      throw new ScriptError(`another install won: ${now} became permanent (over ${permanentAtStart}) while this ${verb} to ${vsn} ran, so ${vsn} was not installed and the node refused it: ${line}`, 1);
    }
    throw new ScriptError(line, 2);
  }
  process.stdout.write(`${formatReport(report as Parameters<typeof formatReport>[0], performance.now() - started, probeMs)}\n`);
  return 0;
}

// The version RELEASES.json marks permanent now, or undefined when it does not read.
async function permanentNow(): Promise<string | undefined> {
  return readReleases(root).then(permanentVersion, () => undefined);
}

// Which way a version lies from the permanent one, with the node down: as the node's install would find it (the target's
// relup up from it, or the permanent one's relup down to it), else by the versions' numbers; undefined when neither says.
function directionFrom(from: string, to: string): 'up' | 'down' | undefined {
  const steps = (vsn: string, way: 'up' | 'down'): string[] => {
    try {
      const relup = JSON.parse(readFileSync(join(root, 'releases', vsn, 'relup.json'), 'utf8')) as Record<string, unknown>;
      return Array.isArray(relup[way]) ? (relup[way] as { vsn?: unknown }[]).map((s) => String(s?.vsn)) : [];
    } catch {
      return [];
    }
  };
  if (steps(to, 'up').includes(from)) return 'up';
  if (steps(from, 'down').includes(to)) return 'down';
  const parts = (v: string): number[] | undefined => (/^\d+(\.\d+)*/.exec(v)?.[0].split('.').map(Number));
  const [a, b] = [parts(from), parts(to)];
  if (a === undefined || b === undefined) return undefined;
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) > (a[i] ?? 0) ? 'up' : 'down';
  return undefined;
}

// With no node running: what the command did (unpacked, or nothing), and the command to run once the node runs: the other
// verb when the version lies the other way from the permanent one, none when it is the permanent one (daemon boots it).
function nodeDownLine(t: Target, vsn: string, verb: 'upgrade' | 'downgrade'): string {
  const start = `start the node with bin/${t.name} daemon`;
  if (vsn === t.vsn) return `${t.node} is not running, and ${vsn} is the permanent version: ${start}, which boots ${vsn}, with nothing to ${verb}`;
  const way = directionFrom(t.vsn, vsn);
  const right = way === undefined ? verb : way === 'up' ? 'upgrade' : 'downgrade';
  const why = right === verb ? '' : ` (${vsn} is ${way === 'up' ? 'newer' : 'older'} than ${t.vsn}, so it is ${right === 'upgrade' ? 'an upgrade' : 'a downgrade'}, not ${verb === 'upgrade' ? 'an upgrade' : 'a downgrade'})`;
  return `${t.node} is not running, so ${vsn} was not installed${verb === 'upgrade' ? ' (it is unpacked here)' : ''}: ${start} (it boots the permanent ${t.vsn}), then run ${right} ${vsn}${right === verb ? ' again' : why}`;
}

// No relup step leads from the running version to the one asked for: one line saying that the version stays unpacked (not
// installed, the running one still runs) and the two ways on: a build with a relup, whose new tarball replaces the unpacked
// copy, or a restart into the version (a boot by name, which RELEASES.json does not keep: the next daemon boots the permanent one).
async function noRelupLine({ from, to }: { from: string; to: string }, verb: string): Promise<string> {
  const { name, releases } = await readReleases(root);
  const status = releases.find((r) => r.vsn === to)?.status ?? 'unpacked';
  const stays = status === 'unpacked' ? `${to} is unpacked here but not installed` : `${to} (${status} here) was not installed`;
  const permanent = releases.find((r) => r.status === 'permanent')?.vsn ?? from;
  // A downgrade follows the running version's relup down, which an installed version's build no longer changes.
  const build = verb === 'upgrade' && status === 'unpacked' ? `build ${to} with otp release --tar --upgrade-from ${from} and run upgrade ${to} again with its tarball (it replaces the unpacked copy), or ` : '';
  return `no relup leads from ${from} to ${to}, so ${stays} and ${from} still runs: ${build}run ${to} with a restart (bin/${name} stop, then bin/${name} foreground --vsn ${to}; the next daemon boots the permanent ${permanent} again)`;
}

// An `otp release` killed (SIGKILL) while it moved a version into this root left the journal of its moves in its
// staging folder beside the root: they are undone before a command reads the root, as the next `otp release` would.
function recoverKilledRelease(name: string): void {
  try {
    const { undone } = removeAbandoned(dirname(root), name);
    if (undone > 0) process.stderr.write(`${name}: undid the moves of an otp release killed while it installed into this root\n`);
  } catch (error) {
    process.stderr.write(`${name}: could not undo an otp release killed while it installed into this root (${(error as Error).message}): run otp release again\n`);
  }
}

// The name RELEASES.json gives, read leniently: a file an operator broke otherwise (no versions listed) still names the
// release in --help and in the refusal of the command; undefined when it has none.
function nameInFile(): string | undefined {
  try {
    const said = (JSON.parse(readFileSync(join(root, 'releases', 'RELEASES.json'), 'utf8')) as { name?: unknown } | null)?.name;
    return typeof said === 'string' && said !== '' ? said : undefined;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const name = await releaseName().catch(() => nameInFile() ?? basename(root));
  const line = await parseCommandLine(argv, scriptProgram(name, commands));
  if ('help' in line) {
    process.stdout.write(styleHelp(line.help, colours(process.stdout).bold));
    return 0;
  }
  recoverKilledRelease(name);
  if (!existsSync(join(root, 'releases', 'RELEASES.json'))) {
    throw new ScriptError(`${root} is not a release root (no releases/RELEASES.json): run the start script of a release built by otp release`, 2);
  }
  return line.command.run(line.args as never);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(held?.code() ?? code),
  (error: unknown) => {
    // An edited RELEASES.json may have no name, which this very error may be about.
    const name = nameInFile() ?? 'release';
    // A daemon's node tags its last words with its OS pid: the log it shares says which process failed.
    const daemon = process.env.OTP_RELEASE_DAEMON === '1';
    const who = daemon ? `${name} (os pid ${process.pid})` : name;
    // There, a process's exit is said by its cause (an application's failure to start), as the terminal's line says it.
    const refused = permissionRefusal(error, root, name);
    const shown = refused !== undefined ? new ScriptError(refused) : daemon && error instanceof Error && error.name === 'ProcessExit' && error.cause instanceof Error ? error.cause : error;
    const code = renderScriptError(shown, who, process.stderr);
    process.exit(held?.code() ?? code);
  },
);
