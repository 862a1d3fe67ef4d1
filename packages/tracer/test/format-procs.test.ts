import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProcs, type ProcRow } from '@otp-ts/tracer';

const row: ProcRow = { pid: '<0.42.0>', name: 'cart', label: 'gen_server shop/cart', memory: 2048, mailbox: 3, reductions: 120, value: 120 };

test('procs by an absolute figure shows each column once: the ranked one is already in the table', () => {
  for (const by of ['memory', 'mailbox', 'reductions']) {
    const [head] = formatProcs([row], by).split('\n');
    assert.deepEqual(head!.split(/\s+/), ['PID', 'NAME', 'RUNS', 'MEMORY', 'MAILBOX', 'REDUCTIONS'], by);
  }
});

test('procs over a window adds the growth it ranks by as its own column', () => {
  const [head, line] = formatProcs([{ ...row, value: 7 }], 'reductions', 1000).split('\n');
  assert.match(head!, /REDUCTIONS {2}REDUCTIONS \+1000ms$/);
  assert.match(line!, / 120 +7$/);
});

test('a registered name carrying terminal controls (made from input) is one escaped cell: the table keeps its rows and columns and drives no terminal', () => {
  const text = formatProcs([{ ...row, name: 'user_\u001b[2J\nforged' }, row], 'memory');
  const lines = text.split('\n');
  assert.equal(lines.length, 3, text);
  assert.match(lines[1]!, /^<0\.42\.0> {2}user_\\u001b\[2J\\nforged {2}gen_server shop\/cart/);
  assert.ok(!text.includes(String.fromCharCode(27)), 'no raw ESC is printed');
});
