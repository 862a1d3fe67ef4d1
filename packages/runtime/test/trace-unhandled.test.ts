import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { traceAgentOf } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

const source = `
export async function fail(tag: string) { await null; throw new Error('boom ' + tag); }
export async function failNow(tag: string) { throw new Error('now ' + tag); }
`;

// Swaps the process's unhandled-rejection listeners for one that records, for the span of `body`.
async function unhandledDuring(body: (seen: unknown[]) => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const before = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const mine = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', mine);
  try {
    await body(seen);
  } finally {
    process.off('unhandledRejection', mine);
    for (const l of before) process.on('unhandledRejection', l);
  }
  return seen;
}

test('--return on an async function that rejects unhandled: the rejection still reaches the unhandled-rejection path', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/bad', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/bad.ts' });
    const m = code.exportsOf('shop/bad') as unknown as { fail(t: string): Promise<void>; failNow(t: string): Promise<void> };
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/bad.*'], returns: true, limit: 100, client: ctx.self() });
      assert.ok(r.ok);
      const kept: Promise<void>[] = [];
      const seen = await unhandledDuring(async (got) => {
        kept.push(m.fail('a'), m.failNow('b'));
        const deadline = Date.now() + 5000;
        while (got.length < 2 && Date.now() < deadline) await new Promise((res) => setImmediate(res));
      });
      assert.deepEqual(seen.map((e) => (e as Error).message).sort(), ['boom a', 'now b']);
      // A handled rejection stays handled: no unhandled rejection is made up.
      const none = await unhandledDuring(async () => {
        await assert.rejects(m.fail('c'), /boom c/);
        await assert.rejects(m.failNow('d'), /now d/);
        for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
      });
      assert.deepEqual(none, []);
      for (const p of kept) p.catch(() => undefined);
      traceAgentOf(node).stop(r.session);
    });
  }));
