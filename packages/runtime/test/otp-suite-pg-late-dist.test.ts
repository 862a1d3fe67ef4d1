// pg_SUITE's cases on nodes that were running a scope, with members, before they were distributed: once they
// connect, each sees the other's members (OTP's pg scope servers watch nodes from the start; a node is
// "distributed" late in otp-ts when startDistribution runs after the application started).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, pg, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const idle = (ctx: ProcessContext): Promise<unknown> => ctx.receive();
const sorted = (pids: readonly Pid[]): string[] => pids.map(String).sort();

test('pg_SUITE: scopes started and joined before distribution sync once the nodes connect, both ways', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    for (const n of [a, b]) {
      await n.run(async (ctx) => {
        await pg.start(ctx);
        await pg.join(ctx, 'room', n.spawn(idle));
      });
    }
    await a.startDistribution({ name: 'pg_late_a@127.0.0.1', cookie: 'p', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'pg_late_b@127.0.0.1', cookie: 'p', epmdPort, log: () => {} });
    assert.equal(await a.ping(b.name), true);
    for (const n of [a, b]) await waitFor(`${n.name} sees both members of room`, () => pg.getMembers(n, 'room').length === 2);
    assert.equal(pg.getLocalMembers(a, 'room').length, 1);
    assert.deepEqual(sorted(pg.getLocalMembers(b, 'room')), sorted(pg.getMembers(b, 'room').filter((p) => p.node === 0)));
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
