// Trace requests as a hostile or careless client sends them over rpc: a pattern of a megabyte, one nested a hundred
// deep, a glob that would backtrack through every split of a long name, a rate of null, bounds named __proto__, a
// pattern variable named constructor. Each is answered in one sentence (or traced as written), the node unharmed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf, type OtpNode } from '@otp-ts/runtime';
import { traceAgentOf, type TraceMessage, type TraceSpec } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

const long = 'a'.repeat(200);
const source = `
export function add(ctx: unknown, item: string, qty: number) { return { item, qty }; }
export function ${long}() { return 1; }
`;

async function loaded(node: OtpNode): Promise<{ add(ctx: unknown, item: unknown, qty: number): unknown }> {
  loggerOf(node).removeHandler('default');
  const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
  await code.load({ name: 'shop/cart', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/cart.ts' });
  return code.exportsOf('shop/cart') as never;
}

const refusal = async (node: OtpNode, spec: TraceSpec) => {
  const r = await traceAgentOf(node).start(spec, true);
  assert.equal(r.ok, false, `expected a refusal of ${JSON.stringify(spec).slice(0, 200)}`);
  return r as Extract<typeof r, { ok: false }>;
};

test('a glob of many stars against a long name is answered at once, as a regular expression would not be', () =>
  withNode(async (node) => {
    await loaded(node);
    // As a regular expression (^a.*a.*…b$) this tries every way of splitting 200 characters in 40: it never ends.
    const r = await refusal(node, { patterns: [`shop/cart.${'a*'.repeat(40)}b`] });
    assert.equal(r.code, 'nomatch');
    const ok = await traceAgentOf(node).start({ patterns: [`shop/cart.${'a*'.repeat(40)}`] }, true);
    assert.ok(ok.ok && ok.functions.length === 1 && ok.functions[0] === `shop/cart.${long}`, JSON.stringify(ok).slice(0, 300));
  }));

test('globs match whole names: * any run, ? one character, everything else literally', () =>
  withNode(async (node) => {
    await loaded(node);
    const cases: Array<[string, string[]]> = [
      ['shop/cart.add', ['shop/cart.add']], ['shop/cart.a?d', ['shop/cart.add']], ['shop/c*t.*d', ['shop/cart.add']], ['*/cart.a*d', ['shop/cart.add']],
      ['shop/cart.**', [`shop/cart.${long}`, 'shop/cart.add']], ['shop/ca?t.a*a', [`shop/cart.${long}`]], ['shop/cart.ad', []], ['shop/cart.a.d', []], ['shop/cart.add?', []], ['shop/?cart.add', []],
    ];
    for (const [pattern, want] of cases) {
      const r = await traceAgentOf(node).start({ patterns: [pattern] }, true);
      assert.deepEqual(r.ok ? [...r.functions].sort() : [], want, pattern);
    }
  }));

test('a pattern of a megabyte, or nested a hundred deep, is refused in one short sentence', () =>
  withNode(async (node) => {
    await loaded(node);
    for (const pattern of [`shop/cart.add(_${' '.repeat(1 << 20)})`, `shop/cart.${'x'.repeat(1 << 20)}`]) {
      const r = await refusal(node, { patterns: [pattern] });
      assert.equal(r.code, 'badPattern');
      assert.match(r.error, /has 1048\d+ characters, more than the 4096 a call pattern may have/);
      assert.ok(r.error.length < 400, r.error.slice(0, 400));
    }
    for (const pattern of [`shop/cart.add(${'['.repeat(100)}`, `shop/cart.add(a) when ${'('.repeat(2000)}a`, `shop/cart.add(a) when ${'!'.repeat(2000)}a`]) {
      const r = await refusal(node, { patterns: [pattern] });
      assert.equal(r.code, 'badPattern');
      assert.match(r.error, /nested more than 32 deep at column \d+$/);
    }
  }));

test('a rate of null and bounds named __proto__ or constructor are refused by name', () =>
  withNode(async (node) => {
    await loaded(node);
    assert.match((await refusal(node, { patterns: ['shop/cart.add'], rate: null as never })).error, /^rate must be N\/MS/);
    for (const bounds of [JSON.parse('{"__proto__": {"depth": 1}}') as object, { constructor: 1 }, { toString: 3 }]) {
      const r = await refusal(node, { patterns: ['shop/cart.add'], bounds: bounds as never });
      assert.match(r.error, /^bounds\.(__proto__|constructor|toString) is no bound: the bounds are depth, items and chars$/);
    }
  }));

test('a pattern variable named constructor or toString binds as any other name', () =>
  withNode(async (node) => {
    const cart = await loaded(node);
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/cart.add(_, constructor, toString) when toString > 1'], limit: 1, client: ctx.self() });
      assert.ok(r.ok, r.ok ? '' : r.error);
      cart.add(ctx, 'pear', 2);
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x)) as TraceMessage;
      assert.equal(m.otpTrace, 'events');
      assert.deepEqual(m.otpTrace === 'events' && m.events.map((e) => e.kind === 'call' && e.args.slice(1)), [['"pear"', '2']]);
    });
  }));

// A window longer than the session never restarts: a rate of 1 per 1e15 ms was a plain limit of 2 events.
test('a rate whose window is longer than the session is refused naming the window and the time', () =>
  withNode(async (node) => {
    await loaded(node);
    for (const [spec, window, time] of [[{ rate: { count: 1, ms: 1e15 } }, 1e15, 15000], [{ rate: { count: 1, ms: 3001 }, timeMs: 3000 }, 3001, 3000]] as const) {
      const r = await refusal(node, { patterns: ['shop/cart.add'], ...spec });
      assert.equal(r.code, 'badSpec');
      assert.match(r.error, new RegExp(`the rate's window of ${window} ms is longer than the session runs \\(timeMs ${time}\\)`));
    }
    const ok = await traceAgentOf(node).start({ patterns: ['shop/cart.add'], rate: { count: 1, ms: 3000 }, timeMs: 3000 }, true);
    assert.ok(ok.ok, JSON.stringify(ok));
  }));
