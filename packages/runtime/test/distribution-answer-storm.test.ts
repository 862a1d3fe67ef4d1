// Two honest nodes that each owe the other more than busyLimit of noproc answers at once (a monitor storm of names
// nobody registered, both ways): a node stops reading a peer past busyLimit of answers it owes it, and the peer
// may be doing the same. Nodes in one process, real TCP on loopback, their own port mapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, isDown, NodeDown, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

// A name nobody registers, long so that every DOWN answering a monitor of it is about a kilobyte on the wire.
const NOBODY = `nobody-${'x'.repeat(1000)}`;
const PROCESSES = 40;
const ROUNDS = 4;
const BATCH = 200;

// On `node`: PROCESSES processes that each monitor NOBODY on `peer` BATCH times, then wait for the BATCH DOWNs, ROUNDS times.
function storm(node: OtpNode, peer: string, counted: { downs: number }): void {
  for (let p = 0; p < PROCESSES; p++) {
    node.spawn(async (ctx) => {
      for (let r = 0; r < ROUNDS; r++) {
        for (let i = 0; i < BATCH; i++) ctx.monitor({ name: NOBODY, node: peer });
        for (let i = 0; i < BATCH; i++) {
          await ctx.receive((m) => isDown(m));
          counted.downs++;
        }
      }
    });
  }
}

test('two nodes that each owe the other more than busyLimit of noproc DOWNs at once both keep reading enough to drain: every DOWN arrives and the connection stays up', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const downs: unknown[] = [];
  try {
    const options = { cookie: 'sekrit', epmdPort, tickTime: 10_000, busyLimit: 64 * 1024, log: (l: string) => logs.push(l) };
    await a.startDistribution({ name: 'a@127.0.0.1', ...options });
    await b.startDistribution({ name: 'b@127.0.0.1', ...options });
    assert.equal(await a.ping('b@127.0.0.1'), true);
    a.spawn(async (ctx) => {
      ctx.monitorNode('b@127.0.0.1');
      downs.push(await ctx.receive((m) => m instanceof NodeDown));
    });
    const atA = { downs: 0 };
    const atB = { downs: 0 };
    storm(a, 'b@127.0.0.1', atA);
    storm(b, 'a@127.0.0.1', atB);
    const all = PROCESSES * ROUNDS * BATCH;
    await waitFor(`all ${all} DOWNs on both nodes`, () => (atA.downs === all && atB.downs === all) || downs.length > 0, { ms: 90_000 });
    assert.deepEqual(downs, [], logs.join('\n'));
    assert.equal(atA.downs, all);
    assert.equal(atB.downs, all);
    assert.deepEqual(a.nodes(), ['b@127.0.0.1']);
    assert.deepEqual(logs, []);
  } finally {
    await a.shutdown();
    await b.shutdown();
    await epmd.close();
  }
});
