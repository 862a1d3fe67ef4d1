// A spec typed by hand (`otp rpc NODE otp_trace start '[{"patterns": "shop/cart.add"}]'`) is JSON of any shape:
// a list given as one string used to be read letter by letter, a name that is no string crashed the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { traceAgentOf, type TraceSpec } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('start refuses a spec whose patterns, pids or names are no list of strings, in one sentence naming the field', () =>
  withNode(async (node) => {
    const agent = traceAgentOf(node);
    const cases: Array<[unknown, RegExp]> = [
      [{ patterns: 'shop/cart.add' }, /^patterns must be a list of strings, e\.g\. \["shop\/cart\.add"\]; got "shop\/cart\.add"$/],
      [{ pids: 'all', procs: true }, /^pids must be a list of strings, e\.g\. \["<0\.42\.0>"\] or \["all"\]; got "all"$/],
      [{ names: [1], procs: true }, /^names must be a list of strings, e\.g\. \["shop_server"\]; got \[1\]$/],
      [['shop/cart.add'], /^the trace spec must be an object/],
    ];
    for (const [spec, error] of cases) {
      for (const dryRun of [false, true]) {
        const r = agent.start(spec as TraceSpec, dryRun);
        assert.ok(!r.ok && r.code === 'badSpec', JSON.stringify(r));
        assert.match(r.error, error);
      }
    }
    assert.deepEqual(agent.list(), []);
    assert.equal(node.trace, null);
  }));
