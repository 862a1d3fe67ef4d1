// A traced function given a new object of a million keys at each call: V8 lists every key of an object before the
// first can be read (a second or more for a million), so each event used to stall the node that long, however many.
// A session now has a listing budget: once costly listings spent it, an object it has not listed shows as `{…}`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { formatBounded, traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

const store = transformSync('export function put(v: unknown) { return 1; }', { loader: 'ts', format: 'cjs', target: 'node20' }).code;

const huge = (tag: string): Record<string, number> => {
  const o: Record<string, number> = {};
  for (let i = 0; i < 1_000_000; i++) o[`${tag}${i}`] = i;
  return o;
};

test('a session lists one huge object, then shows objects it has not listed as {…}; one it listed shows its keys again', { timeout: 180_000 }, () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/store', code: store, filename: '/virtual/shop/store.ts' });
    const m = code.exportsOf('shop/store') as unknown as { put(v: unknown): number };
    const first = huge('a');
    const second = huge('b');
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/store.put'], limit: 4, client: ctx.self(), bounds: { depth: 2, items: 2, chars: 400 } });
      assert.ok(r.ok, r.ok ? '' : r.error);
      m.put(first);
      m.put(second);
      m.put({ small: 1 });
      m.put(first);
      const events: TraceEvent[] = [];
      for (;;) {
        const msg = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x, 10_000)) as TraceMessage;
        if (msg.otpTrace !== 'events') break;
        events.push(...msg.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      }
      const args = events.map((e) => (e.kind === 'call' ? e.args[0] : e.kind));
      assert.deepEqual(args, ['{ a0: 0, a1: 1, … }', '{…}', '{…}', '{ a0: 0, a1: 1, … }']);
    });
    // Outside a session (otp info, the observer: one value at a time) every object is listed, as before.
    assert.equal(formatBounded({ small: 1 }), '{ small: 1 }');
  }));
