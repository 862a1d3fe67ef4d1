import { assertEqual } from '@otp-ts/test-runner/assert';
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
    assertEqual(await bump(ctx, 'visits'), 1);
    assertEqual(await bump(ctx, 'visits', 4), 5);
    assertEqual(await count(ctx, 'visits'), 5);
    assertEqual(await count(ctx, 'unknown'), 0);
  });

/** keys lists what was counted, sorted; reset forgets everything. */
export const keysAndResetTest = () =>
  withServer(async (ctx) => {
    await bump(ctx, 'b');
    await bump(ctx, 'a');
    assertEqual(await keys(ctx), ['a', 'b']);
    reset(ctx);
    assertEqual(await keys(ctx), []);
  });

/** codeChange turns an earlier version's Map state into this version's record. */
export const codeChangeMigratesOldStateTest = async () => {
  const migrated = await server.codeChange!('0.0.1', new Map([['visits', 3]]) as never, undefined);
  assertEqual(migrated, { counts: { visits: 3 } });
};
