// The distributed cases of OTP's monitor_SUITE (demon_3, mon_2, and a node that stops while monitored),
// translated: the monitored processes live on a peer node that is a real OS process, killed where a case has the
// node go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, isDown, rpc, NodeDown, type Down, type OtpNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';
import { leftovers } from './helpers.ts';

const peerScript = fileURLToPath(new URL('./fixtures/suite-peer.ts', import.meta.url));

function startSuitePeer(name: string, cookie: string, epmdPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, name, cookie, String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

async function withPeer(prefix: string, body: (a: OtpNode, peer: string, kill: () => void) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peerName = `${prefix}_b@127.0.0.1`;
  const child = await startSuitePeer(peerName, 'mon-dist', epmdPort);
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: `${prefix}_a@127.0.0.1`, cookie: 'mon-dist', epmdPort, tickTime: 1000, log: () => {} });
    await waitFor(`${a.name} reaches ${peerName}`, () => a.ping(peerName), { ms: 30_000 });
    await body(a, peerName, () => child.kill('SIGKILL'));
  } finally {
    child.kill('SIGKILL');
    a.shutdown();
    await epmd.close();
  }
}

test('monitor_SUITE demon_3: a demonitored remote process that then exits sends no DOWN; demonitor answers true then false', { timeout: 120_000 }, async () => {
  await withPeer('demon3', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', [null])) as Pid;
      const ref = ctx.monitor(pid);
      assert.equal(ctx.demonitor(ref), true);
      assert.equal(ctx.demonitor(ref), false);
      const watch = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      const down = (await ctx.receive((m) => isDown(m, watch), 30_000)) as Down;
      assert.equal(down.reason, 'killed');
      // Anything the demonitored monitor could still send has come by now: the peer answered after the exit.
      assert.equal(await rpc.call(ctx, peer, 'suite', 'echo', ['after']), 'after');
      assert.deepEqual((await leftovers(ctx)).filter((m) => isDown(m, ref)), []);
    });
  });
});

test('monitor_SUITE mon_2 remote: monitoring a dead remote pid or an unheld { name, node } gives DOWN noproc at once', { timeout: 120_000 }, async () => {
  await withPeer('mon2', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', [null])) as Pid;
      const gone = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      await ctx.receive((m) => isDown(m, gone), 30_000);
      const again = ctx.monitor(pid);
      assert.equal(((await ctx.receive((m) => isDown(m, again), 30_000)) as Down).reason, 'noproc');
      const byName = ctx.monitor({ name: 'nobody_here', node: peer });
      assert.equal(((await ctx.receive((m) => isDown(m, byName), 30_000)) as Down).reason, 'noproc');
    });
  });
});

test('monitor_SUITE: a node that stops while monitored sends DOWN noconnection for each monitor of its processes, by pid and by name; a monitor made after is DOWN noconnection at once', { timeout: 120_000 }, async () => {
  await withPeer('monstop', async (a, peer, kill) => {
    await a.run(async (ctx) => {
      const pid = (await rpc.call(ctx, peer, 'suite', 'start', ['held'])) as Pid;
      const byPid = ctx.monitor(pid);
      const byName = ctx.monitor({ name: 'held', node: peer });
      ctx.monitorNode(peer);
      kill();
      await ctx.receive((m) => m instanceof NodeDown, 30_000);
      const d1 = (await ctx.receive((m) => isDown(m, byPid), 30_000)) as Down;
      const d2 = (await ctx.receive((m) => isDown(m, byName), 30_000)) as Down;
      assert.deepEqual([d1.reason, d2.reason], ['noconnection', 'noconnection']);
      const late = ctx.monitor(pid);
      assert.equal(((await ctx.receive((m) => isDown(m, late), 30_000)) as Down).reason, 'noconnection');
      const lateName = ctx.monitor({ name: 'held', node: peer });
      assert.equal(((await ctx.receive((m) => isDown(m, lateName), 30_000)) as Down).reason, 'noconnection');
    });
  });
});
