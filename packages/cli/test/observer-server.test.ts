// The observer's server against in-process nodes over real distribution (a private port mapper, loopback
// TCP) and real HTTP: what a page, or anything else on the loopback, gets from its API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { connect } from '@otp-ts/tracer';
import { startObserver, type RunningObserver } from '../src/observer/server.ts';

let epmd: EpmdServer;
const COOKIE = 'observer-server-secret';

before(async () => {
  epmd = new EpmdServer();
  // The tool's connections find the port mapper as every node does: through OTP_EPMD_PORT.
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
});

after(async () => {
  await epmd.close();
});

async function startNode(name: string): Promise<OtpNode> {
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name, cookie: COOKIE, log: () => {} });
  return node;
}

async function observe(node: string): Promise<RunningObserver> {
  return startObserver({ node, connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_server_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test' });
}

async function get(o: RunningObserver, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(new URL(path, o.url), { ...init, headers: { authorization: `Bearer ${o.token}`, ...init.headers } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s`);
}

test('a switch to a node that cannot be reached while the observed one is down leaves the observer able to observe it again once it is back', async () => {
  let a = await startNode('obs_srv_a@127.0.0.1');
  const o = await observe('obs_srv_a@127.0.0.1');
  try {
    assert.equal((await get(o, '/api/overview')).body.node, 'obs_srv_a@127.0.0.1');
    a.shutdown();
    const down = await until('the node to be seen down', async () => {
      const r = await get(o, '/api/overview');
      return r.status === 503 ? r : undefined;
    });
    assert.equal(down.body.down, true);
    // The cluster's other node is down too: the switch fails, naming it.
    const sw = await get(o, '/api/switch', { method: 'POST', body: JSON.stringify({ node: 'obs_srv_b@127.0.0.1' }) });
    assert.equal(sw.status, 502);
    assert.match(String(sw.body.error), /obs_srv_b@127\.0\.0\.1/);
    // Still the first node, said to be down (not an error of the tool's own node).
    const after = await get(o, '/api/overview');
    assert.equal(after.status, 503, JSON.stringify(after.body));
    assert.equal(after.body.error, 'obs_srv_a@127.0.0.1 does not answer (nodedown): it may have stopped or be cut off; pick another node above, or start it again');
    assert.equal(o.node(), 'obs_srv_a@127.0.0.1');
    // It comes back: the observer observes it again, without a restart.
    a = await startNode('obs_srv_a@127.0.0.1');
    const back = await until('the node to be observed again', async () => {
      const r = await get(o, '/api/overview');
      return r.status === 200 ? r : undefined;
    });
    assert.equal(back.body.node, 'obs_srv_a@127.0.0.1');
    assert.equal((await get(o, '/api/nodes')).body.node, 'obs_srv_a@127.0.0.1');
  } finally {
    await o.close();
    a.shutdown();
  }
});
