import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareTerms, matchPattern, estimateSize, _, Pid } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

test('compareTerms orders numbers < booleans < strings < refs < pids < tuples < objects', () => {
  const values = [{ a: 1 }, [1, 2], new Pid(0, 5), 'b', true, 3, 'a', [1], -1];
  const sorted = [...values].sort(compareTerms);
  assert.deepEqual(sorted, [-1, 3, true, 'a', 'b', new Pid(0, 5), [1], [1, 2], { a: 1 }]);
});

test('compareTerms is a total order: antisymmetric and transitive on random values', () => {
  const term = fc.letrec((tie) => ({
    t: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.array(tie('t'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 2 }), tie('t'), { maxKeys: 2 })),
  })).t;
  fc.assert(
    fc.property(term, term, term, (a, b, c) => {
      assert.equal(Math.sign(compareTerms(a, b)) + Math.sign(compareTerms(b, a)), 0);
      if (compareTerms(a, b) <= 0 && compareTerms(b, c) <= 0) assert.ok(compareTerms(a, c) <= 0);
    }),
  );
});

test('table keys never collide: a string that looks like an encoded composite key stays distinct', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[unknown, string]>();
    t.insert([[1, 2], 'tuple']);
    t.insert(['\u0000[n1,n2]', 'string']);
    t.insert(['1', 'one as string']);
    t.insert([1, 'one as number']);
    assert.equal(t.get([1, 2])?.[1], 'tuple');
    assert.equal(t.get('\u0000[n1,n2]')?.[1], 'string');
    assert.equal(t.get('1')?.[1], 'one as string');
    assert.equal(t.get(1)?.[1], 'one as number');
    assert.equal(t.size, 4);
  });
});

test('matchPattern: wildcard, tuples by position and length, partial objects, nested', () => {
  assert.ok(matchPattern([_, 2], [1, 2]));
  assert.ok(!matchPattern([_, 2], [1, 2, 3]));
  assert.ok(matchPattern({ user: { id: _ } }, { user: { id: 7, name: 'x' }, extra: true }));
  assert.ok(!matchPattern({ user: { id: 8 } }, { user: { id: 7 } }));
  assert.ok(!matchPattern({ missing: _ }, { other: 1 }));
  assert.ok(matchPattern(new Pid(0, 3), new Pid(0, 3)));
});

test('estimateSize grows with the value and stays bounded in work on huge values', () => {
  assert.ok(estimateSize('x'.repeat(1000)) > estimateSize('x'));
  // Work is counted, not timed: each element's field is a getter that counts its reads.
  let reads = 0;
  const huge = Array.from({ length: 1_000_000 }, () => ({
    get i() {
      reads++;
      return 1;
    },
  }));
  const size = estimateSize(huge);
  assert.ok(reads <= 1000, `${reads} elements were read, past the budget of 1000`);
  assert.ok(size > 1_000_000, `estimate ${size}`);
});

// A behaviour's state that points at itself was walked round its cycle until the budget ran out and then
// extrapolated: `otp heap` showed a state of four small objects as 138 KB. A part shared many times was counted each time.
test('estimateSize counts an object reached twice once: a cyclic value stays small, a shared part counts once', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const list: unknown[] = [cyclic];
  list.push(list);
  cyclic.list = list;
  const map = new Map<unknown, unknown>();
  map.set(map, cyclic);
  cyclic.map = map;
  assert.ok(estimateSize(cyclic, 2000) < 1000, `a cyclic value of four small objects estimated at ${estimateSize(cyclic, 2000)} bytes`);
  const shared = { text: 'x'.repeat(10_000) };
  const many = Array.from({ length: 100 }, () => shared);
  const once = estimateSize(shared);
  assert.ok(estimateSize(many) < once + 1000, `100 references to one ${once}-byte object estimated at ${estimateSize(many)} bytes`);
  // Distinct objects still count each.
  assert.ok(estimateSize(Array.from({ length: 100 }, () => ({ text: 'x'.repeat(10_000) }))) > 100 * 10_000);
});

// The average of the values walked was extrapolated to every value not walked: a state holding one 5 MB string and
// 200 000 small records (about 10 MB) was estimated at over half a gigabyte, because the string was walked first.
test('estimateSize extrapolates past its budget with the typical value walked, not one huge string or array', () => {
  const state = { list: Array.from({ length: 200_000 }, (_, i) => ({ i })), text: 'x'.repeat(5_000_000) };
  const size = estimateSize(state, 2000);
  assert.ok(size > 5_000_000 && size < 50_000_000, `estimated at ${size} bytes`);
});

// A 1M-entry Map or array was read whole onto the walk's stack whatever the budget: `otp heap` on a process holding one
// paid for every entry. The walk now reads a container's parts as it reaches them. Reads are counted, not timed.
test('estimateSize reads as many entries of a huge Map or array as its budget walks, not all of them', () => {
  let reads = 0;
  const array = new Proxy(
    Array.from({ length: 1_000_000 }, (_, i) => i),
    {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    },
  );
  const arraySize = estimateSize(array, 1000);
  assert.ok(reads <= 1000, `${reads} elements of a 1M-entry array were read for a budget of 1000`);
  assert.ok(arraySize > 4_000_000, `a 1M-entry array estimated at ${arraySize} bytes`);
  // A Map whose entry iterator counts what it hands out.
  class CountingMap<K, V> extends Map<K, V> {
    override entries(): MapIterator<[K, V]> {
      const inner = super.entries();
      return Object.assign(Object.create(inner) as MapIterator<[K, V]>, {
        next: () => {
          reads++;
          return inner.next();
        },
      });
    }
  }
  reads = 0;
  const map = new CountingMap(Array.from({ length: 1_000_000 }, (_, i) => [i, { i }] as const));
  const mapSize = estimateSize(map, 1000);
  assert.ok(reads <= 1000, `${reads} entries of a 1M-entry Map were read for a budget of 1000`);
  assert.ok(mapSize > 20_000_000, `a 1M-entry Map estimated at ${mapSize} bytes`);
});

// A plain object's values were all read (each getter run) before the first was walked: estimating an object of
// 100 000 keys behind a Proxy ran its get trap 100 000 times whatever the budget.
test('estimateSize reads as many values of an object of many keys as its budget walks', () => {
  let reads = 0;
  const object = new Proxy(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, { i }])), {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const size = estimateSize(object, 1000);
  assert.ok(reads <= 1000, `${reads} values of a 100 000-key object were read for a budget of 1000`);
  assert.ok(size > 400_000, `a 100 000-key object estimated at ${size} bytes`);
});
