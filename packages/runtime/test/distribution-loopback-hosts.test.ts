// A cluster on one machine's loopback addresses (a@127.0.0.1, b@127.0.0.2): the built-in port mapper the first node
// starts listens on 127.0.0.1 only, and every node of the machine registers there, so a node named after another
// loopback address is looked up there too. Real nodes, real TCP, the built-in port mapper as a node starts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '../src/index.ts';
import { killPortMapper } from '../src/distribution/epmd-client.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { freePort } from '../../../test/support/epmd.ts';


test('nodes named after different loopback addresses reach each other by name through the port mapper the first one started', async () => {
  const epmdPort = await freePort();
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const c = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'b@127.0.0.2', cookie: 'sekrit', epmdPort, log: () => {} });
    await c.startDistribution({ name: 'c@127.0.0.3', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await a.ping('b@127.0.0.2'), true, 'a reaches b (looked up at 127.0.0.2, where no port mapper listens)');
    assert.equal(await b.ping('c@127.0.0.3'), true, 'b reaches c');
    assert.equal(await c.ping('a@127.0.0.1'), true, 'c reaches a');
    assert.equal(await a.ping('nobody@127.0.0.2'), false, 'a name nobody registered is still unknown');
  } finally {
    for (const n of [a, b, c]) await n.shutdown();
    await waitFor('the port mapper to stop', () => killPortMapper('127.0.0.1', epmdPort).catch(() => true));
  }
});
