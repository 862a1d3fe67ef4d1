// A peer registers with the port mapper its parent node registered with: a test that started its node's distribution
// with an explicit epmdPort (a private port mapper) gets peers that reach it, whatever OTP_EPMD_PORT says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer, portMapperNames } from '@otp-ts/runtime/tools';
import { peer } from '@otp-ts/test-runner';

test("a peer of a node started with an explicit epmdPort registers with that port mapper and reaches its parent, not the environment's", async () => {
  const privateMapper = new EpmdServer(() => {});
  const envMapper = new EpmdServer(() => {});
  const saved = { otp: process.env.OTP_EPMD_PORT, erl: process.env.ERL_EPMD_PORT };
  const epmdPort = await privateMapper.listen(0);
  process.env.OTP_EPMD_PORT = String(await envMapper.listen(0));
  delete process.env.ERL_EPMD_PORT;
  const node = createNode({ onCrash: () => {} });
  try {
    await node.startDistribution({ name: 'parent_explicit@127.0.0.1', cookie: 'explicit-epmd', epmdPort, log: () => {} });
    const seen = await new Promise<{ listed: string[]; nodes: string[] }>((resolve, reject) => {
      node.spawn(async (ctx: ProcessContext) => {
        try {
          const p = await peer.start(ctx, { name: 'explicit_child', startTimeoutMs: 20_000 });
          const listed = (await portMapperNames('127.0.0.1', epmdPort)).map((e) => e.name).sort();
          const nodes = await p.nodes();
          await p.stop();
          resolve({ listed, nodes });
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    assert.deepEqual(seen.listed, ['explicit_child', 'parent_explicit']);
    assert.deepEqual(seen.nodes, ['parent_explicit@127.0.0.1']);
  } finally {
    node.shutdown();
    await privateMapper.close();
    await envMapper.close();
    for (const [key, value] of [['OTP_EPMD_PORT', saved.otp], ['ERL_EPMD_PORT', saved.erl]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});
