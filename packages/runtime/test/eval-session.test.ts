// A remote shell's lines share a session on the node: what a line declares at its top level lasts for the lines
// after it (as in otp shell's REPL), live (a function of one line and the next lines see the same variable),
// a name declared twice is refused before the line runs, and sessions see none of each other's names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode } from '../src/index.ts';
import { evaluate, endEvalSession } from '../src/rpc/eval.ts';
import * as runtimeApi from '../src/index.ts';

async function lines(node: OtpNode, session: string, ...sources: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const source of sources) out.push(await evaluate(node, runtimeApi, source, { session, timeoutMs: 1000, awaitTimeoutMs: 5000 }).catch((e: Error) => `** ${e.message}`));
  return out;
}

async function withNode(body: (node: OtpNode) => Promise<void>): Promise<void> {
  const node = createNode({ onCrash: () => {} });
  try {
    await body(node);
  } finally {
    node.shutdown();
  }
}

test("a line's top-level declarations last for the session's next lines, and stay live", () =>
  withNode(async (node) => {
    assert.deepEqual(
      await lines(node, 's1', 'const x = 20', 'x + 1', 'let n = 0; function inc() { return ++n }', 'inc(); inc()', 'n', 'n = 10', 'inc()', 'const s = await Promise.resolve(4)', 's * 2', 'class C { m() { return 3 } }', 'new C().m()', 'const { a, b: [c] } = { a: 1, b: [2] }', 'a + c', 'const café = 3', 'café'),
      ['undefined', '21', 'undefined', '2', '2', '10', '11', 'undefined', '8', 'undefined', '3', 'undefined', '3', 'undefined', '3'],
    );
  }));

test('a name declared again is refused before the line runs; a function declared again replaces the old one', () =>
  withNode(async (node) => {
    const [, again, still, , , replaced, , over] = await lines(node, 's2', 'const x = 1', 'globalThis.ran = 0; const x = 2; ran = 1', 'x', 'function f() { return 1 }', 'function f() { return 2 }', 'f()', 'var v = 1', 'let v = 2');
    assert.equal(again, "** Identifier 'x' has already been declared by an earlier line of this shell: give the new one another name, or assign to it (x = …) if it was declared with let");
    assert.equal(still, '1');
    assert.equal((globalThis as { ran?: number }).ran, undefined, 'the refused line did not run');
    assert.equal(replaced, '2');
    assert.match(String(over), /^\*\* Identifier 'v' has already been declared/);
    assert.deepEqual(await lines(node, 's2', 'x = 5'), ['** Assignment to constant variable.']);
  }));

test('a declaration its line never reached (the line threw first) leaves the name free', () =>
  withNode(async (node) => {
    assert.deepEqual(await lines(node, 's3', 'throw new Error("first"); const y = 1', 'const y = 2', 'y'), ['** first', 'undefined', '2']);
  }));

test('the helpers a function of an earlier line calls are those of the line running it (its own process)', () =>
  withNode(async (node) => {
    const [, first, second] = await lines(node, 's4', 'const me = () => self()', 'String(me()) === String(self())', 'String(me()) === String(self())');
    assert.deepEqual([first, second], ['true', 'true']);
  }));

test('sessions see none of each other, an ended session starts afresh, and a line without one keeps nothing', () =>
  withNode(async (node) => {
    await lines(node, 'a', 'const only = 1');
    assert.deepEqual(await lines(node, 'b', 'typeof only'), ["'undefined'"]);
    assert.equal(await evaluate(node, runtimeApi, 'const z = 1'), 'undefined');
    assert.equal(await evaluate(node, runtimeApi, 'typeof z'), "'undefined'");
    assert.equal(endEvalSession(node, 'a'), true);
    assert.deepEqual(await lines(node, 'a', 'typeof only'), ["'undefined'"]);
  }));

test('a line declaring more names than a session keeps from one line is refused, naming the limit', () =>
  withNode(async (node) => {
    const names = Array.from({ length: 3000 }, (_, i) => `v${i}`).join(', ');
    const [refused, after] = await lines(node, 's5', `var ${names}`, 'typeof v1');
    assert.equal(refused, '** the line declares more than 64 names at its top level, more than a remote shell keeps from one line: declare them as the properties of one object (const o = { … })');
    assert.equal(after, "'undefined'");
    assert.deepEqual(await lines(node, 's5', `var ${names.split(', ').slice(0, 64).join(', ')}`, 'v63 === undefined'), ['undefined', 'true']);
  }));
