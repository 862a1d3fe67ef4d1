// The cases of OTP's erpc_SUITE that apply to this runtime, translated: the called node is a peer that is a real OS
// process (call_against_old_node and the OTP 22 halves do not apply). OTP's exceptions are ErpcErrors: throw:V is
// kind 'throw' with reason V, exit:{exception, R} 'exit', exit:{signal, R} 'signal', error:{exception, R, _} 'error',
// error:{erpc, E} kind E; {response, R} is { response: R } and no_response / no_request 'noResponse' / 'noRequest'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRpc, createNode, erpc, ErpcError, rpc, RuntimeError, TIMEOUT, type ErpcErrorKind, type ProcessContext } from '@otp-ts/runtime';
import { withSuitePeer } from './helpers.ts';

const erpcError = (kind: ErpcErrorKind, reason?: unknown) => (e: unknown) => {
  assert.ok(e instanceof ErpcError, String(e));
  assert.equal(e.kind, kind, e.message);
  if (reason !== undefined) assert.deepEqual(e.reason, reason);
  return true;
};
const badarg = (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && e.message.startsWith('erpc.');

// Nothing is left in the mailbox (OTP's `[] = flush([])`).
async function flushed(ctx: ProcessContext): Promise<void> {
  const m = await ctx.receive(() => true, 0);
  assert.equal(m, TIMEOUT, `an unexpected message: ${String(m)}`);
}

test('erpc_SUITE call: a value, and each class of exception raised there (throw, error, exit, exit signal, undef) as its kind', { timeout: 120_000 }, async () => {
  await withSuitePeer('ecall', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      for (const t of [10_000, Infinity]) {
        assert.equal(await erpc.call(ctx, peer, 'otp', 'name', [], t), peer);
        assert.equal(await erpc.call(ctx, a.name, 'otp', 'name', [], t), a.name);
        await assert.rejects(erpc.call(ctx, peer, 'suite', 'throwValue', [{ oops: [1] }], t), (e: unknown) => erpcError('throw', { oops: [1] })(e) && (e as ErpcError).class === 'throw');
        await assert.rejects(erpc.call(ctx, peer, 'suite', 'errorOf', ['oops'], t), (e: unknown) => {
          erpcError('error')(e);
          const reason = (e as ErpcError).reason;
          assert.ok(reason instanceof Error && reason.message === 'oops' && reason.name === 'TypeError', String(reason));
          return (e as ErpcError).class === 'error';
        });
        await assert.rejects(erpc.call(ctx, peer, 'suite', 'exitHere', ['oops'], t), (e: unknown) => erpcError('exit', 'oops')(e) && (e as ErpcError).class === 'exit');
        await assert.rejects(erpc.call(ctx, peer, 'suite', 'signalHere', ['oops'], t), (e: unknown) => erpcError('signal', 'oops')(e) && (e as ErpcError).class === 'exit');
        await assert.rejects(erpc.call(ctx, peer, 'suite', 'nope', [], t), (e: unknown) => erpcError('error', 'undef')(e) && /suite has no function nope/.test((e as Error).message));
      }
      await flushed(ctx);
    });
  });
});

test('erpc_SUITE call: a timeout is error {erpc, timeout}; the call may run on, and no answer reaches the caller after', { timeout: 120_000 }, async () => {
  await withSuitePeer('etmo', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      await assert.rejects(erpc.call(ctx, peer, 'suite', 'later', [300, 'late', ctx.self(), 'ran'], 10), erpcError('timeout', 'timeout'));
      assert.equal(await ctx.receive((m) => m === 'ran', 30_000), 'ran');
      // The answer the peer sent after 'ran' came before this one's: had it reached the mailbox, it would be there now.
      assert.equal(await erpc.call(ctx, peer, 'suite', 'echo', ['again']), 'again');
      await flushed(ctx);
      await assert.rejects(erpc.call(ctx, peer, 'otp', 'ping', [], -1), badarg);
      await assert.rejects(erpc.call(ctx, peer, 'otp', 'ping', [], Number.NaN), badarg);
    });
  });
});

test('erpc_SUITE call: a node that halts, is down or is no node name is noconnection; a node that is no string, or arguments that are no array, badarg', { timeout: 120_000 }, async () => {
  await withSuitePeer('edown', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      await assert.rejects(erpc.call(ctx, 'nobody@127.0.0.1', 'otp', 'name', []), erpcError('noconnection'));
      await assert.rejects(erpc.call(ctx, 'badnodename', 'otp', 'name', []), (e: unknown) => erpcError('noconnection')(e) && (e as Error).message.includes("'badnodename' is not a node name"));
      await assert.rejects(erpc.call(ctx, 42 as unknown as string, 'otp', 'name', []), badarg);
      await assert.rejects(erpc.call(ctx, peer, 'otp', 'name', 'x' as unknown as unknown[]), badarg);
      await assert.rejects(erpc.call(ctx, peer, 'suite', 'halt', []), erpcError('noconnection'));
      await assert.rejects(erpc.call(ctx, peer, 'otp', 'name', []), erpcError('noconnection'));
      await flushed(ctx);
    });
  });
});

test('erpc_SUITE: a call in flight when its node is killed is noconnection, not a wait for ever', { timeout: 120_000 }, async () => {
  await withSuitePeer('ekill', 'erpc-dist', async (a, peer, kill) => {
    await a.run(async (ctx) => {
      const id = erpc.sendRequest(ctx, peer, 'suite', 'later', [600_000, 'never']);
      assert.equal(await erpc.call(ctx, peer, 'suite', 'echo', ['in']), 'in');
      kill();
      await assert.rejects(erpc.receiveResponse(ctx, id), erpcError('noconnection'));
    });
  });
});

test('erpc_SUITE multicall: each node\'s outcome in order: values, exceptions, noconnection, and timeout within one deadline', { timeout: 120_000 }, async () => {
  await withSuitePeer('emc', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const r = await erpc.multicall(ctx, [peer, a.name, 'nobody@127.0.0.1', peer], 'otp', 'name', []);
      assert.deepEqual(r.slice(0, 2), [{ ok: true, value: peer }, { ok: true, value: a.name }]);
      assert.ok(!r[2]!.ok && r[2]!.error.kind === 'noconnection' && r[2]!.error.node === 'nobody@127.0.0.1');
      assert.deepEqual(r[3], { ok: true, value: peer });
      const thrown = await erpc.multicall(ctx, [peer], 'suite', 'throwValue', ['v']);
      assert.ok(!thrown[0]!.ok && thrown[0]!.error.kind === 'throw' && thrown[0]!.error.reason === 'v');
      const slow = await erpc.multicall(ctx, [peer, peer], 'suite', 'later', [60_000, 'slow'], 200);
      assert.deepEqual(slow.map((x) => !x.ok && x.error.kind), ['timeout', 'timeout']);
      await assert.rejects(erpc.multicall(ctx, [peer, 7 as unknown as string], 'otp', 'name', []), badarg);
      await flushed(ctx);
    });
  });
});

test('erpc_SUITE send_request: receive, wait and check a response; a timeout abandons the request and a second read of it is badarg', { timeout: 120_000 }, async () => {
  await withSuitePeer('esr', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      const id1 = erpc.sendRequest(ctx, peer, 'suite', 'later', [200, 'one']);
      const id2 = erpc.sendRequest(ctx, peer, 'suite', 'later', [400, 'two']);
      const id4 = erpc.sendRequest(ctx, peer, 'suite', 'errorOf', ['bang']);
      const id5 = erpc.sendRequest(ctx, peer, 'suite', 'later', [60_000, 'five']);
      await assert.rejects(erpc.receiveResponse(ctx, id4, 30_000), (e: unknown) => erpcError('error')(e) && /bang/.test((e as Error).message));
      await assert.rejects(erpc.receiveResponse(ctx, id5, 10), erpcError('timeout'));
      assert.equal(await erpc.waitResponse(ctx, id2), 'noResponse');
      assert.equal(await erpc.waitResponse(ctx, id2, 10), 'noResponse');
      assert.equal(await erpc.receiveResponse(ctx, id1), 'one');
      assert.deepEqual(await erpc.waitResponse(ctx, id2, Infinity), { response: 'two' });
      await assert.rejects(erpc.receiveResponse(ctx, id5, 10), badarg);
      await assert.rejects(erpc.waitResponse(ctx, id1), badarg);
      await flushed(ctx);

      const id6 = erpc.sendRequest(ctx, peer, 'otp', 'name', []);
      assert.equal(erpc.checkResponse(ctx, { response: 'x' }, id6), 'noResponse');
      const m = await ctx.receive(() => true, 30_000);
      assert.deepEqual(erpc.checkResponse(ctx, m, id6), { response: peer });
      const id7 = erpc.sendRequest(ctx, peer, 'suite', 'exitHere', ['bye']);
      const m7 = await ctx.receive(() => true, 30_000);
      assert.throws(() => erpc.checkResponse(ctx, m7, id7), erpcError('exit', 'bye'));
      await flushed(ctx);
    });
  });
});

test('erpc_SUITE send_request with a request id collection: every answer once with its label, an exception carrying its label, noRequest at the end', { timeout: 120_000 }, async () => {
  await withSuitePeer('ecol', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      let c = erpc.reqIdsNew<string>();
      c = erpc.sendRequest(ctx, peer, 'suite', 'later', [100, 'a'], 'la', c);
      c = erpc.sendRequest(ctx, a.name, 'otp', 'name', [], 'lb', c);
      c = erpc.reqIdsAdd(c, erpc.sendRequest(ctx, peer, 'suite', 'throwValue', ['t']), 'lc');
      assert.equal(erpc.reqIdsSize(c), 3);
      assert.deepEqual(erpc.reqIdsToList(c).map(([, l]) => l).sort(), ['la', 'lb', 'lc']);
      const seen: Array<[string, unknown]> = [];
      for (;;) {
        let r;
        try {
          r = await erpc.receiveResponse(ctx, c, 30_000, true);
        } catch (e) {
          assert.ok(e instanceof ErpcError && e.kind === 'throw' && e.label === 'lc' && e.collection !== undefined, String(e));
          seen.push(['lc', e.reason]);
          c = e.collection as typeof c;
          continue;
        }
        if (r === 'noRequest') break;
        seen.push([r[1], r[0]]);
        c = r[2];
      }
      assert.deepEqual(seen.sort(), [['la', 'a'], ['lb', a.name], ['lc', 't']]);

      let w = erpc.sendRequest(ctx, peer, 'suite', 'later', [60_000, 'x'], 'slow', erpc.reqIdsNew<string>());
      assert.equal(await erpc.waitResponse(ctx, w, 0), 'noResponse');
      w = erpc.sendRequest(ctx, peer, 'otp', 'name', [], 'fast', w);
      const got = await erpc.waitResponse(ctx, w, 30_000, false);
      assert.ok(got !== 'noResponse' && got !== 'noRequest');
      assert.deepEqual([got[0], got[1], erpc.reqIdsSize(got[2])], [{ response: peer }, 'fast', 2]);
      await assert.rejects(erpc.receiveResponse(ctx, w, 50), erpcError('timeout'));
      await flushed(ctx);
    });
  });
});

test('erpc_SUITE cast and multicast: run there with no answer; a node down or no node name is ignored; bad arguments are badarg', { timeout: 120_000 }, async () => {
  await withSuitePeer('ecast', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      erpc.cast(ctx, 'badnodename', 'suite', 'send', [ctx.self(), 'no']);
      erpc.cast(ctx, 'nobody@127.0.0.1', 'suite', 'send', [ctx.self(), 'no']);
      assert.throws(() => erpc.cast(ctx, 42 as unknown as string, 'suite', 'send', []), badarg);
      assert.throws(() => erpc.cast(ctx, peer, 'suite', 'send', 'hej' as unknown as unknown[]), badarg);
      erpc.cast(ctx, peer, 'suite', 'throwValue', ['silent']);
      erpc.cast(ctx, peer, 'suite', 'send', [ctx.self(), 'one']);
      assert.equal(await ctx.receive((m) => m === 'one', 30_000), 'one');
      erpc.multicast(ctx, [peer, peer], 'suite', 'send', [ctx.self(), 'many']);
      for (let i = 0; i < 2; i++) assert.equal(await ctx.receive((m) => m === 'many', 30_000), 'many');
      assert.throws(() => erpc.multicast(ctx, [peer, 1 as unknown as string], 'suite', 'send', [ctx.self(), 'none']), badarg);
      assert.equal(await erpc.call(ctx, peer, 'suite', 'echo', ['sync']), 'sync');
      await flushed(ctx);
    });
  });
});

test('rpc: a call whose process there is ended by an exit signal is a BadRpc saying so, not an internal error about an exited process', { timeout: 120_000 }, async () => {
  await withSuitePeer('rsig', 'erpc-dist', async (a, peer) => {
    await a.run(async (ctx) => {
      await assert.rejects(rpc.call(ctx, peer, 'suite', 'signalHere', ['shot'], 20_000), (e: unknown) => e instanceof BadRpc && /exit signal.*shot/.test(e.message));
    });
  });
});

test('erpc from a node that is not distributed: another node is noconnection at once, and this node (no rpc server) notsup', { timeout: 60_000 }, async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await node.run(async (ctx) => {
      await assert.rejects(erpc.call(ctx, 'shop@127.0.0.1', 'otp', 'name', []), erpcError('noconnection'));
      await assert.rejects(erpc.call(ctx, node.name, 'otp', 'name', []), erpcError('notsup'));
      const r = await erpc.multicall(ctx, ['shop@127.0.0.1'], 'otp', 'name', []);
      assert.ok(!r[0]!.ok && r[0]!.error.kind === 'noconnection');
      erpc.cast(ctx, 'shop@127.0.0.1', 'otp', 'name', []);
      await flushed(ctx);
    });
  } finally {
    node.shutdown();
  }
});
