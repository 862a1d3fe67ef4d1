import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf } from '@otp-ts/runtime';
import { traceAgentOf } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

// A module of 1200 functions: more than a session traces without --force.
const source = Array.from({ length: 1200 }, (_, i) => `exports.f${i} = function f${i}(x) { return x + ${i}; };`).join('\n');

test('a dry run answers how broad a pattern is (every function, or more than 1000) without --force; tracing them still needs it', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/many', code: source, filename: '/virtual/shop/many.js' });
    const agent = traceAgentOf(node);
    for (const pattern of ['shop/many.*', '*.*']) {
      const dry = await agent.start({ patterns: [pattern] }, true);
      assert.ok(dry.ok, dry.ok ? '' : dry.error);
      assert.equal(dry.functions.length, 1200, pattern);
      assert.deepEqual(agent.tracedFunctions(), [], 'a dry run wraps nothing');
      const real = await agent.start({ patterns: [pattern] });
      assert.equal(real.ok ? 'ok' : real.code, 'tooBroad', pattern);
    }
    assert.deepEqual(agent.list(), []);
  }));

test('too broad: a function two patterns name is counted once in the refusal', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/many', code: source, filename: '/virtual/shop/many.js' });
    const r = await traceAgentOf(node).start({ patterns: ['shop/many.*', 'shop/many.*', 'shop/many.f1*'] });
    assert.ok(!r.ok && r.code === 'tooBroad');
    assert.match(r.error, /^the patterns match 1200 functions \(more than 1000\)/, r.error);
  }));
