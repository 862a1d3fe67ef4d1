import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceEvent, formatSummary, formatTree, TracerError, connect, type TraceEvent } from '@otp-ts/tracer';

const ts = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

test('events print as one line with time and pid, or as JSON lines', () => {
  const call: TraceEvent = { kind: 'call', ts, pid: '<0.42.0>', fn: 'shop/cart.add', args: ['"apple"', '2'] };
  assert.equal(formatTraceEvent(call), '03:04:05.678 <0.42.0>    call shop/cart.add("apple", 2)');
  assert.equal(formatTraceEvent({ kind: 'return', ts, pid: undefined, fn: 'shop/cart.add', arity: 2, value: '3', ms: 0.5 }), '03:04:05.678 <?>         return shop/cart.add/2 -> 3 (0.50 ms)');
  assert.equal(formatTraceEvent({ kind: 'receive', ts, pid: '<0.1.0>', from: '<0.2.0>', message: '"hi"' }), '03:04:05.678 <0.1.0>     receive "hi" <- <0.2.0>');
  assert.deepEqual(JSON.parse(formatTraceEvent(call, { json: true })), { ...call, time: '2026-01-02T03:04:05.678Z' });
  assert.equal(formatSummary({ reason: 'limit', events: 10, returns: 0, dropped: 3 }), "trace ended: the event limit was reached (10 events, 3 dropped by the node's buffer); the node keeps no pattern of this session");
  // Returns are counted apart from events, and the dropped count covers both.
  assert.equal(formatSummary({ reason: 'stopped', events: 10, returns: 10, dropped: 15 }), "trace ended: stopped (10 events, 10 returns, 15 of them dropped by the node's buffer); the node keeps no pattern of this session");
});

test('a trace that lost its node says the node is gone, not that the node keeps no pattern', () => {
  assert.equal(formatSummary({ reason: 'nodedown', events: 4, returns: 0, dropped: 0 }), 'trace ended: the connection to the node was lost (4 events); the node is gone (stopped, or out of reach), and this session with it');
});

test('a supervision tree is drawn with branches, pids, the restart count of every child and the restarts of every supervisor in its period', () => {
  const leaf = (label: string, pid: string | undefined, restarted: number) => ({ kind: 'worker' as const, label, pid, name: undefined, module: pid && 'm', restarts: undefined, restarted, children: [] });
  const sub = { kind: 'supervisor' as const, label: 'sub', pid: '<0.9.0>', name: undefined, module: 'sub_sup', restarts: 0, restarted: 1, children: [leaf('c', '<0.10.0>', 0)] };
  const top = { kind: 'supervisor' as const, label: 'shop_sup', pid: '<0.6.0>', name: 'shop_sup', module: 'shop_sup', restarts: 3, restarted: undefined, children: [leaf('a', '<0.7.0>', 0), leaf('b', '<0.8.0>', 2), sub, leaf('d', undefined, 1)] };
  const text = formatTree([{ kind: 'application', label: 'shop', pid: '<0.5.0>', name: undefined, module: 'shop', restarts: undefined, restarted: undefined, children: [top] }]);
  assert.equal(
    text,
    [
      'shop (application, master <0.5.0>)',
      '└─ shop_sup <0.6.0> supervisor, 3 restarts in period',
      '   ├─ a <0.7.0> m, restarts: 0',
      '   ├─ b <0.8.0> m, restarts: 2',
      '   ├─ sub <0.9.0> supervisor, 0 restarts in period, restarts: 1',
      '   │  └─ c <0.10.0> m, restarts: 0',
      '   └─ d not running, restarts: 1',
    ].join('\n'),
  );
});

test('a malformed node name is refused before any connection', async () => {
  await assert.rejects(connect({ node: 'no-at-sign', cookie: 'x' }), (e: unknown) => e instanceof TracerError && e.code === 'badNodeName' && e.isUsage);
});

test("a value carrying terminal controls (an exception's message with ESC, BEL or a newline) prints as one line of escapes, not as commands to the operator's terminal", () => {
  const hostile = 'Error: bad input \u001b[2J\u001b]0;owned\u0007\n03:04:05.678 <0.1.0>     call forged.line()\r\u202e';
  const line = formatTraceEvent({ kind: 'exception', ts, pid: '<0.42.0>', fn: 'shop/cart.add', arity: 2, error: hostile, ms: 0.5 });
  assert.equal(line, '03:04:05.678 <0.42.0>    exception shop/cart.add/2 !! Error: bad input \\u001b[2J\\u001b]0;owned\\u0007\\n03:04:05.678 <0.1.0>     call forged.line()\\r\\u202e (0.50 ms)');
  assert.equal(line.split('\n').length, 1);
  // --json keeps the value as it was: JSON escapes it.
  assert.equal(JSON.parse(formatTraceEvent({ kind: 'receive', ts, pid: '<0.1.0>', from: undefined, message: hostile }, { json: true })).message, hostile);
});

test('a supervisor of more children than the node listed ends with a line counting the rest', () => {
  const leaf = (label: string, pid: string) => ({ kind: 'worker' as const, label, pid, name: undefined, module: 'w', restarts: undefined, restarted: 0, children: [] });
  const pool = { kind: 'supervisor' as const, label: 'pool_sup', pid: '<0.6.0>', name: undefined, module: 'pool_sup', restarts: 0, restarted: undefined, children: [leaf('w', '<0.7.0>'), leaf('w', '<0.8.0>')], more: 99_998 };
  const text = formatTree([{ kind: 'application', label: 'pool', pid: '<0.5.0>', name: undefined, module: 'pool', restarts: undefined, restarted: undefined, children: [pool] }]);
  assert.equal(
    text,
    ['pool (application, master <0.5.0>)', '└─ pool_sup <0.6.0> supervisor, 0 restarts in period', '   ├─ w <0.7.0> w, restarts: 0', '   ├─ w <0.8.0> w, restarts: 0', '   └─ … 99998 more children not listed'].join('\n'),
  );
});
