import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallPattern } from '@otp-ts/runtime/tools';
import { parseCallPattern, compileArgsMatcher } from '@otp-ts/runtime/tools';

function parsed(source: string): CallPattern {
  const r = parseCallPattern(source);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.pattern;
}
const matches = (source: string, ...args: unknown[]) => compileArgsMatcher(parsed(source))(args);

const cyclic = () => {
  const o: Record<string, unknown> = { id: 1 };
  o.self = o;
  return o;
};
const nested = (levels: number) => {
  let o: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) o = { next: o };
  return o;
};

test("a guard's == on cyclic arguments is no match, never a throw, for ==, != and !(==) alike", () => {
  const [a, b] = [cyclic(), cyclic()];
  assert.equal(matches('m.f(x, y) when x == y', a, b), false);
  assert.equal(matches('m.f(x, y) when x != y', a, b), false);
  assert.equal(matches('m.f(x, y) when !(x == y)', a, b), false);
  assert.equal(matches('m.f(x, x)', a, b), false);
  // The same object is equal to itself without a walk.
  assert.equal(matches('m.f(x, y) when x == y', a, a), true);
});

test("a guard's == past the depth or item bound is no match; within them it compares as before", () => {
  assert.equal(matches('m.f(x, y) when x == y', nested(100_000), nested(100_000)), false);
  assert.equal(matches('m.f(x, y) when x == y', nested(10), nested(10)), true);
  assert.equal(matches('m.f(x, y) when x != y', nested(10), nested(11)), true);
  const big = () => Array.from({ length: 1_000_000 }, (_, i) => i);
  assert.equal(matches('m.f(x, y) when x == y', big(), big()), false);
  assert.equal(matches('m.f(x, y) when x != y', big(), big()), false);
  const wide = () => Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i]));
  assert.equal(matches('m.f(x, x)', wide(), wide()), false);
  assert.equal(matches('m.f(x, y) when x == y', [1, { a: [2] }], [1, { a: [2] }]), true);
  assert.equal(matches('m.f(x, y) when x == y', [1, { a: [2] }], [1, { a: [3] }]), false);
});

test("a guard's == tells maps, sets and byte arrays by their contents, and an array from an object", () => {
  assert.equal(matches('m.f(x, y) when x == y', new Map([['a', 1]]), new Map([['a', 2]])), false);
  assert.equal(matches('m.f(x, y) when x == y', new Map([['a', { n: 1 }]]), new Map([['a', { n: 1 }]])), true);
  assert.equal(matches('m.f(x, y) when x == y', new Set([1]), new Set([2])), false);
  assert.equal(matches('m.f(x, y) when x == y', Buffer.from('ab'), Buffer.from('ab')), true);
  assert.equal(matches('m.f(x, y) when x == y', Buffer.from('ab'), Buffer.from('ac')), false);
  assert.equal(matches('m.f(x, y) when x == y', ['a'], { 0: 'a' }), false);
});

test('an argument that throws when the pattern reads it is no match, never a throw', () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.equal(matches('m.f({qty})', proxy), false);
  assert.equal(matches('m.f(x, y) when x == y', proxy, {}), false);
});
