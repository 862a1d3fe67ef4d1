// The wire codec on its own: values round-trip, pids keep their node across the wire, garbage throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'node:v8';
import fc from 'fast-check';
import { decodeControl, encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { Pid, Ref } from '../src/pid.ts';
import { NodeTable } from '../src/distribution/node-table.ts';

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

// A send frame carrying one term written by hand: the v8 serialization (tag 0x3f) of `v`, as a peer may send it.
function v8Frame(v: unknown): Buffer {
  const payload = serialize(v);
  const head = Buffer.alloc(5);
  head[0] = 0x3f;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([Buffer.from([1, 0x21, 0, 0, 0, 1, 0, 0, 0, 0]), head, payload]);
}

// Values nested `depth` levels deep, of several kinds: the levels inside an instance of a class travel as v8's serialization.
class Holder {
  constructor(readonly inner: unknown) {}
}
const nestings: Record<string, (inner: unknown) => unknown> = {
  array: (x) => [x],
  object: (x) => ({ x }),
  map: (x) => new Map([['k', x]]),
  'class instance': (x) => new Holder([x]),
};
function nested(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

test('the encoder refuses exactly the nesting the decoder refuses, inside v8-serialized values too: what a process received it can forward', () => {
  const [a, b] = [translator('a@h'), translator('b@h')];
  const bOnA = a.indexOf('b@h');
  for (const [kind, wrap] of Object.entries(nestings)) {
    for (const depth of [63, 64, 65, 66]) {
      // A class instance is one level, its array another.
      const levels = kind === 'class instance' ? 2 * depth : depth;
      const send = (): Buffer => encodeControl(['send', new Pid(bOnA, 1), nested(depth, wrap)], a, bOnA);
      if (levels > 64) {
        assert.throws(send, /^Error: message is nested more than 64 levels deep$/, `${kind} ${depth}`);
        continue;
      }
      const received = decodeControl(send(), b, 'a@h')[2];
      assert.doesNotThrow(() => encodeControl(['send', new Pid(0, 2), received], b, 1), `${kind} ${depth}: forwarded`);
    }
  }
  // A peer's own v8 serialization: nested 1000 deep, or containing itself, is refused when read.
  assert.throws(() => decodeControl(v8Frame(nested(1000, nestings.object!)), b, 'a@h'), /^Error: a value is nested more than 64 levels deep$/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => decodeControl(v8Frame(cyclic), b, 'a@h'), /nested more than 64 levels deep/);
  // At the limit it is taken, and forwarded.
  const atLimit = decodeControl(v8Frame(nested(64, nestings.object!)), b, 'a@h')[2];
  assert.doesNotThrow(() => encodeControl(['send', new Pid(0, 2), atLimit], b, 1));
  assert.throws(() => decodeControl(v8Frame(nested(65, nestings.object!)), b, 'a@h'), /nested more than 64 levels deep/);
});

test('a frame whose values would take more than twice the frame limit once decoded is refused before they are built, and the sender refuses to write one', () => {
  const [a, b] = [translator('a@h'), translator('b@h')];
  const bOnA = a.indexOf('b@h');
  const maxFrame = 1024 * 1024;
  // A frame of the limit's size holding one-byte elements (null): eight bytes of memory each once decoded.
  const nulls = Buffer.alloc(maxFrame, 0x01);
  Buffer.from([1, 0x21, 0, 0, 0, 1, 0, 0, 0, 0, 0x10]).copy(nulls);
  nulls.writeUInt32BE(maxFrame - 15, 11);
  assert.throws(() => decodeControl(nulls, b, 'a@h', maxFrame), /^Error: its values would take more than 2097152 bytes of memory once decoded \(twice maxFrameBytes\)$/);
  const many = new Array<null>(300_000).fill(null);
  assert.throws(() => encodeControl(['send', new Pid(bOnA, 1), many], a, bOnA, maxFrame), /^Error: message would take more than 2097152 bytes of memory on the receiving node \(twice maxFrameBytes\): send it in parts$/);
  assert.equal((decodeControl(encodeControl(['send', new Pid(bOnA, 1), many], a, bOnA), b, 'a@h')[2] as null[]).length, 300_000, 'within the default limit');
  // Longer on the wire than the frame limit (though small enough in memory): the receiver would close the connection at its header.
  assert.throws(() => encodeControl(['send', new Pid(bOnA, 1), Buffer.alloc(maxFrame + 1)], a, bOnA, maxFrame), /^Error: message is 1048592 bytes on the wire, over the 1048576-byte frame limit \(maxFrameBytes\): send it in parts$/);
  // Inside a v8 serialization: a sparse array of length 2^32-1, and shared subtrees that unfold to 2^40 elements.
  let shared: unknown = ['x'];
  for (let i = 0; i < 40; i++) shared = [shared, shared];
  for (const v of [new Array(2 ** 32 - 1), shared]) {
    assert.throws(() => decodeControl(v8Frame(v), b, 'a@h'), /would take more than \d+ bytes of memory once decoded/);
    assert.throws(() => encodeControl(['send', new Pid(bOnA, 1), new Holder(v)], a, bOnA), /would take more than \d+ bytes of memory on the receiving node/);
  }
  // Whatever the value, the sender's verdict is the receiver's.
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.double(),
      fc.integer(),
      fc.constantFrom(null, -0, 2 ** 40),
      fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)),
      fc.date({ noInvalidDate: true }),
      fc.bigInt(),
      fc.array(tie('v'), { maxLength: 40 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 8, noNullPrototype: true }),
      fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 6 }).map((kv) => new Map(kv)),
      fc.array(tie('v'), { maxLength: 6 }).map((xs) => new Set(xs)),
      tie('v').map((x) => new Holder(x)),
    ),
  })).v;
  fc.assert(
    fc.property(value, fc.integer({ min: 64, max: 4096 }), (v, small) => {
      const message = ['send', new Pid(bOnA, 1), v];
      let sent: Buffer | undefined;
      try {
        sent = encodeControl(message, a, bOnA, small);
      } catch {
        // Refused by the sender: the receiver refuses the same frame (or it is longer than the frame limit).
      }
      const frame = encodeControl(message, a, bOnA);
      const taken = ((): boolean => {
        try {
          decodeControl(frame, b, 'a@h', small);
          return true;
        } catch {
          return false;
        }
      })();
      assert.equal(sent !== undefined, taken && frame.length <= small, `sender ${sent ? 'wrote' : 'refused'}, receiver ${taken ? 'took' : 'refused'} a ${frame.length}-byte frame`);
    }),
    { numRuns: 500 },
  );
});

test("a pid or ref of a node's past run keeps its creation on the wire: it never decodes as one of the current run, the receiver's own past runs included; protocol 3 peers get the form without it", () => {
  const a = new NodeTable('a@h', 11);
  const b = new NodeTable('b@h', 22);
  const c = new NodeTable('c@h', 33);
  // a met b's and c's first runs (creations 21 and 31), then their current ones (22 and 33).
  const b1 = a.incarnation('b@h', 21);
  const c1 = a.incarnation('c@h', 31);
  const bOnA = a.incarnation('b@h', 22);
  const c2 = a.incarnation('c@h', 33);
  assert.ok(a.isPast(b1) && a.isPast(c1) && !a.isPast(bOnA) && !a.isPast(c2));
  const cOnB = b.incarnation('c@h', 33);
  const body = { mine: new Pid(b1, 5), third: new Pid(c1, 6), now: new Pid(c2, 7), tag: new Ref(b1, 8) };
  const [, , got] = decodeControl(encodeControl(['send', new Pid(bOnA, 1), body], a, bOnA), b, 'a@h') as [string, Pid, typeof body];
  assert.notEqual(got.mine.node, 0, "b's past run's pid is not one of b's processes");
  assert.ok(b.isPast(got.mine.node) && b.nameOf(got.mine.node) === 'b@h', 'it names a past run of b');
  assert.notEqual(got.tag.node, 0, "nor is its ref one of b's");
  assert.ok(b.isPast(got.third.node) && b.nameOf(got.third.node) === 'c@h', "c's past run's pid is not one of c's current run");
  assert.equal(got.now.node, cOnB, "c's current run's pid is");
  // Forwarded to c, the past runs stay past: c's own included.
  const [, , back] = decodeControl(encodeControl(['send', new Pid(b.indexOf('c@h'), 1), got], b, cOnB), c, 'b@h') as [string, Pid, typeof body];
  assert.ok(c.isPast(back.third.node) && back.now.node === 0, 'on c: its past run apart, its current run local');
  // A protocol 3 peer reads no creation: the names go as before (0x22).
  const legacy = encodeControl(['send', new Pid(bOnA, 1), { p: new Pid(c1, 6) }], a, bOnA, undefined, false);
  assert.ok(legacy.includes(Buffer.from([0x22, 0x07, 3, ...Buffer.from('c@h')])) && !legacy.includes(0x26), 'the name form without creation');
});
