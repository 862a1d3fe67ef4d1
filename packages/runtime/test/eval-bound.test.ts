// Code evaluated on a node (otp remote, otp rpc otp eval, bin/<name> eval) runs with a bound on synchronous
// work, so a runaway line is interrupted and the node's processes keep running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode } from '../src/index.ts';
import { evalBounds, EvalStopped } from '../src/tools.ts';
import { evaluate } from '../src/rpc/eval.ts';
import * as runtimeApi from '../src/index.ts';
import { waitFor } from '../../../test/support/wait.ts';

async function withNode(body: (node: OtpNode, beats: () => number) => Promise<void>): Promise<void> {
  const node = createNode({ onCrash: () => {} });
  // A process that beats every few ms: it can only beat while the event loop is free.
  let count = 0;
  const beat = node.spawn(async (ctx) => {
    for (;;) {
      await ctx.sleep(5);
      count++;
    }
  });
  try {
    await body(node, () => count);
  } finally {
    node.exit(beat, 'kill');
    node.shutdown();
  }
}

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

// The evaluation's error, and whether a process of the node ran between its start and its end.
async function stopped(node: OtpNode, beats: () => number, source: string, options = { timeoutMs: 200, awaitTimeoutMs: 5000 }): Promise<EvalStopped> {
  const error = await evaluate(node, runtimeApi, source, options).then(
    (value) => assert.fail(`expected the evaluation to be stopped, it returned ${value}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EvalStopped, String(error));
  const after = beats();
  await until('the node to run its processes after the interruption', () => beats() > after);
  return error;
}

test('a synchronous runaway line is stopped with the bound in its message; the node keeps running', async () => {
  await withNode(async (node, beats) => {
    const e = await stopped(node, beats, 'const t = Date.now(); while (Date.now() - t < 60000) {}');
    assert.equal((await stopped(node, beats, 'for (const p of processes()) processInfo(p); for (;;) {}')).code, 'evalTimeout');
    assert.equal(e.code, 'evalTimeout');
    assert.match(e.message, /^evaluation stopped after 200 ms of synchronous work: .*--eval-timeout MS/);
  });
});

test('a runaway timer callback set by evaluated code is stopped too', async () => {
  await withNode(async (node, beats) => {
    assert.equal((await stopped(node, beats, 'await new Promise(() => setTimeout(() => { for (;;) {} }, 5))')).code, 'evalTimeout');
    assert.equal((await stopped(node, beats, 'await new Promise(() => setImmediate(() => { for (;;) {} }))')).code, 'evalTimeout');
  });
});

test('an awaited promise that never settles ends the evaluation after the await bound, with a clear message', async () => {
  await withNode(async (node, beats) => {
    // The synchronous bound is far off: on a loaded machine even this one line's run can pass 200 ms of wall time.
    const e = await stopped(node, beats, 'await new Promise(() => {})', { timeoutMs: 30_000, awaitTimeoutMs: 300 });
    assert.equal(e.code, 'evalAwaitTimeout');
    assert.match(e.message, /^evaluation gave no result within 300 ms: an awaited promise has not settled \(the node is unaffected\)/);
  });
});

test('evaluated code still sees ctx, node and the runtime API, awaits processes, and reports its own errors', async () => {
  await withNode(async (node) => {
    assert.equal(await evaluate(node, runtimeApi, '1 + 1'), '2');
    assert.equal(await evaluate(node, runtimeApi, 'const a = [1, 2]; return a.map((x) => x * 2)'), '[ 2, 4 ]');
    assert.equal(await evaluate(node, runtimeApi, 'typeof ctx.self() + " " + (node === ctx.node) + " " + typeof genServer.call'), "'object true function'");
    const sum = 'let n = 0; for (let i = 0; i < 20; i++) n += await new Promise((r) => setTimeout(() => r(i), 0)); return n';
    assert.equal(await evaluate(node, runtimeApi, sum), '190');
    const echo = 'const p = ctx.spawn(async (c) => { const m = await c.receive(); c.send(m.from, m.n + 1); }); ctx.send(p, { from: ctx.self(), n: 41 }); return await ctx.receive()';
    assert.equal(await evaluate(node, runtimeApi, echo), '42');
    await assert.rejects(evaluate(node, runtimeApi, 'throw new TypeError("nope")'), (e: Error) => e instanceof Error && e.message === 'nope' && e.name === 'TypeError');
    assert.equal(await evaluate(node, runtimeApi, 'return (await import("node:path")).basename("/a/b.txt")'), "'b.txt'");
  });
});

test('a line whose last expression follows a block (a loop, an if, an object) answers that expression, as a REPL does, not undefined', async () => {
  await withNode(async (node) => {
    assert.equal(await evaluate(node, runtimeApi, 'let n = 0; for (let i = 0; i < 3; i++) { n += i; } n'), '3');
    assert.equal(await evaluate(node, runtimeApi, 'let t = 0\nfor (const x of [1, 2]) { t += await Promise.resolve(x) }\nt * 10'), '30');
    assert.equal(await evaluate(node, runtimeApi, 'const o = { a: { b: 7 } }\no.a.b'), '7');
    assert.equal(await evaluate(node, runtimeApi, 'let s = "x"; if (s === "x") { s = "y" } else { s = "z" } s + "!"'), "'y!'");
    assert.equal(await evaluate(node, runtimeApi, 'const f = () => { return 4 }; f()'), '4');
    // Statements with no expression at the end still answer undefined, and an object literal alone is an object.
    assert.equal(await evaluate(node, runtimeApi, 'for (let i = 0; i < 2; i++) { }'), 'undefined');
    assert.equal(await evaluate(node, runtimeApi, '{ a: 1 }'), '{ a: 1 }');
  });
});

test('code that does not parse is reported as the user wrote it, never as a brace the wrapper added', async () => {
  await withNode(async (node) => {
    for (const [source, message] of [
      ['foo(', 'the code does not parse: Unexpected end of input'],
      ['await whereis(', 'the code does not parse: Unexpected end of input'],
      ['if (x) {', 'the code does not parse: Unexpected end of input'],
      ['1 +* 2', "the code does not parse: Unexpected token '*'"],
    ]) {
      await assert.rejects(evaluate(node, runtimeApi, source!), (e: Error) => e.name === 'SyntaxError' && e.message === message, source);
    }
  });
});

test('the bounds come from the options, else OTP_EVAL_TIMEOUT and OTP_EVAL_AWAIT_TIMEOUT, else 1000 and 30000 ms; a bad one is named', () => {
  assert.deepEqual(evalBounds({}, {}), { timeoutMs: 1000, awaitTimeoutMs: 30000 });
  assert.deepEqual(evalBounds({}, { OTP_EVAL_TIMEOUT: '250', OTP_EVAL_AWAIT_TIMEOUT: '900' }), { timeoutMs: 250, awaitTimeoutMs: 900 });
  assert.deepEqual(evalBounds({ timeoutMs: '40' }, { OTP_EVAL_TIMEOUT: '250' }), { timeoutMs: 40, awaitTimeoutMs: 30000 });
  assert.throws(() => evalBounds({ timeoutMs: 'soon' }, {}), /^Error: --eval-timeout soon is not a whole number of milliseconds/);
  assert.throws(() => evalBounds({}, { OTP_EVAL_AWAIT_TIMEOUT: '-1' }), /OTP_EVAL_AWAIT_TIMEOUT -1 is not/);
});

test('a timer of evaluated code longer than 24.8 days waits as asked (Node alone fires it at once); the clear functions stop it', async () => {
  const node = createNode({ onCrash: () => {} });
  const month = '30 * 24 * 3600 * 1000';
  // The timers left waiting are unref'd: they must not keep this test's process alive for 30 days; this one keeps it
  // alive while an evaluation waits on them (its await bound is unref'd too).
  const alive = setInterval(() => {}, 1000);
  try {
    const waited = await evaluate(node, runtimeApi, `await new Promise((r) => setTimeout(() => r('fired'), ${month}).unref())`, { timeoutMs: 1000, awaitTimeoutMs: 300 }).then(
      (value) => assert.fail(`the 30-day timer fired at once: ${value}`),
      (e: unknown) => e,
    );
    assert.ok(waited instanceof EvalStopped && waited.code === 'evalAwaitTimeout', String(waited));
    const every = await evaluate(node, runtimeApi, `await new Promise((r) => { const h = setInterval(() => { clearInterval(h); r('fired'); }, ${month}).unref(); setTimeout(() => r('waiting'), 50); })`);
    assert.equal(every, "'waiting'", 'a 30-day interval does not fire after a millisecond');
    assert.equal(await evaluate(node, runtimeApi, `const h = setTimeout(() => {}, ${month}); clearTimeout(h); const i = setInterval(() => {}, ${month}); clearInterval(i); 'cleared'`), "'cleared'");
  } finally {
    clearInterval(alive);
    node.shutdown();
  }
});
