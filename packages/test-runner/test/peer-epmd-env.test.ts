// A peer node finds its port mapper by the runtime's rule: OTP_EPMD_PORT, then ERL_EPMD_PORT, then 4369.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer, portMapperNames } from '@otp-ts/runtime/tools';
import { peer } from '@otp-ts/test-runner';

test('a peer registers with the port mapper ERL_EPMD_PORT names, as the runtime does, even when its own env names another', async () => {
  const epmd = new EpmdServer();
  const saved = { otp: process.env.OTP_EPMD_PORT, erl: process.env.ERL_EPMD_PORT };
  delete process.env.OTP_EPMD_PORT;
  process.env.ERL_EPMD_PORT = String(await epmd.listen(0));
  const node = createNode({ onCrash: () => {} });
  try {
    const names = await new Promise<string[]>((resolve, reject) => {
      node.spawn(async (ctx: ProcessContext) => {
        try {
          const p = await peer.start(ctx, { name: 'erlport', env: { ERL_EPMD_PORT: '1' }, startTimeoutMs: 20_000 });
          const listed = (await portMapperNames('127.0.0.1', Number(process.env.ERL_EPMD_PORT))).map((e) => e.name);
          await p.stop();
          resolve(listed);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    assert.ok(names.includes('erlport'), `the peer is registered with the parent's port mapper: ${names.join(', ')}`);
  } finally {
    node.shutdown();
    await epmd.close();
    if (saved.otp !== undefined) process.env.OTP_EPMD_PORT = saved.otp;
    if (saved.erl === undefined) delete process.env.ERL_EPMD_PORT;
    else process.env.ERL_EPMD_PORT = saved.erl;
  }
});
