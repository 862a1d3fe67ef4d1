// gen_server:multi_call/2,3 and abcast/2 without a node list: OTP uses [node() | nodes()], this node and
// every visible connected node. Real distribution on 127.0.0.1 with a private port mapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genServer, ok, reply, noreply, type From, type GenServer, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

type Req = { op: 'who' } | { op: 'hold' };
// Answers 'who' with its node's name; holds 'hold' calls until a 'release' cast answers them.
const kv: GenServer<Array<From<unknown>>, Req, 'release', unknown, void> = {
  name: 'mcn_kv',
  init: () => ok([]),
  handleCall: (req, from, held, ctx) => (req.op === 'who' ? reply(ctx.node.name, held) : noreply([...held, from])),
  handleCast(_msg, held, ctx) {
    for (const from of held) genServer.reply(from, `released on ${ctx.node.name}`);
    return noreply([]);
  },
};

async function cluster(names: string[], body: (nodes: OtpNode[]) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of names) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'mcn', epmdPort, log: () => {} });
      nodes.push(node);
    }
    for (const a of nodes) for (const b of nodes) if (a !== b) assert.equal(await a.ping(b.name), true);
    await body(nodes);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
}

test('gen_server_SUITE multicall: without a node list, this node and every connected node answer ([node() | nodes()])', async () => {
  await cluster(['mcna', 'mcnb', 'mcnc'], async ([a, b, c]) => {
    for (const n of [a!, b!]) await n.run((ctx) => genServer.start(ctx, kv, undefined, { name: 'mcn_kv' }));
    await a!.run(async (ctx) => {
      const r = await genServer.multiCall<string>(ctx, 'mcn_kv', { op: 'who' }, 10_000);
      assert.equal(r.replies[0]![0], a!.name, 'the local node comes first');
      assert.deepEqual(r.replies.map(([node, who]) => [node, who]).sort(), [[a!.name, a!.name], [b!.name, b!.name]].sort());
      assert.deepEqual(r.badNodes, [c!.name], 'the connected node without the server is a bad node');
    });
  });
});

test('gen_server_SUITE abcast: without a node list, the cast reaches the server on this node and every connected node', async () => {
  await cluster(['mcnd', 'mcne'], async ([a, b]) => {
    for (const n of [a!, b!]) await n.run((ctx) => genServer.start(ctx, kv, undefined, { name: 'mcn_kv' }));
    await a!.run(async (ctx) => {
      const held = [a!.name, b!.name].map((node) => genServer.sendRequest(ctx, { name: 'mcn_kv', node }, { op: 'hold' }));
      genServer.abcast(ctx, 'mcn_kv', 'release');
      const answers = [];
      for (const id of held) answers.push(await genServer.waitResponse(ctx, id, 10_000));
      assert.deepEqual(answers, [{ type: 'reply', reply: `released on ${a!.name}` }, { type: 'reply', reply: `released on ${b!.name}` }]);
    });
  });
});

test('multiCall without a node list on a node without distribution calls only this node', async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await node.run(async (ctx) => {
      await genServer.start(ctx, kv, undefined, { name: 'mcn_kv' });
      assert.deepEqual(await genServer.multiCall(ctx, 'mcn_kv', { op: 'who' }), { replies: [[ctx.node.name, ctx.node.name]], badNodes: [] });
    });
  } finally {
    node.shutdown();
  }
});
