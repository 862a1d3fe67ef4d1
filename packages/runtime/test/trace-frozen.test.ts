import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { traceAgentOf } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

// A callback object frozen by its module: no wrapper can be assigned in its functions' place.
const source = `
export function plain(x: number) { return x; }
export const server = Object.freeze({ handleCall: (req: unknown) => req, handleCast: () => 'noreply' });
`;

test('a function of a frozen object is refused by name, before anything is wrapped: no wrapper and no session stay behind', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/frozen', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/frozen.ts' });
    const agent = traceAgentOf(node);
    await node.run(async (ctx) => {
      for (const patterns of [['shop/frozen.server.handleCall'], ['shop/frozen.plain', 'shop/frozen.server.handleCall'], ['shop/frozen.server.*']]) {
        const r = await agent.start({ patterns, client: ctx.self() });
        assert.equal(r.ok, false, patterns.join(' '));
        if (r.ok) continue;
        assert.equal(r.code, 'nomatch');
        assert.match(r.error, /^shop\/frozen\.server\.handle\w+ cannot be traced: shop\/frozen\.server is frozen \(Object\.freeze\)/);
        // Nothing was half set up: the plain function named first was not wrapped either.
        assert.deepEqual(agent.tracedFunctions(), [], patterns.join(' '));
        assert.deepEqual(agent.list(), []);
      }
      // The module's other functions trace as before.
      const ok = await agent.start({ patterns: ['shop/frozen.plain'], client: ctx.self(), limit: 1 });
      assert.ok(ok.ok);
      (code.exportsOf('shop/frozen') as { plain(x: number): number }).plain(1);
      assert.deepEqual(agent.tracedFunctions(), []);
    });
  }));
