// proc_lib:stop/1,3 (gen_server:stop, gen_event:stop, gen_statem:stop) takes {Name, Node}: a behaviour
// registered on another node is stopped through it, and a name nobody holds there is noproc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, createNode, genEvent, genServer, type OtpNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { echo } from './helpers.ts';

test('stop by { name, node }: a gen_server and a gen_event manager on another node stop with the reason; an unheld name there is noproc, named in the error', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const nodes: OtpNode[] = [];
  try {
    for (const n of ['stopa', 'stopb']) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'gen-stop', epmdPort, log: () => {} });
      nodes.push(node);
    }
    const [a, b] = nodes as [OtpNode, OtpNode];
    assert.equal(await a.ping(b.name), true);
    const [srv, mgr] = await b.run(async (ctx) => [await genServer.start(ctx, echo, undefined, { name: 'remote_srv' }), await genEvent.start(ctx, { name: 'remote_ev' })]);
    await a.run(async (ctx) => {
      await genServer.stop(ctx, { name: 'remote_srv', node: b.name }, 'shutdown');
      await genEvent.stop(ctx, { name: 'remote_ev', node: b.name });
      await assert.rejects(genServer.stop(ctx, { name: 'remote_srv', node: b.name }), (e: unknown) => e instanceof CallError && e.failure === 'noproc' && e.message.includes(`remote_srv on ${b.name}`));
    });
    assert.equal(b.isAlive(srv), false);
    assert.equal(b.isAlive(mgr), false);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
});
