// The distributed halves of OTP's gen_server_SUITE (call_remote1..3, call_remote_n1..n3, stop8..10), translated:
// the server lives on a peer node that is a real OS process, started over rpc as the suite does, and the node is
// killed where the case stops it. OTP's `{'EXIT', {Reason, _}}` is a CallError whose `failure` is the Reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CallError, createNode, genServer, global, rpc, NodeDown, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const peerScript = fileURLToPath(new URL('./fixtures/suite-peer.ts', import.meta.url));

/** Starts the suite's peer node as an OS process; resolves once it is ready. */
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

// One case: a port mapper, this test's node and the peer `hubba` (an OS process), connected; all ended after.
async function withPeer(prefix: string, body: (a: OtpNode, peer: string, stopPeer: () => Promise<void>) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peerName = `${prefix}_hubba@127.0.0.1`;
  const child = await startSuitePeer(peerName, 'gs-dist', epmdPort);
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: `${prefix}_a@127.0.0.1`, cookie: 'gs-dist', epmdPort, tickTime: 1000, log: () => {} });
    await waitFor(`${a.name} reaches ${peerName}`, () => a.ping(peerName), { ms: 30_000 });
    // test_server:stop_node: the node is gone (its process ended and this node saw the nodedown) when it returns.
    const stopPeer = async (): Promise<void> => {
      await a.run(async (ctx) => {
        ctx.monitorNode(peerName);
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        await ctx.receive((m) => m instanceof NodeDown && m.node === peerName, 30_000);
      });
    };
    await body(a, peerName, stopPeer);
  } finally {
    child.kill('SIGKILL');
    a.shutdown();
    await epmd.close();
  }
}

const failure = (expected: unknown) => (e: unknown) => e instanceof CallError && (assert.deepEqual(e.failure, expected), true);
const noprocOrBoom = (e: unknown) => e instanceof CallError && (e.failure === 'noproc' || e.failure === 'boom');
const startThere = (ctx: ProcessContext, node: string, name: string | { global: string } | null) => rpc.call(ctx, node, 'suite', 'start', [name]) as Promise<Pid>;

test('gen_server_SUITE call_remote1: a call to a { global } server on another node, after the server is killed, fails noproc or with its exit reason', { timeout: 120_000 }, async () => {
  await withPeer('cr1', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = await startThere(ctx, peer, { global: 'hubba' });
      await waitFor('the global name reaches this node', () => global.whereis(ctx, 'hubba') !== undefined);
      assert.equal(await genServer.call(ctx, { global: 'hubba' }, 'started_p', Infinity), 'ok');
      ctx.exit(pid, 'boom');
      await assert.rejects(genServer.call(ctx, { global: 'hubba' }, 'started_p', Infinity), noprocOrBoom);
    });
  });
});

test('gen_server_SUITE call_remote2: a call by pid to a server on another node, after the server is killed, fails noproc or with its exit reason', { timeout: 120_000 }, async () => {
  await withPeer('cr2', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = await startThere(ctx, peer, { global: 'hubba' });
      assert.equal(await genServer.call(ctx, pid, 'started_p', Infinity), 'ok');
      ctx.exit(pid, 'boom');
      await assert.rejects(genServer.call(ctx, pid, 'started_p', Infinity), noprocOrBoom);
    });
  });
});

test('gen_server_SUITE call_remote3: a call to { name, node } after the server there is killed fails noproc or with its exit reason', { timeout: 120_000 }, async () => {
  await withPeer('cr3', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = await startThere(ctx, peer, 'piller');
      assert.equal(await genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), 'ok');
      ctx.exit(pid, 'boom');
      await assert.rejects(genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), noprocOrBoom);
    });
  });
});

test('gen_server_SUITE call_remote_n1: once the node holding a { global } server is stopped, a call to the name fails noproc', { timeout: 120_000 }, async () => {
  await withPeer('crn1', async (a, peer, stopPeer) => {
    await a.run(async (ctx) => {
      await startThere(ctx, peer, { global: 'hubba' });
      await waitFor('the global name reaches this node', () => global.whereis(ctx, 'hubba') !== undefined);
    });
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, { global: 'hubba' }, 'started_p', Infinity), failure('noproc'));
    });
  });
});

test('gen_server_SUITE call_remote_n2: a call by pid to a server whose node was stopped fails nodedown, naming the node, at once even with an infinite timeout', { timeout: 120_000 }, async () => {
  await withPeer('crn2', async (a, peer, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, { global: 'hubba' }));
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, pid, 'started_p', Infinity), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE call_remote_n3: a call to { name, node } whose node was stopped fails nodedown, naming the node', { timeout: 120_000 }, async () => {
  await withPeer('crn3', async (a, peer, stopPeer) => {
    await a.run((ctx) => startThere(ctx, peer, 'piller'));
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE call_remote_n2 in flight: a call by pid left waiting when the server\'s node goes down fails nodedown, not a timeout', { timeout: 120_000 }, async () => {
  await withPeer('crn2f', async (a, peer, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, null));
    const seen = a.run((ctx) => genServer.call(ctx, pid, 'hang', Infinity).then(() => undefined, (e: unknown) => e));
    await stopPeer();
    const e = await seen;
    assert.ok(e instanceof CallError, String(e));
    assert.equal(e.failure, 'nodedown');
    assert.ok(e.message.includes(peer), e.message);
  });
});

test('gen_server_SUITE stop8: stop of an anonymous server on another node; again is noproc; after the node is stopped, nodedown', { timeout: 120_000 }, async () => {
  await withPeer('stop8', async (a, peer, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, null));
    await a.run(async (ctx) => {
      await genServer.stop(ctx, pid);
      assert.equal(await rpc.call(ctx, peer, 'suite', 'isAlive', [pid]), false);
      await assert.rejects(genServer.stop(ctx, pid), failure('noproc'));
    });
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.stop(ctx, pid), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE stop9: stop of { name, node } on another node; the name is freed; again is noproc; after the node is stopped, nodedown', { timeout: 120_000 }, async () => {
  await withPeer('stop9', async (a, peer, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, 'to_stop'));
    await a.run(async (ctx) => {
      await genServer.stop(ctx, { name: 'to_stop', node: peer });
      assert.equal(await rpc.call(ctx, peer, 'suite', 'whereis', ['to_stop']), null);
      assert.equal(await rpc.call(ctx, peer, 'suite', 'isAlive', [pid]), false);
      await assert.rejects(genServer.stop(ctx, { name: 'to_stop', node: peer }), failure('noproc'));
    });
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.stop(ctx, { name: 'to_stop', node: peer }), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE stop10: stop of a { global } server held on another node; again is noproc; after the node is stopped, still noproc', { timeout: 120_000 }, async () => {
  await withPeer('stop10', async (a, peer, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, { global: 'to_stop' }));
    await a.run(async (ctx) => {
      await waitFor('the global name reaches this node', () => global.whereis(ctx, 'to_stop') !== undefined);
      await genServer.stop(ctx, { global: 'to_stop' });
      assert.equal(await rpc.call(ctx, peer, 'suite', 'isAlive', [pid]), false);
      await waitFor('the global name is gone here', () => global.whereis(ctx, 'to_stop') === undefined);
      await assert.rejects(genServer.stop(ctx, { global: 'to_stop' }), failure('noproc'));
    });
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.stop(ctx, { global: 'to_stop' }), failure('noproc'));
    });
  });
});
