// `bin/<name> daemon [--heart]` and the heart process it may start: the command returns 0 only once
// the node it started itself answers (its OS pid, asked over distribution, is its child's), and names
// the cause otherwise — the name taken by another node, a refused port mapper, a boot error.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNodeArgs, readReleases, readVersion, type HeartArgs } from '@otp-ts/runtime/tools';
import { alive, answeringPid, otherRoot, pidFile, program, root, ScriptError, sleep, target, withToolNode, type Target } from './client.js';
import { exitOf, heartPidFile, heartSettings, liveHeart, removePidFile, runHeart, type HeartReport, type NodeExit } from './heart.js';
import { takeStartLock } from './start-lock.js';
import { bootFailure, checkCookieFile, checkNodeFlags, checkNative, checkRuntime, checkWritableRoot, logFile, logOffset, openLog, spawnNode, versionToBoot } from './node-process.js';

const BOOT_TIMEOUT_MS = 30_000;

/** Whether the daemon runs under a heart (`daemon --heart`, or `-heart` in node.args), checking its settings first. */
function wantsHeart(flag: boolean, heart: HeartArgs | undefined): boolean {
  if (!flag && heart?.enabled !== true) return false;
  try {
    heartSettings(heart, process.env);
  } catch (error) {
    throw new ScriptError((error as Error).message, 2);
  }
  return true;
}

/** Refuses (exit 1) to boot a second node of the release when its node answers, or its heart runs: `daemon` and `foreground` check first. */
export async function refuseRunning(t: Target, role: string): Promise<void> {
  const running = liveHeart(root, t.name, program);
  if (running !== undefined) throw new ScriptError(`${t.node} is already running under its heart (os pid ${running}): stop it first (bin/${t.name} stop)`);
  const answers = await withToolNode(async (tool) => ((await tool.node.ping(t.node)) ? { theirs: await otherRoot(tool.node, t), pid: await answeringPid(tool, t, 5000) } : undefined), role);
  if (answers?.theirs !== undefined) throw new ScriptError(`${t.node} is already running, started from another release root, ${answers.theirs}: stop it there (${join(answers.theirs, 'bin', t.name)} stop), or give this copy another node name (--name in releases/${t.vsn}/node.args)`);
  if (answers) throw new ScriptError(`${t.node} is already running${answers.pid === undefined ? '' : ` (os pid ${answers.pid})`}: stop it first (bin/${t.name} stop)`);
}

/** `bin/<name> daemon [--heart]`: boots the release detached; 0 once its own node answers, else the cause. */
export async function daemon(options: { heart: boolean }): Promise<number> {
  const t = await target();
  versionToBoot(await readReleases(root));
  // Every file is read and every ${VAR} substituted here first: a bad one is named before anything starts.
  const files = await readVersion(root, t.vsn, process.env);
  checkRuntime(files.release, t.name);
  checkNative(files.release, t.name);
  checkCookieFile(t.vsn, files.nodeArgs);
  checkNodeFlags(t.vsn, files.nodeArgs.nodeFlags);
  const heart = wantsHeart(options.heart, files.nodeArgs.heart);
  checkWritableRoot(t.name, 'daemon');
  // Another daemon command starting the node now: its outcome first (the check below then finds its node).
  const release = await takeStartLock(t.name, BOOT_TIMEOUT_MS + 10_000);
  try {
    await refuseRunning(t, 'daemon');
    const log = logFile(t.name);
    const offset = logOffset(log);
    return await (heart ? daemonWithHeart(t, log, offset) : daemonAlone(t, log, offset));
  } finally {
    release();
  }
}

async function daemonAlone(t: Target, log: string, offset: number): Promise<number> {
  const { child } = await spawnNode(openLog(log));
  let exit: NodeExit | undefined;
  void exitOf(child).then((e) => (exit = e));
  child.unref();
  await withToolNode(async (tool) => {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exit) throw failed(t, child.pid, exit, log, offset);
      // Another node answering under the name is not ours: ours is about to be refused by the port mapper.
      if ((await answeringPid(tool, t, 2000)) === child.pid && !exit && alive(child.pid!)) return;
      await sleep(100);
    }
    if (exit) throw failed(t, child.pid, exit, log, offset);
    throw new ScriptError(`${t.node} (os pid ${child.pid}) did not answer within ${BOOT_TIMEOUT_MS / 1000} s: see log/${t.name}.log`);
  }, 'daemon');
  process.stdout.write(`started ${t.name} ${t.vsn} as ${t.node} (os pid ${child.pid}); logs in log/${t.name}.log\n`);
  return 0;
}

function failed(t: Target, pid: number | undefined, exit: NodeExit, log: string, offset: number): ScriptError {
  return new ScriptError(bootFailure(t.node, t.name, pid, exit, log, offset), exit.code === 2 ? 2 : 1);
}

// The heart reports the first boot over an IPC channel, closed once the daemon command has its answer.
async function daemonWithHeart(t: Target, log: string, offset: number): Promise<number> {
  const out = openLog(log);
  const heart = spawn(process.execPath, [program, 'heart'], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, OTP_RELEASE_ROOT: root },
  });
  const report = await Promise.race([
    new Promise<HeartReport>((resolve) => heart.on('message', (m: HeartReport) => resolve(m))),
    exitOf(heart).then((exit): HeartReport => ({ kind: 'failed', pid: undefined, exit })),
    sleep(BOOT_TIMEOUT_MS + 5000).then(() => undefined),
  ]);
  if (heart.connected) heart.disconnect();
  heart.unref();
  if (report === undefined) throw new ScriptError(`${t.node} did not answer its heart (os pid ${heart.pid}) within ${BOOT_TIMEOUT_MS / 1000} s: see log/${t.name}.log`);
  if (report.kind === 'failed') throw failed(t, report.pid, report.exit, log, offset);
  process.stdout.write(`started ${t.name} ${report.vsn} as ${t.node} (os pid ${report.pid}) under its heart (os pid ${heart.pid}); logs in log/${t.name}.log\n`);
  return 0;
}

/** `bin/<name>.mjs heart` (started by daemon, not listed): the watchdog's process, until it stops or gives up. */
export async function heartCommand(): Promise<number> {
  const t = await target();
  const settings = heartSettings((await readNodeArgs(root, t.vsn, process.env)).heart, process.env);
  const log = logFile(t.name);
  const out = openLog(log);
  const own = heartPidFile(root, t.name);
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  process.on('disconnect', () => {});
  let last: ChildProcess | undefined;
  try {
    return await withToolNode(
      (tool) =>
        runHeart({
          settings,
          node: t.node,
          stopRequested,
          spawnNode: async () => {
            // The dead node's pid file names no process any more; the new node writes its own once booted.
            removePidFile(pidFile(t.name), last?.pid);
            const spawned = await spawnNode(out);
            last = spawned.child;
            return spawned;
          },
          answer: (ms) => answeringPid(tool, t, ms),
          log: (line) => process.stdout.write(`${new Date().toISOString()} heart: ${line}\n`),
          report: (r) => {
            // Written once its node answers: a heart whose node lost a race for the name never claims run/.
            if (r.kind === 'up') {
              mkdirSync(join(root, 'run'), { recursive: true });
              writeFileSync(own, `${process.pid}\n`);
            }
            if (process.connected) process.send?.(r);
          },
        }),
      'heart',
    );
  } finally {
    removePidFile(pidFile(t.name), last?.pid);
    removePidFile(own, process.pid);
  }
}
