// A call's `from` may name a process of a third node (a proxy forwards calls, as Erlang allows): the server's reply
// connects to that node. maxAutoConnects bounds how many nodes one connection's messages make a node dial this way.
// Real nodes, real TCP on loopback, on a port mapper of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genServer, ok, reply, type GenServer, type OtpNode } from '../src/index.ts';
import { CallError } from '../src/gen/errors.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { waitFor } from '../../../test/support/wait.ts';

const echo: GenServer<null, string, never, string> = {
  init: () => ok(null),
  handleCall: (req, _from, state) => reply(`echo ${req}`, state),
};

/**
 * a@127.0.0.1 runs the server 'echo' (its lines in `logs`, `maxAutoConnects` as given); b@127.0.0.1 runs 'proxy', which
 * forwards every message it gets to a's 'echo' as it is; callers d1…d5 call b's proxy and get their answers from a.
 */
async function withProxy(maxAutoConnects: number, body: (a: OtpNode, call: (caller: number, timeoutMs?: number) => Promise<string>, logs: string[], callers: OtpNode[]) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  const callers = Array.from({ length: 5 }, () => createNode({ onCrash: () => {} }));
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l), maxAutoConnects });
    await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    for (const [i, d] of callers.entries()) await d.startDistribution({ name: `d${i + 1}@127.0.0.1`, cookie: 'sekrit', epmdPort, log: () => {} });
    await a.run(async (ctx) => void (await genServer.start(ctx, echo, undefined, { name: 'echo' })));
    b.spawn(async (ctx) => {
      ctx.register('proxy');
      for (;;) ctx.send({ name: 'echo', node: 'a@127.0.0.1' }, await ctx.receive());
    });
    await waitFor("b's proxy", () => b.whereis('proxy'));
    const call = (caller: number, timeoutMs = 10_000): Promise<string> => callers[caller - 1]!.run((ctx) => genServer.call(ctx, { name: 'proxy', node: 'b@127.0.0.1' }, `from d${caller}`, timeoutMs)) as Promise<string>;
    await body(a, call, logs, callers);
  } finally {
    for (const n of [a, b, ...callers]) await n.shutdown();
    await epmd.close();
  }
}

test('calls a member forwards for processes of a handful of other nodes are answered: the server connects to each caller’s node', async () => {
  await withProxy(3, async (a, call, logs) => {
    for (const d of [1, 2, 3]) assert.equal(await call(d), `echo from d${d}`);
    // Again, over the connections now up: nothing more to dial.
    for (const d of [3, 2, 1]) assert.equal(await call(d), `echo from d${d}`);
    assert.deepEqual(a.nodes().sort(), ['b@127.0.0.1', 'd1@127.0.0.1', 'd2@127.0.0.1', 'd3@127.0.0.1']);
    assert.deepEqual(logs.filter((l) => /maxAutoConnects/.test(l)), []);
  });
});

test("a member whose forwarded calls would make the node dial more than maxAutoConnects other nodes is disconnected with one line naming the option; the reply to the node past it is not sent, and the member may connect again", async () => {
  await withProxy(3, async (a, call, logs) => {
    for (const d of [1, 2, 3]) assert.equal(await call(d), `echo from d${d}`);
    const over = (l: string): boolean => /maxAutoConnects/.test(l);
    // Its answer is not sent: the call times out (no reply is waited for past its line).
    const fourth = call(4, 2000).then(
      () => 'answered',
      (e: unknown) => (e instanceof CallError ? e.failure : String(e)),
    );
    await waitFor('the line about maxAutoConnects', () => logs.some(over));
    assert.deepEqual(logs.filter(over), [
      'distribution: closed the connection to b@127.0.0.1: its messages would make this node connect to more than 3 other nodes (the pids of their processes it sent, as a call\'s from) (maxAutoConnects): start this node with a larger maxAutoConnects if b@127.0.0.1 needs that many',
    ]);
    assert.notEqual(await fourth, 'answered');
    assert.ok(!a.nodes().includes('d4@127.0.0.1'), a.nodes().join(' '));
    // Those connected stay so, and b, connected again (by the next forwarded call), is served as before.
    assert.equal(await call(1), 'echo from d1');
    assert.equal(logs.filter(over).length, 1);
  });
});

test('a member that reconnects gets no fresh budget of dials: its charge is kept by its node name, so the next new node its calls name is not dialled', async () => {
  await withProxy(3, async (a, call, logs) => {
    for (const d of [1, 2, 3]) assert.equal(await call(d), `echo from d${d}`);
    const over = (l: string): boolean => /maxAutoConnects/.test(l);
    const failed = (caller: number): Promise<string> => call(caller, 2000).then(() => 'answered', (e: unknown) => String(e instanceof CallError ? e.failure : e));
    const fourth = failed(4);
    await waitFor('the line about maxAutoConnects', () => logs.some(over));
    assert.notEqual(await fourth, 'answered');
    // b connects again (the next forwarded call) and is served over the connections up already.
    assert.equal(await call(1), 'echo from d1');
    // Its new connection names a node never dialled: charged to b's name, past the bound, so not dialled either.
    assert.notEqual(await failed(5), 'answered');
    assert.ok(!a.nodes().includes('d5@127.0.0.1'), a.nodes().join(' '));
    assert.ok(!a.nodes().includes('d4@127.0.0.1'), a.nodes().join(' '));
  });
});

test('a node a member made this node dial is no longer charged once it disconnects: in a cluster whose nodes come and go, the member’s budget does not run out', async () => {
  await withProxy(3, async (a, call, logs, callers) => {
    for (const d of [1, 2, 3]) assert.equal(await call(d), `echo from d${d}`);
    // d1 goes away (a pod replaced): its dial no longer counts against b, so a fourth caller's node may be dialled.
    await callers[0]!.shutdown();
    await waitFor('a to see d1 go', () => !a.nodes().includes('d1@127.0.0.1'));
    assert.equal(await call(4), 'echo from d4');
    assert.deepEqual(logs.filter((l) => /maxAutoConnects/.test(l)), []);
    // Still three at once at most: a fifth while d2, d3 and d4 stay connected is past the bound.
    await assert.rejects(call(5, 2000));
    await waitFor('the line about maxAutoConnects', () => logs.some((l) => /maxAutoConnects/.test(l)));
  });
});
