// The heart row of the release suite: kill -9 of a node running under its heart, to the restarted node
// answering a ping over distribution. otp-ts: `bin/<name> daemon --heart` of a template app, pinged by
// a hidden node in this process every 10 ms; BEAM: the minimal release booted with `erl -heart
// -detached` and HEART_COMMAND set to the same boot, pinged by an Erlang node (bench_heart.erl) every
// 10 ms. Each round starts a fresh node and heart, so every restart measured is the first (no back-off).
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createNode } from '@otp-ts/runtime';
import { erlBootArgs } from './anchor.mjs';
import { exec, must } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// Pings `target` every 10 ms until it answers; ms from `t0`.
async function untilPong(tool, target, t0, timeoutMs = 60_000) {
  while (performance.now() - t0 < timeoutMs) {
    if (await tool.ping(target)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${target} did not answer within ${timeoutMs / 1000} s of its kill`);
}

/** One otp-ts round: daemon --heart, kill -9 the node, ms until a ping is answered again; then stop. */
export async function otpHeartRound(rel, name) {
  const script = join(rel, 'bin', name);
  const started = await must(script, ['daemon', '--heart'], { cwd: rel });
  const pid = Number(/\(os pid (\d+)\) under its heart/.exec(started.stdout)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`daemon --heart printed no pid:\n${started.stdout}`);
  const nodeArgs = readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8');
  const target = /--name\s+(\S+)/.exec(nodeArgs)[1];
  const cookie = /--setcookie\s+(\S+)/.exec(nodeArgs)[1];
  const tool = createNode({ onCrash: () => {} });
  await tool.startDistribution({ name: `bench_heart_${process.pid}@127.0.0.1`, cookie, hidden: true, log: () => {} });
  try {
    if (!(await tool.ping(target))) throw new Error(`${target} does not answer before the kill`);
    // As erlang:monitor_node on the BEAM side: a ping only counts once the killed node's connection is gone.
    const down = tool.run(async (ctx) => {
      ctx.monitorNode(target);
      await ctx.receive(null, 5000);
    });
    process.kill(pid, 'SIGKILL');
    const t0 = performance.now();
    await down;
    const ms = await untilPong(tool, target, t0);
    const now = Number((await must(script, ['pid'], { cwd: rel })).stdout);
    if (now === pid) throw new Error('the node answering after kill -9 is the killed one');
    return ms;
  } finally {
    tool.shutdown();
    const r = await exec(script, ['stop'], { cwd: rel, timeout: 90_000 });
    if (r.status !== 0) console.log(`  stop after the heart round failed: ${r.stderr}`);
  }
}

/** Compiles bench_heart.erl into `dir`. */
export async function buildHeartAnchor(dir) {
  await must('erlc', ['-o', dir, join(here, 'erl', 'bench_heart.erl')]);
}

/** One BEAM round: the anchor release under `erl -heart`, killed by bench_heart, ms until it answers ping again. */
export async function beamHeartRound(dir, boot, round) {
  const name = `bench_heart_${process.pid}_${round}@127.0.0.1`;
  const args = [...erlBootArgs(boot, name), '-heart', '-detached'];
  const env = { ...process.env, HEART_COMMAND: ['erl', ...args].join(' ') };
  await must('erl', args, { env });
  const ctl = spawn('erl', ['-noshell', '-name', `bench_heart_ctl_${process.pid}@127.0.0.1`, '-setcookie', 'bench_release', '-pa', dir, '-run', 'bench_heart', 'main', name, '60000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  ctl.stdout.on('data', (c) => (out += c));
  ctl.stderr.on('data', (c) => (out += c));
  const status = await new Promise((resolve) => ctl.on('close', resolve));
  const line = out.trim().split('\n').pop();
  if (status !== 0 || !line?.startsWith('{')) throw new Error(`bench_heart failed (${status}):\n${out}`);
  return JSON.parse(line).us / 1000;
}
