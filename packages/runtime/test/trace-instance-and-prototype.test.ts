import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { traceAgentOf } from '@otp-ts/runtime/tools';
import { collectTrace, withNode } from './helpers.ts';

// A class and one exported instance of it: `m.cart.add` (the method the instance inherits) and
// `m.Cart.prototype.add` are one function reached two ways.
const source = `
export class Cart { items: number[] = []; add(n: number) { this.items.push(n); return this.items.length; } }
export const cart = new Cart();
`;


test("tracing an exported instance's inherited method first still traces the class's prototype method for every other instance", () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'm', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/m.ts' });
    const m = code.exportsOf('m') as unknown as { Cart: new () => { add(n: number): number }; cart: { add(n: number): number } };
    const agent = traceAgentOf(node);
    await node.run(async (ctx) => {
      const r = await agent.start({ patterns: ['m.cart.add', 'm.Cart.prototype.add'], limit: 3, client: ctx.self() });
      assert.ok(r.ok);
      assert.equal(m.cart.add(1), 1);
      assert.equal(new m.Cart().add(2), 1);
      assert.equal(new m.Cart().add(3), 1);
      const calls = (await collectTrace(ctx, r.session, r.pid!)).filter((e) => e.kind === 'call').map((e) => (e.kind === 'call' ? `${e.fn}(${e.args.join(', ')})` : ''));
      assert.deepEqual(calls, ['m.cart.add(1)', 'm.Cart.prototype.add(2)', 'm.Cart.prototype.add(3)']);
    });
    // Every wrapper is gone once the session ended: the instance has no own `add` left, the prototype its own method.
    assert.equal(Object.hasOwn(m.cart, 'add'), false);
    assert.equal(m.Cart.prototype.add.name, 'add');
    assert.equal(new m.Cart().add(4), 1);
  }));
