import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genServer, ok, reply, noreply, TIMEOUT, RuntimeError, type From, type GenServer, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { quietLogs, withNode } from './helpers.ts';

type Req = { op: 'echo'; v: unknown } | { op: 'hold' } | { op: 'crash' };

// Echoes, holds calls until a 'release' cast answers them all with 'late', or crashes on request.
const holder: GenServer<Array<From<unknown>>, Req, 'release', unknown, void> = {
  name: 'holder',
  init: () => ok([]),
  handleCall(req, from, held) {
    if (req.op === 'echo') return reply(req.v, held);
    if (req.op === 'hold') return noreply([...held, from]);
    throw new Error('crash requested');
  },
  handleCast(_release, held) {
    for (const from of held) reply(from, 'late');
    return noreply([]);
  },
};

// True once nothing is waiting in the caller's mailbox.
const mailboxEmpty = (ctx: ProcessContext): boolean => ctx.receiveNow() === TIMEOUT;

test('gen_server_SUITE send_request: waitResponse returns the reply of a request sent without waiting', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      const id = genServer.sendRequest(ctx, srv, { op: 'echo', v: 42 });
      assert.deepEqual(await genServer.waitResponse(ctx, id, 5000), { type: 'reply', reply: 42 });
      assert.ok(mailboxEmpty(ctx), 'no monitor DOWN or reply left behind');
    }),
  );
});

test('gen_server_SUITE send_request: receiveResponse abandons on timeout and the late reply never enters the mailbox', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      const id = genServer.sendRequest(ctx, srv, { op: 'hold' });
      assert.equal(await genServer.receiveResponse(ctx, id, 0), 'timeout');
      genServer.cast(ctx, srv, 'release');
      // The server answers the held request before this call: once the call returns, a late reply would be queued.
      assert.equal(await genServer.call(ctx, srv, { op: 'echo', v: 'sync' }), 'sync');
      assert.ok(mailboxEmpty(ctx), 'the late reply was dropped');
    }),
  );
});

test('gen_server_SUITE send_request: waitResponse on timeout keeps the request, whose reply a later wait gets', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      const id = genServer.sendRequest(ctx, srv, { op: 'hold' });
      assert.equal(await genServer.waitResponse(ctx, id, 0), 'timeout');
      genServer.cast(ctx, srv, 'release');
      assert.deepEqual(await genServer.waitResponse(ctx, id), { type: 'reply', reply: 'late' });
    }),
  );
});

test('gen_server_SUITE send_request: a server that dies answers an error with its reason and the server', async () => {
  await withNode((node) => {
    quietLogs(node);
    return node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      const id = genServer.sendRequest(ctx, srv, { op: 'crash' });
      const r = await genServer.receiveResponse(ctx, id, 5000);
      assert.ok(r !== 'timeout' && r.type === 'error', `an error, got ${String(r)}`);
      assert.match(String((r.reason as Error).message), /crash requested/);
      assert.equal(r.server, srv);
      const gone = genServer.sendRequest(ctx, 'nobody', { op: 'echo', v: 1 });
      assert.deepEqual(await genServer.waitResponse(ctx, gone, 5000), { type: 'error', reason: 'noproc', server: 'nobody' });
    });
  });
});

test('gen_server_SUITE send_request: checkResponse reads a message from the caller\'s own receive', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      ctx.send(ctx.self(), 'unrelated');
      const id = genServer.sendRequest(ctx, srv, { op: 'echo', v: 'checked' });
      assert.equal(genServer.checkResponse(ctx, await ctx.receive(), id), 'noReply');
      assert.deepEqual(genServer.checkResponse(ctx, await ctx.receive(), id), { type: 'reply', reply: 'checked' });
    }),
  );
});

test('gen_server_SUITE send_request: a collection answers each request once with its label, then noRequest', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      let coll = genServer.reqIdsNew<unknown, string>();
      for (const label of ['a', 'b', 'c']) coll = genServer.reqIdsAdd(coll, genServer.sendRequest(ctx, srv, { op: 'echo', v: label.toUpperCase() }), label);
      assert.equal(genServer.reqIdsSize(coll), 3);
      assert.throws(() => genServer.reqIdsAdd(coll, genServer.reqIdsToList(coll)[0]![0], 'again'), RuntimeError);
      const seen: string[] = [];
      for (;;) {
        const r = await genServer.waitResponse(ctx, coll, 5000);
        if (r === 'noRequest') break;
        assert.notEqual(r, 'timeout');
        const [response, label, rest] = r as Exclude<typeof r, 'timeout'>;
        assert.deepEqual(response, { type: 'reply', reply: label.toUpperCase() });
        assert.equal(rest.size, coll.size - 1, 'the answered request left the collection');
        seen.push(label);
        coll = rest;
      }
      assert.deepEqual(seen.sort(), ['a', 'b', 'c']);
    }),
  );
});

test('gen_server_SUITE send_request: receiveResponse on a collection abandons every request on timeout', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, holder, undefined);
      let coll = genServer.reqIdsNew<unknown, number>();
      for (const n of [1, 2]) coll = genServer.reqIdsAdd(coll, genServer.sendRequest(ctx, srv, { op: 'hold' }), n);
      assert.equal(await genServer.receiveResponse(ctx, coll, 0), 'timeout');
      genServer.cast(ctx, srv, 'release');
      assert.equal(await genServer.call(ctx, srv, { op: 'echo', v: 'sync' }), 'sync');
      assert.ok(mailboxEmpty(ctx), 'neither late reply was queued');
      assert.equal(genServer.checkResponse(ctx, 'x', genServer.reqIdsNew()), 'noRequest');
    }),
  );
});

test('docs/behaviours.md example: asking several servers at once', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const a = await genServer.start(ctx, holder, undefined);
      const b = await genServer.start(ctx, holder, undefined);
      // The example's code, as in the docs:
      let pending = genServer.reqIdsNew<unknown, string>();
      pending = genServer.reqIdsAdd(pending, genServer.sendRequest(ctx, a, { op: 'echo', v: 1 }), 'a');
      pending = genServer.reqIdsAdd(pending, genServer.sendRequest(ctx, b, { op: 'echo', v: 2 }), 'b');
      const answers: Record<string, unknown> = {};
      for (;;) {
        const r = await genServer.receiveResponse(ctx, pending, 1000);
        if (typeof r === 'string') break; // 'noRequest' once all answered, or 'timeout'
        const [response, label, rest] = r;
        answers[label] = response.type === 'reply' ? response.reply : response.reason;
        pending = rest;
      }
      assert.deepEqual(answers, { a: 1, b: 2 });
    }),
  );
});

// Nodes started in this process, connected to each other, shut down after `body`.
async function cluster(names: string[], body: (nodes: OtpNode[]) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of names) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'rq', epmdPort, log: () => {} });
      nodes.push(node);
    }
    for (const a of nodes) for (const b of nodes) if (a !== b) assert.equal(await a.ping(b.name), true);
    await body(nodes);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
}

const startKv = (node: OtpNode): Promise<unknown> => node.run((ctx) => genServer.start(ctx, holder, undefined, { name: 'kv' }));

test('gen_server_SUITE send_request: a remote server by name@node, and a late remote reply dropped after receiveResponse gave up', async () => {
  await cluster(['rqa', 'rqb'], async ([a, b]) => {
    await startKv(b!);
    await a!.run(async (ctx) => {
      const kv = { name: 'kv', node: b!.name };
      assert.deepEqual(await genServer.waitResponse(ctx, genServer.sendRequest(ctx, kv, { op: 'echo', v: 'far' }), 5000), { type: 'reply', reply: 'far' });
      const id = genServer.sendRequest(ctx, kv, { op: 'hold' });
      assert.equal(await genServer.receiveResponse(ctx, id, 0), 'timeout');
      genServer.cast(ctx, kv, 'release');
      assert.equal(await genServer.call(ctx, kv, { op: 'echo', v: 'sync' }), 'sync');
      assert.ok(mailboxEmpty(ctx), 'the late remote reply was dropped');
    });
  });
});

test('gen_server_SUITE multicall: replies from the nodes running the server, the others as bad nodes', async () => {
  await cluster(['mca', 'mcb', 'mcc'], async ([a, b, c]) => {
    await startKv(a!);
    await startKv(b!);
    await a!.run(async (ctx) => {
      const nodes = [a!.name, b!.name, c!.name];
      const r = await genServer.multiCall(ctx, nodes, 'kv', { op: 'echo', v: 'hi' }, 5000);
      assert.deepEqual(r, { replies: [[a!.name, 'hi'], [b!.name, 'hi']], badNodes: [c!.name] });
      assert.ok(mailboxEmpty(ctx));
    });
  });
});

test('gen_server_SUITE multicall: a server that does not answer in time makes its node bad, and its late reply is dropped', async () => {
  await cluster(['mta', 'mtb'], async ([a, b]) => {
    await startKv(a!);
    await startKv(b!);
    await a!.run(async (ctx) => {
      const r = await genServer.multiCall(ctx, [a!.name, b!.name], 'kv', { op: 'hold' }, 0);
      assert.equal(r.replies.length + r.badNodes.length, 2);
      genServer.abcast(ctx, [a!.name, b!.name], 'kv', 'release');
      const sync = await genServer.multiCall(ctx, [a!.name, b!.name], 'kv', { op: 'echo', v: 'sync' }, 5000);
      assert.deepEqual(sync.badNodes, []);
      assert.ok(mailboxEmpty(ctx), 'late replies were dropped');
    });
  });
});

test('gen_server_SUITE abcast: a cast reaches the named server on each node and is silently dropped where there is none', async () => {
  await cluster(['aba', 'abb', 'abc'], async ([a, b, c]) => {
    await startKv(a!);
    await startKv(b!);
    await a!.run(async (ctx) => {
      const held = [a!.name, b!.name].map((node) => genServer.sendRequest(ctx, { name: 'kv', node }, { op: 'hold' }));
      genServer.abcast(ctx, [a!.name, b!.name, c!.name], 'kv', 'release');
      // Each server answers its held request on the cast: both answers prove both casts arrived.
      for (const id of held) assert.deepEqual(await genServer.waitResponse(ctx, id, 5000), { type: 'reply', reply: 'late' });
    });
  });
});

test('gen_server multicall on a node without distribution: other nodes are bad nodes', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await genServer.start(ctx, holder, undefined, { name: 'kv' });
      const r = await genServer.multiCall(ctx, [ctx.node.name, 'other@127.0.0.1'], 'kv', { op: 'echo', v: 1 });
      assert.deepEqual(r, { replies: [[ctx.node.name, 1]], badNodes: ['other@127.0.0.1'] });
      genServer.abcast(ctx, [ctx.node.name, 'other@127.0.0.1'], 'kv', 'release');
    }),
  );
});
