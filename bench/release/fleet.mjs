// The fleet release on otp-ts: 1,000 gen_servers of one callback module, 0.1.0 and 0.2.0 (a new state
// shape with codeChange), driven through its start script: daemon, upgrade, downgrade, eval, stop.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addNodeFlag, newApp, otp, relRoot, writeFleet } from './project.mjs';
import { exec, must } from './proc.mjs';

/** Builds the fleet's releases 0.1.0 and 0.2.0 (--upgrade-from 0.1.0), the node started with --expose-gc. */
export async function buildFleet(repo, base, name, count) {
  const dir = await newApp(repo, base, name);
  addNodeFlag(dir, '--expose-gc');
  writeFleet(dir, name, '0.1.0', count);
  await otp(repo, dir, ['release']);
  writeFleet(dir, name, '0.2.0', count);
  await otp(repo, dir, ['release', '--upgrade-from', '0.1.0']);
  return { name, rel: relRoot(dir, name) };
}

const script = (fleet, args, timeout) => must(join(fleet.rel, 'bin', fleet.name), args, { cwd: fleet.rel, timeout });

/** Starts the fleet as a daemon; the wall ms until the script reports it started (it answers ping). */
export async function startDaemon(fleet) {
  return (await script(fleet, ['daemon'])).ms;
}

/** Stops the daemon in order; if the script cannot, kills the node by the pid it wrote. */
export async function stopDaemon(fleet) {
  const r = await exec(join(fleet.rel, 'bin', fleet.name), ['stop'], { cwd: fleet.rel, timeout: 90_000 });
  if (r.status === 0) return;
  const pidFile = join(fleet.rel, 'run', `${fleet.name}.pid`);
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : NaN;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Parses the report of `bin/NAME upgrade|downgrade`: install ms, processes suspended, longest suspension ms. */
export function parseReport(text) {
  const head = /(upgraded|downgraded) (\S+) → (\S+) in (\d+) ms \((\d+) ms with the connection\)/.exec(text);
  const susp = /processes suspended: (\d+), longest suspension ([\d.]+) ms/.exec(text);
  if (!head || !susp) throw new Error(`unexpected install report:\n${text}`);
  return { direction: head[1], from: head[2], to: head[3], ms: Number(head[4]), connMs: Number(head[5]), processes: Number(susp[1]), suspendedMs: Number(susp[2]) };
}

/**
 * Upgrades (or downgrades) the running fleet to `vsn`; the parsed report plus the command's wall ms.
 * The health probe watches 100 ms (the default is 2,000 ms), so the figures stay comparable with earlier runs.
 */
export async function install(fleet, verb, vsn) {
  const r = await script(fleet, [verb, vsn, '--probe-ms', '100'], 600_000);
  return { ...parseReport(r.stdout), wallMs: r.ms };
}

/** The node's heap after a full collection (throws if the node was not started with --expose-gc). */
export async function heapUsed(fleet) {
  const code = "JSON.stringify({ gc: typeof globalThis.gc === 'function', heap: (globalThis.gc?.(), globalThis.gc?.(), process.memoryUsage().heapUsed) })";
  const out = JSON.parse((await script(fleet, ['eval', code])).stdout.replace(/^'|'$/g, ''));
  if (!out.gc) throw new Error('the fleet node has no global gc: --expose-gc did not reach Node.js');
  return out.heap;
}

/**
 * Upgrade 1 to 0.2.0, then `rounds - 1` times downgrade to 0.1.0 and upgrade again, reading the heap after
 * each upgrade. Returns every install report and the heap after each upgrade (index 0: after upgrade 1).
 */
export async function upgradeRounds(fleet, rounds, progress) {
  const ups = [];
  const downs = [];
  const heaps = [];
  for (let i = 1; i <= rounds; i++) {
    if (i > 1) downs.push(await install(fleet, 'downgrade', '0.1.0'));
    ups.push(await install(fleet, 'upgrade', '0.2.0'));
    heaps.push(await heapUsed(fleet));
    progress(i, ups.at(-1), heaps.at(-1));
  }
  return { ups, downs, heaps };
}
