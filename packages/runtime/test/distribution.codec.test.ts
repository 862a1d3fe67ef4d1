// The wire codec on its own: values round-trip, pids keep their node across the wire, garbage throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeControl, encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { Pid, Ref } from '../src/pid.ts';

// A node's table of node names (index 0 is the node itself), as Distribution keeps it.
function translator(self: string): PidTranslator {
  const names = [self];
  return {
    nameOf: (i) => names[i]!,
    indexOf: (n) => (names.includes(n) ? names.indexOf(n) : names.push(n) - 1),
  };
}

test('values sent from a to b arrive equal, pids and refs on the right node', () => {
  const a = translator('a@h');
  const b = translator('b@h');
  const bOnA = a.indexOf('b@h');
  const cOnA = a.indexOf('c@h');
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constantFrom(null, undefined, -0, 2 ** 40, 'x'.repeat(300)),
      fc.uint8Array().map((u) => Buffer.from(u)),
      fc.date({ noInvalidDate: true }),
      fc.bigInt(),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).v;
  fc.assert(
    fc.property(value, (v) => {
      const out = decodeControl(encodeControl(['send', new Pid(bOnA, 7, 1), v], a, bOnA), b, 'a@h');
      assert.equal(out[0], 'send');
      assert.deepEqual(out[1], new Pid(0, 7, 1));
      assert.deepEqual(out[2], v);
    }),
  );
  const [, from, third, ref] = decodeControl(encodeControl(['monitor', new Pid(0, 3), new Pid(cOnA, 9), new Ref(0, 2 ** 40)], a, bOnA), b, 'a@h') as [string, Pid, Pid, Ref];
  assert.equal(b.nameOf(from.node), 'a@h');
  assert.equal(b.nameOf(ref.node), 'a@h');
  assert.equal(ref.id, 2 ** 40);
  assert.equal(b.nameOf(third.node), 'c@h');
  assert.deepEqual(decodeControl(encodeControl(['send', new Pid(bOnA, 1), new Map([[new Pid(0, 5), new Set([1])]])], a, bOnA), b, 'a@h')[2], new Map([[new Pid(b.indexOf('a@h'), 5), new Set([1])]]));
});

test('nesting deeper than 64 levels is refused on both ends', () => {
  const a = translator('a@h');
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = [deep];
  assert.throws(() => encodeControl(['send', new Pid(0, 1), deep], a, 1), /nested more than 64/);
  const bytes = Buffer.concat([Buffer.from([1, 0x21, 0, 0, 0, 1, 0, 0, 0, 0]), Buffer.from(Array.from({ length: 70 }, () => [0x10, 0, 0, 0, 1]).flat()), Buffer.from([0x01])]);
  assert.throws(() => decodeControl(bytes, a, 'b@h'), /nested more than 64/);
});

test('garbage and mutated frames throw an Error, never hang or crash', () => {
  const a = translator('a@h');
  const good = encodeControl(['send', new Pid(0, 1), { list: [1, 'two', Buffer.from('x')], m: new Map([[1, 2]]) }], a, 1);
  const frames = fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
    fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, byte]) => {
      const b = Buffer.from(good);
      b[i] = byte;
      return b;
    }),
    fc.nat(good.length - 1).map((n) => good.subarray(0, n)),
  );
  fc.assert(
    fc.property(frames, (f) => {
      try {
        decodeControl(f, a, 'b@h');
      } catch (error) {
        assert.ok(error instanceof Error, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('a control message of the wrong shape is refused when it is read, before anything acts on it', () => {
  const [a, b] = [translator('a@h'), translator('b@h')];
  const bOnA = a.indexOf('b@h');
  for (const message of [['link', 42, new Pid(bOnA, 1)], ['monitor', new Pid(0, 1), 'echo'], ['exit', new Pid(0, 1)], ['send', new Pid(bOnA, 1), 'x', 'extra'], ['reg_send', 7, 'x'], ['down', new Pid(0, 1), new Pid(bOnA, 1), 'not a ref', 'normal']]) {
    assert.throws(() => decodeControl(encodeControl(message, a, bOnA), b, 'a@h'), /message of the wrong shape/, JSON.stringify(message));
  }
});
