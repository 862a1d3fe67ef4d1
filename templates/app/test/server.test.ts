import assert from 'node:assert/strict';
import { createNode, type ProcessContext } from '@otp-ts/runtime';
import { bump, count, keys, reset, server, startLink } from '../src/{{name}}_server.ts';

async function withServer(body: (ctx: ProcessContext) => Promise<void>): Promise<void> {
  const node = createNode();
  try {
    await node.run(async (ctx) => {
      await startLink(ctx);
      await body(ctx);
    });
  } finally {
    node.shutdown();
  }
}

/** bump adds to a key's count and answers the new count. */
export const bumpCountsTest = () =>
  withServer(async (ctx) => {
    assert.equal(await bump(ctx, 'visits'), 1);
    assert.equal(await bump(ctx, 'visits', 4), 5);
    assert.equal(await count(ctx, 'visits'), 5);
    assert.equal(await count(ctx, 'unknown'), 0);
  });

/** keys lists what was counted, sorted; reset forgets everything. */
export const keysAndResetTest = () =>
  withServer(async (ctx) => {
    await bump(ctx, 'b');
    await bump(ctx, 'a');
    assert.deepEqual(await keys(ctx), ['a', 'b']);
    reset(ctx);
    assert.deepEqual(await keys(ctx), []);
  });

/** codeChange turns an earlier version's Map state into this version's record. */
export const codeChangeMigratesOldStateTest = async () => {
  const migrated = await server.codeChange!('0.0.1', new Map([['visits', 3]]) as never, undefined);
  assert.deepEqual(migrated, { counts: { visits: 3 } });
};
