import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { formatBounded, traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

// What a traced function may return whose own properties say nothing: each used to show as `{}` or `Object {}`.
const kinds = `
export function* ids() { yield 1; }
export async function* feed() { yield 1; }
export function entries() { return new Map([[1, 'a'], [2, 'b']]).entries(); }
export function values() { return [1, 2][Symbol.iterator](); }
export function later() { return { job: new Promise(() => {}) }; }
export function ready() { return { job: Promise.resolve(new Map([[1, 2], [3, 4]])), n: Promise.resolve(7) }; }
export class Account { #balance = 10; owner = 'ann'; get balance() { return this.#balance; } }
export function open() { return new Account(); }
export function factory() { return { make: Account, run: async () => 1, gen: function* walk() {} }; }
export function deep() { return { a: { b: { m: new Map([[1, 2]]), s: new Set([1]), acc: new Account(), list: [1, 2, 3] } } }; }
export function misc() { return { re: /ab+c/gi, boxed: new String('s'), url: new URL('http://127.0.0.1:8080/cart?id=1') }; }
`;

test('--return of a generator, an iterator, a promise, a class or a function shows what it is, never {}', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/kinds', code: transformSync(kinds, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/kinds.ts' });
    const m = code.exportsOf('shop/kinds') as Record<string, () => unknown>;
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/kinds.*'], returns: true, limit: 20, client: ctx.self() });
      assert.ok(r.ok, r.ok ? '' : r.error);
      const order = ['ids', 'feed', 'entries', 'values', 'later', 'ready', 'open', 'factory', 'deep', 'misc'];
      for (const fn of order) m[fn]!();
      const returns: string[] = [];
      while (returns.length < order.length) {
        const msg = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x, 2000)) as TraceMessage | typeof runtime.TIMEOUT;
        assert.notEqual(msg, runtime.TIMEOUT, `only ${returns.length} returns arrived`);
        if (msg === runtime.TIMEOUT || msg.otpTrace !== 'events') break;
        for (const e of msg.events as TraceEvent[]) if (e.kind === 'return') returns.push(e.value);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      }
      assert.deepEqual(returns, [
        '[Generator]',
        '[AsyncGenerator]',
        '[Map Iterator]',
        '[Array Iterator]',
        '{ job: Promise { <pending> } }',
        '{ job: Promise { [Map] }, n: Promise { 7 } }',
        'Account { owner: "ann" }',
        '{ make: [class Account], run: [AsyncFunction run], gen: [GeneratorFunction walk] }',
        '{ a: { b: { m: Map(1) {…}, s: Set(1) {…}, acc: Account {…}, list: […3] } } }',
        '{ re: /ab+c/gi, boxed: [String: "s"], url: URL http://127.0.0.1:8080/cart?id=1 }',
      ]);
      traceAgentOf(node).stop(r.session);
    });
  }));

test('a rejected promise shows its reason on one line, and formatting it never breaks the value', () => {
  const failed = Promise.reject(new Error('out of stock\nsecond line'));
  failed.catch(() => {});
  assert.equal(formatBounded({ p: failed }), '{ p: Promise { <rejected> Error: out of stock } }');
  assert.equal(formatBounded(() => 1), '[Function (anonymous)]');
});
