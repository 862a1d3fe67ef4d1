// An exception event used to show an error's name and message only: a system error's code, errno and path, or the
// cause an error wraps, were lost, where Node's inspect shows them. They follow the message, bounded as objects are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { formatBounded, traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

const store = `
import { readFileSync } from 'node:fs';
export function load(file: string) { return readFileSync(file, 'utf8'); }
export function charge() { throw new Error('payment failed', { cause: Object.assign(new Error('gateway timeout'), { code: 'ETIMEDOUT' }) }); }
`;

test('an exception event shows the error own fields (code, errno, syscall, path) and its cause', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/store', code: transformSync(store, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/store.ts' });
    const m = code.exportsOf('shop/store') as Record<string, (...a: unknown[]) => unknown>;
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/store.*'], returns: true, limit: 10, client: ctx.self() });
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.throws(() => m.load!('/nonexistent/otp-ts-cart.json'));
      assert.throws(() => m.charge!());
      const errors: string[] = [];
      while (errors.length < 2) {
        const msg = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x, 5000)) as TraceMessage | typeof runtime.TIMEOUT;
        assert.notEqual(msg, runtime.TIMEOUT, `only ${errors.length} exceptions arrived`);
        if (msg === runtime.TIMEOUT || msg.otpTrace !== 'events') break;
        for (const e of msg.events as TraceEvent[]) if (e.kind === 'exception') errors.push(e.error);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      }
      assert.equal(errors[0], `Error: ENOENT: no such file or directory, open '/nonexistent/otp-ts-cart.json' { errno: -2, code: "ENOENT", syscall: "open", path: "/nonexistent/otp-ts-cart.json" }`);
      assert.equal(errors[1], 'Error: payment failed { [cause]: Error: gateway timeout { code: "ETIMEDOUT" } }');
      traceAgentOf(node).stop(r.session);
    });
  }));

test("an error's fields are bounded: items, depth, characters, a cycle through its cause, an AggregateError's errors", () => {
  const many = Object.assign(new Error('many'), { a: 1, b: 2, c: 3, d: 4 });
  assert.equal(formatBounded(many, { depth: 3, items: 2, chars: 400 }), 'Error: many { a: 1, b: 2, … }');
  const nested = new Error('outer', { cause: new Error('middle', { cause: new Error('inner') }) });
  assert.equal(formatBounded(nested, { depth: 1, items: 10, chars: 400 }), 'Error: outer { [cause]: Error: middle }');
  const loop = new Error('loop') as Error & { cause?: unknown };
  loop.cause = loop;
  assert.equal(formatBounded(loop), 'Error: loop { cause: [Circular] }');
  const big = Object.assign(new TypeError('big'), { payload: 'x'.repeat(100_000) });
  assert.equal(formatBounded(big, { depth: 3, items: 10, chars: 80 }).length, 80);
  assert.equal(formatBounded(new AggregateError([new Error('a'), 2], 'both')), 'AggregateError: both { [errors]: [Error: a, 2] }');
  // A getter is not run, as an object's is not; a plain error is as it was.
  const lazy = Object.defineProperty(new Error('lazy'), 'detail', { enumerable: true, get: () => assert.fail('the getter ran') });
  assert.equal(formatBounded(lazy), 'Error: lazy { detail: [Getter] }');
  assert.equal(formatBounded(new RangeError('plain')), 'RangeError: plain');
});
