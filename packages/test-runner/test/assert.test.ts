import { test } from 'node:test';
import nodeAssert from 'node:assert/strict';
import { createNode, _ } from '@otp-ts/runtime';
import {
  assert, assertNot, assertEqual, assertNotEqual, assertMatch, assertThrow, assertError,
  assertExit, assertReceive, assertNoReceive, isAssertionFailure, diffValues, deepEqual, describeFailure,
} from '@otp-ts/test-runner/assert';
import type { AssertionFailure } from '@otp-ts/test-runner/assert';

function failure(fn: () => unknown): AssertionFailure {
  try {
    fn();
  } catch (e) {
    if (isAssertionFailure(e)) return e;
    throw e;
  }
  throw new Error('expected an AssertionFailure');
}

async function asyncFailure(fn: () => Promise<unknown>): Promise<AssertionFailure> {
  try {
    await fn();
  } catch (e) {
    if (isAssertionFailure(e)) return e;
    throw e;
  }
  throw new Error('expected an AssertionFailure');
}

test('assert and assertNot pass on truthy/falsy values and fail otherwise', () => {
  assert(1);
  assertNot(0);
  nodeAssert.equal(failure(() => assert(0)).operator, 'assert');
  nodeAssert.equal(failure(() => assertNot('x')).operator, 'assertNot');
});

test('a failure shows the source line of the failing call from this file', () => {
  const f = failure(() => assertEqual([1], [2]));
  nodeAssert.ok(f.location, 'a location');
  nodeAssert.match(f.location.file, /assert\.test\.ts$/);
  nodeAssert.equal(f.location.lineText, 'const f = failure(() => assertEqual([1], [2]));');
});

test('deepEqual compares objects, arrays, Maps, Sets and Dates by content', () => {
  nodeAssert.ok(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
  nodeAssert.ok(deepEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]])));
  nodeAssert.ok(deepEqual(new Set([{ a: 1 }, 2]), new Set([2, { a: 1 }])));
  nodeAssert.ok(deepEqual(new Date(5), new Date(5)));
  nodeAssert.ok(!deepEqual({ a: 1 }, { a: 1, b: undefined }));
  nodeAssert.ok(!deepEqual([1, 2], [2, 1]));
  nodeAssert.ok(!deepEqual(new Set([1]), new Set([2])));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const other: Record<string, unknown> = {};
  other.self = other;
  nodeAssert.ok(deepEqual(cyclic, other));
});

test('assertEqual fails with a +/- diff of the nested difference only', () => {
  const f = failure(() => assertEqual({ name: 'ann', tags: ['a', 'b'], age: 3 }, { name: 'ann', tags: ['a', 'c'], age: 3 }));
  nodeAssert.deepEqual(f.expected, { name: 'ann', tags: ['a', 'c'], age: 3 });
  nodeAssert.equal(f.diff, ["- expected", "+ actual", "", "  {", "    name: 'ann',", "    tags: [", "      'a',", "-     'c',", "+     'b',", "    ],", "    age: 3,", "  }"].join('\n'));
});

test('diffs of Maps show changed, missing and extra keys; diffs of Sets show missing and extra members', () => {
  const m = diffValues(new Map([['a', 1], ['b', 2]]), new Map([['a', 1], ['c', 3]]));
  nodeAssert.match(m, /^- {3}'b' => 2,$/m);
  nodeAssert.match(m, /^\+ {3}'c' => 3,$/m);
  nodeAssert.match(m, /^ {4}'a' => 1,$/m);
  const s = diffValues(new Set([1, 2]), new Set([2, 3]));
  nodeAssert.match(s, /^- {3}1,$/m);
  nodeAssert.match(s, /^\+ {3}3,$/m);
  nodeAssert.match(s, /^ {4}2,$/m);
});

test('a diff of extra and missing object keys and array elements marks each side', () => {
  const d = diffValues({ a: 1, gone: true, list: [1] }, { a: 1, list: [1, 2], added: 'x' });
  nodeAssert.match(d, /^- {3}gone: true,$/m);
  nodeAssert.match(d, /^\+ {3}added: 'x',$/m);
  nodeAssert.match(d, /^\+ {5}2,$/m);
});

test('assertNotEqual fails on deeply equal values', () => {
  assertNotEqual({ a: 1 }, { a: 2 });
  nodeAssert.equal(failure(() => assertNotEqual({ a: [1] }, { a: [1] })).operator, 'assertNotEqual');
});

test('assertMatch matches partially: pattern keys only, arrays elementwise, _ anything', () => {
  assertMatch({ ok: true, value: [1, 'x'], extra: 5 }, { ok: true, value: [_, 'x'] });
  const f = failure(() => assertMatch({ ok: false, value: [1, 'x'] }, { ok: true, value: [_, 'x'] }));
  nodeAssert.equal(f.diff, ['- pattern', '+ actual', '', '  {', '-   ok: true,', '+   ok: false,', "    value: [ 1, 'x' ],", '  }'].join('\n'));
  failure(() => assertMatch([1, 2, 3], [_, 2]));
});

class Oops extends Error {}

test('assertThrow accepts a class, a predicate or a RegExp and returns the error; it fails when nothing or the wrong thing is thrown', async () => {
  const e = assertThrow(() => { throw new Oops('bad thing'); }, Oops);
  nodeAssert.ok(e instanceof Oops);
  assertThrow(() => { throw new Oops('bad thing'); }, /bad/);
  assertThrow(() => { throw 'string'; }, (x) => x === 'string');
  nodeAssert.match(failure(() => assertThrow(() => 1)).message, /nothing was thrown/);
  nodeAssert.match(failure(() => assertThrow(() => { throw new Error('x'); }, Oops)).message, /instance of Oops/);
  await assertThrow(() => Promise.reject(new Oops('later')), Oops);
  nodeAssert.match((await asyncFailure(async () => assertThrow(() => Promise.resolve(1)))).message, /nothing was thrown/);
});

test('assertError requires an Error instance', () => {
  assertError(() => { throw new Oops('x'); }, Oops);
  nodeAssert.equal(failure(() => assertError(() => { throw 'not an error'; })).operator, 'assertError');
});

test('assertReceive returns a matching message and fails with the mailbox when none arrives', async () => {
  const node = createNode();
  await node.run(async (ctx) => {
    ctx.send(ctx.self(), { tag: 'other' });
    ctx.send(ctx.self(), { tag: 'hello', n: 1 });
    const m = await assertReceive(ctx, { tag: 'hello' });
    nodeAssert.deepEqual(m, { tag: 'hello', n: 1 });
    const f = await asyncFailure(() => assertReceive(ctx, (x) => x === 'never', 10));
    nodeAssert.match(f.message, /no message matching .* arrived within 10 ms; the mailbox holds \[ \{ tag: 'other' \} \]/);
  });
});

test('assertNoReceive passes on silence and fails on a matching message', async () => {
  const node = createNode();
  await node.run(async (ctx) => {
    await assertNoReceive(ctx, undefined, 5);
    ctx.send(ctx.self(), 'ping');
    const f = await asyncFailure(() => assertNoReceive(ctx, 'ping', 5));
    nodeAssert.match(f.message, /got 'ping'/);
  });
});

test('assertExit waits for a process to exit with a matching reason', async () => {
  const node = createNode({ onCrash: () => undefined });
  await node.run(async (ctx) => {
    const a = ctx.spawn(async (c) => c.exit({ error: 'boom', code: 7 }));
    nodeAssert.deepEqual(await assertExit(ctx, a, { error: 'boom' }), { error: 'boom', code: 7 });
    const b = ctx.spawn(async () => { throw new Oops('crash'); });
    await assertExit(ctx, b, Oops);
    const c = ctx.spawn(async () => undefined);
    const wrong = await asyncFailure(() => assertExit(ctx, c, 'shutdown'));
    nodeAssert.match(wrong.message, /unexpected reason: 'normal'/);
    const alive = ctx.spawn(async (x) => { await x.receive(); });
    const hang = await asyncFailure(() => assertExit(ctx, alive, undefined, 10));
    nodeAssert.match(hang.message, /still alive \(status waiting, 0 messages/);
    ctx.exit(alive, 'kill');
  });
});

test('a failure names its source file relative to the working directory, as docs/testing.md shows it', () => {
  const f = failure(() => assertEqual([1], [2]));
  const shown = describeFailure(f).split('\n').find((l) => l.trimStart().startsWith('at '));
  nodeAssert.match(shown ?? '', /^ {2}at packages\/test-runner\/test\/assert\.test\.ts:\d+:\d+$/, `run from the repository root: ${shown}`);
});
