// End to end through the built binary: a runaway line typed into otp remote (or sent by otp rpc otp eval)
// is interrupted on the node, whose processes keep answering and which the cluster never declares down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, NodeDown, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, otpWith } from './support/cli.ts';

const peerScript = fileURLToPath(new URL('../packages/runtime/test/fixtures/eval-peer.ts', import.meta.url));
// Longer than the 1000 ms eval bound, shorter than the runaway line: unbounded, the line would get the peer declared down.
const TICK_TIME = 4000;
const RUNAWAY = 'const t = Date.now(); while (Date.now() - t < 12000) {}';

interface Cluster {
  env: NodeJS.ProcessEnv;
  /** Pings the peer's probe process from the watching node; resolves when it answered. */
  probe(): Promise<void>;
  /** The NodeDown messages the watching node received. */
  downs(): NodeDown[];
}

async function withCluster(body: (c: Cluster) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'bound-secret' };
  const peer = spawn(process.execPath, [...process.execArgv, peerScript, 'peer@127.0.0.1', 'bound-secret', String(port), String(TICK_TIME)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let watcher: OtpNode | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      peer.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
    });
    // A visible node of the cluster with the same tick time: it would declare the peer down if the peer stopped ticking.
    watcher = createNode({ onCrash: () => {} });
    await watcher.startDistribution({ name: 'watch@127.0.0.1', cookie: 'bound-secret', epmdPort: port, tickTime: TICK_TIME, log: () => {} });
    const downs: NodeDown[] = [];
    const w = watcher;
    w.spawn(async (ctx) => {
      w.dist!.monitorNodes(ctx.self());
      for (;;) {
        const m = await ctx.receive();
        if (m instanceof NodeDown) downs.push(m);
      }
    });
    let n = 0;
    const probe = (): Promise<void> =>
      w.run(async (ctx) => {
        const mine = ++n;
        ctx.send({ name: 'probe', node: 'peer@127.0.0.1' }, { from: ctx.self(), n: mine });
        await ctx.receive((m) => (m as { pong?: number }).pong === mine, 30_000);
      });
    await probe();
    await body({ env, probe, downs: () => downs });
  } finally {
    watcher?.shutdown();
    peer.kill('SIGKILL');
    await epmd.close();
  }
}

// Runs `otp remote NODE FLAGS..` with `lines` on its stdin (not a terminal); resolves to what it printed.
function remote(env: NodeJS.ProcessEnv, flags: string[], lines: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'remote', 'peer@127.0.0.1', ...flags], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

test('a runaway line in otp remote is interrupted; the node keeps answering and is never declared down', async () => {
  await withCluster(async ({ env, probe, downs }) => {
    // The probe keeps asking while the line runs; each answer needs the peer's event loop.
    let answered = 0;
    let running = true;
    const prober = (async () => {
      while (running) {
        await probe();
        answered++;
      }
    })();
    const run = await remote(env, [], [RUNAWAY, '1 + 1']);
    running = false;
    await prober;
    assert.match(run.stdout, /^\*\* evaluation stopped after 1000 ms of synchronous work: .*--eval-timeout MS/m, run.stdout + run.stderr);
    assert.match(run.stdout, /^2$/m, 'the next line is answered');
    // The stopped line failed, so the piped shell exits 1 once the lines after it ran.
    assert.equal(run.status, 1, run.stderr);
    const before = answered;
    await probe();
    assert.ok(before >= 1, 'the probe answered while the tool ran');
    assert.deepEqual(downs().map((d) => d.node), [], 'the peer was never declared down');
  });
});

test('otp rpc of otp eval and otp remote take their bounds: --eval-timeout, and --eval-await-timeout for a promise that never settles', async () => {
  await withCluster(async ({ env, probe, downs }) => {
    const rpc = await otpWith(env)('rpc', 'peer@127.0.0.1', 'otp', 'eval', JSON.stringify(['for (;;) {}']), '--eval-timeout', '300');
    assert.equal(rpc.status, 1);
    assert.match(rpc.stderr, /evaluation stopped after 300 ms of synchronous work/);
    const waited = await remote(env, ['--eval-await-timeout', '500'], ['await new Promise(() => {})', '"still here"']);
    assert.match(waited.stdout, /^\*\* evaluation gave no result within 500 ms: an awaited promise has not settled \(the node is unaffected\)/m, waited.stdout + waited.stderr);
    assert.match(waited.stdout, /^'still here'$/m);
    const viaEnv = await remote({ ...env, OTP_EVAL_TIMEOUT: '200' }, [], [RUNAWAY]);
    assert.match(viaEnv.stdout, /evaluation stopped after 200 ms/);
    const bad = await remote(env, ['--eval-timeout', 'soon'], []);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--eval-timeout soon is not a whole number of milliseconds/);
    await probe();
    assert.deepEqual(downs().map((d) => d.node), []);
  });
});
