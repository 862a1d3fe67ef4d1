import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { traceAgentOf } from '@otp-ts/runtime/tools';
import { collectTrace, withNode } from './helpers.ts';

// A query builder as ORMs make them: a thenable whose then runs the query (once; a second run is an error, as
// Mongoose's 'Query was already executed'), and an object whose then getter throws.
const source = `
export const runs = { count: 0 };
export function find(id: number) {
  let done = false;
  return {
    id,
    then(ok: (v: unknown) => void, bad: (e: unknown) => void) {
      if (done) return bad(new Error('Query was already executed'));
      done = true;
      runs.count++;
      return ok({ id, name: 'ann' });
    },
  };
}
export function trap() { return { get then() { throw new Error('then read'); } }; }
export async function later(n: number) { return n * 2; }
`;


test('--return never calls then on a thenable that is not a promise: a query builder runs once, a throwing then getter is not read; promises still settle', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/repo', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/repo.ts' });
    const repo = code.exportsOf('shop/repo') as unknown as { runs: { count: number }; find(id: number): PromiseLike<unknown>; trap(): unknown; later(n: number): Promise<number> };
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/repo.find', 'shop/repo.trap', 'shop/repo.later'], returns: true, limit: 3, client: ctx.self() });
      assert.ok(r.ok);
      // The application awaits its query once: it runs once, as untraced.
      assert.deepEqual(await repo.find(7), { id: 7, name: 'ann' });
      assert.equal(repo.runs.count, 1);
      assert.doesNotThrow(() => repo.trap());
      assert.equal(await repo.later(4), 8);
      const events = await collectTrace(ctx, r.session, r.pid!);
      const returns = events.filter((e) => e.kind === 'return').map((e) => (e.kind === 'return' ? `${e.fn} -> ${e.value}` : ''));
      assert.equal(returns.length, 3, JSON.stringify(events));
      assert.match(returns[0]!, /^shop\/repo\.find -> \{ id: 7, then: \[Function then\] \}$/);
      assert.match(returns[1]!, /^shop\/repo\.trap -> /);
      assert.equal(returns[2], 'shop/repo.later -> 8');
      assert.equal(events.filter((e) => e.kind === 'exception').length, 0);
    });
  }));
