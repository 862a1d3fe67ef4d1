// An object with very many keys (a million in a cache), an argument of every traced call: V8 lists every key before the first can be
// read (about 0.5 s a listing), so each event used to cost that. The formatter lists such an object once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBounded } from '@otp-ts/runtime/tools';

test('an object with fifty thousand keys is listed once however many events format it; later events read its first keys only', () => {
  const big: Record<string, number> = {};
  for (let i = 0; i < 50_000; i++) big[`k${i}`] = i;
  let listings = 0;
  // The proxy counts the listings of the keys (for…in and getOwnPropertySymbols ask ownKeys).
  const seen = new Proxy(big, {
    ownKeys(target) {
      listings++;
      return Reflect.ownKeys(target);
    },
  });
  const first = formatBounded(seen, { depth: 2, items: 3, chars: 400 });
  assert.equal(first, '{ k0: 0, k1: 1, k2: 2, … }');
  const afterFirst = listings;
  big.k1 = 42;
  delete big.k2;
  const texts = [1, 2, 3].map(() => formatBounded(seen, { depth: 2, items: 3, chars: 400 }));
  assert.equal(listings, afterFirst, 'no event after the first lists the keys again');
  assert.deepEqual(texts, Array(3).fill('{ k0: 0, k1: 42, … }'), 'the current values of the keys shown; a deleted key left out');
  // Fewer items than remembered: a prefix of them; more items than remembered: listed again.
  assert.equal(formatBounded(seen, { depth: 2, items: 1, chars: 400 }), '{ k0: 0, … }');
  assert.equal(listings, afterFirst);
  assert.equal(formatBounded(seen, { depth: 2, items: 4, chars: 400 }), '{ k0: 0, k1: 42, k3: 3, k4: 4, … }');
});

test('a small object is listed afresh each time: a key added later shows', () => {
  const small: Record<string, number> = { a: 1 };
  assert.equal(formatBounded(small), '{ a: 1 }');
  small.b = 2;
  assert.equal(formatBounded(small), '{ a: 1, b: 2 }');
});
