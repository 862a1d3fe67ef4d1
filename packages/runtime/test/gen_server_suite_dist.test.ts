// The distributed halves of OTP's gen_server_SUITE (call_remote1..3, call_remote_n1..n3, stop8..10), translated:
// the server lives on a peer node that is a real OS process, started over rpc as the suite does, and the node is
// killed where the case stops it. OTP's `{'EXIT', {Reason, _}}` is a CallError whose `failure` is the Reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, genServer, global, rpc, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { waitFor } from '../../../test/support/wait.ts';
import { withSuitePeer } from './helpers.ts';

const failure = (expected: unknown) => (e: unknown) => e instanceof CallError && (assert.deepEqual(e.failure, expected), true);
const noprocOrBoom = (e: unknown) => e instanceof CallError && (e.failure === 'noproc' || e.failure === 'boom');
const startThere = (ctx: ProcessContext, node: string, name: string | { global: string } | null) => rpc.call(ctx, node, 'suite', 'start', [name]) as Promise<Pid>;

test('gen_server_SUITE call_remote1: a call to a { global } server on another node, after the server is killed, fails noproc or with its exit reason', { timeout: 120_000 }, async () => {
  await withSuitePeer('cr1', 'gs-dist', async (a, peer) => {
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
  await withSuitePeer('cr2', 'gs-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = await startThere(ctx, peer, { global: 'hubba' });
      assert.equal(await genServer.call(ctx, pid, 'started_p', Infinity), 'ok');
      ctx.exit(pid, 'boom');
      await assert.rejects(genServer.call(ctx, pid, 'started_p', Infinity), noprocOrBoom);
    });
  });
});

test('gen_server_SUITE call_remote3: a call to { name, node } after the server there is killed fails noproc or with its exit reason', { timeout: 120_000 }, async () => {
  await withSuitePeer('cr3', 'gs-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const pid = await startThere(ctx, peer, 'piller');
      assert.equal(await genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), 'ok');
      ctx.exit(pid, 'boom');
      await assert.rejects(genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), noprocOrBoom);
    });
  });
});

test('gen_server_SUITE call_remote_n1: once the node holding a { global } server is stopped, a call to the name fails noproc', { timeout: 120_000 }, async () => {
  await withSuitePeer('crn1', 'gs-dist', async (a, peer, _kill, stopPeer) => {
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
  await withSuitePeer('crn2', 'gs-dist', async (a, peer, _kill, stopPeer) => {
    const pid = await a.run((ctx) => startThere(ctx, peer, { global: 'hubba' }));
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, pid, 'started_p', Infinity), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE call_remote_n3: a call to { name, node } whose node was stopped fails nodedown, naming the node', { timeout: 120_000 }, async () => {
  await withSuitePeer('crn3', 'gs-dist', async (a, peer, _kill, stopPeer) => {
    await a.run((ctx) => startThere(ctx, peer, 'piller'));
    await stopPeer();
    await a.run(async (ctx) => {
      await assert.rejects(genServer.call(ctx, { name: 'piller', node: peer }, 'started_p', Infinity), (e: unknown) => failure('nodedown')(e) && (e as Error).message.includes(peer));
    });
  });
});

test('gen_server_SUITE call_remote_n2 in flight: a call by pid left waiting when the server\'s node goes down fails nodedown, not a timeout', { timeout: 120_000 }, async () => {
  await withSuitePeer('crn2f', 'gs-dist', async (a, peer, _kill, stopPeer) => {
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
  await withSuitePeer('stop8', 'gs-dist', async (a, peer, _kill, stopPeer) => {
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
  await withSuitePeer('stop9', 'gs-dist', async (a, peer, _kill, stopPeer) => {
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
  await withSuitePeer('stop10', 'gs-dist', async (a, peer, _kill, stopPeer) => {
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
