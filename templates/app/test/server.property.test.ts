import { assertEqual } from '@otp-ts/test-runner/assert';
import fc from 'fast-check';
import { createNode } from '@otp-ts/runtime';
import { bump, count, startLink } from '../src/{{name}}_server.ts';

const bumps = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), by: fc.integer({ min: 1, max: 10 }) }), { maxLength: 20 });

/** Whatever the bumps, each key's count is the sum of its bumps. */
export const propCountIsSumOfBumps = () =>
  fc.asyncProperty(bumps, async (list) => {
    const node = createNode();
    try {
      await node.run(async (ctx) => {
        await startLink(ctx);
        for (const { key, by } of list) await bump(ctx, key, by);
        for (const key of ['a', 'b', 'c']) {
          const expected = list.filter((b) => b.key === key).reduce((sum, b) => sum + b.by, 0);
          assertEqual(await count(ctx, key), expected);
        }
      });
    } finally {
      node.shutdown();
    }
  });
