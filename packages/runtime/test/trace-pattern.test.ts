import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallPattern } from '@otp-ts/runtime/tools';
import { parseCallPattern, compileArgsMatcher, formatBounded } from '@otp-ts/runtime/tools';

function parsed(source: string): CallPattern {
  const r = parseCallPattern(source);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.pattern;
}
const matches = (source: string, ...args: unknown[]) => compileArgsMatcher(parsed(source))(args);

test('a pattern names a module, an optional object path, a function and an arity', () => {
  assert.deepEqual(
    (({ module, path, fn, arity }) => ({ module, path, fn, arity }))(parsed('shop/cart.add/2')),
    { module: 'shop/cart', path: [], fn: 'add', arity: 2 },
  );
  const nested = parsed('shop/server.server.handle*');
  assert.equal(nested.module, 'shop/server');
  assert.deepEqual(nested.path, ['server']);
  assert.equal(nested.fn, 'handle*');
  assert.equal(parsed('math.add(_, _)').arity, 2);
  assert.equal(parsed('math.add(_, ...)').arity, undefined);
});

test('argument patterns: literals, _, variables, object shapes, arrays and guards', () => {
  assert.ok(matches('m.f("apple", _)', 'apple', 3));
  assert.ok(!matches('m.f("apple", _)', 'pear', 3));
  assert.ok(!matches('m.f("apple", _)', 'apple'));
  assert.ok(matches("m.f('it''s')".replace("''", "\\'"), "it's"));
  assert.ok(matches('m.f({qty: 5})', { qty: 5, sku: 'x' }));
  assert.ok(!matches('m.f({qty: 5})', { qty: 6 }));
  assert.ok(matches('m.f({qty}) when qty > 5 && qty <= 10', { qty: 7 }));
  assert.ok(!matches('m.f({qty}) when qty > 5 and qty <= 10', { qty: 11 }));
  assert.ok(matches('m.f(a, a)', 1, 1));
  assert.ok(!matches('m.f(a, a)', 1, 2));
  assert.ok(matches('m.f([1, ...], true, null)', [1, 2, 3], true, null));
  assert.ok(!matches('m.f([1])', [1, 2]));
  assert.ok(matches('m.f(o) when o.user.name == "ann" || o.admin', { user: { name: 'bob' }, admin: true }));
  assert.ok(matches('m.f(n) when !(n < 0)', 0));
  assert.ok(matches('m.f/1', 'x'));
  assert.ok(!matches('m.f/1', 'x', 'y'));
  assert.ok(matches('m.f(-1.5, ...)', -1.5, 'more'));
});

test('bad patterns are errors as data, saying where', () => {
  for (const [source, text] of [
    ['cart', /names no function/],
    ['m.f(1, {a: })', /expected a value/],
    ['m.f(x) when x >', /ends too early/],
    ['m.f/2(_)', /arity \/2 disagrees/],
    ['m.f when x > 1', /guard needs argument patterns/],
    ['m.f(#)', /unexpected '#'/],
  ] as const) {
    const r = parseCallPattern(source);
    assert.equal(r.ok, false, source);
    if (!r.ok) assert.match(r.error, text, source);
  }
});

test('formatting on the node is bounded in depth, items and characters, whatever the value', () => {
  const huge: Record<string, number> = {};
  for (let i = 0; i < 200_000; i++) huge[`k${i}`] = i;
  const text = formatBounded({ huge, deep: { a: { b: { c: { d: 1 } } } }, s: 'x'.repeat(1e6), list: Array.from({ length: 1e5 }, (_, i) => i) });
  assert.ok(text.length <= 400, `${text.length}`);
  assert.match(formatBounded(huge), /k0: 0, k1: 1.*…/);
  assert.equal(formatBounded({ a: { b: { c: { d: 1 } } } }), '{ a: { b: { c: {…} } } }');
  assert.equal(formatBounded([1, 2, 3], { depth: 2, items: 2, chars: 100 }), '[1, 2, …1 more]');
  const cyclic: Record<string, unknown> = { n: 1 };
  cyclic.self = cyclic;
  assert.equal(formatBounded(cyclic), '{ n: 1, self: [Circular] }');
});

test('formatting binary data reads only its first items: a 64 MB buffer costs what ten bytes cost', () => {
  const big = Buffer.alloc(64 << 20, 7);
  assert.equal(formatBounded(big), `Buffer(${64 << 20}) [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, …${(64 << 20) - 10} more]`);
  assert.equal(formatBounded(new BigInt64Array([1n, 2n])), 'BigInt64Array(2) [1n, 2n]');
  assert.equal(formatBounded({ raw: new ArrayBuffer(1 << 26), view: new DataView(new ArrayBuffer(8)) }), '{ raw: ArrayBuffer(67108864), view: DataView(8) }');
});
