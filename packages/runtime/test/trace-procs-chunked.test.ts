// `otp procs` and `otp top` on a node of many processes: the ranking pass used to build every process's info and sort
// them all in one go, holding the node's event loop (a few hundred ms for 100 000 processes at each sample of `otp top`).
// It now goes in chunks, giving the loop back between them, and keeps only the best rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pid } from '@otp-ts/runtime';
import { topProcesses } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('procs over 10 000 processes gives the event loop back during its pass and ranks as a full sort does', { timeout: 60_000 }, () =>
  withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 10_000; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    // A few processes with mailboxes of known lengths, some equal (ties keep the node's order).
    const lengths = [5, 9, 2, 9, 7];
    lengths.forEach((n, i) => {
      for (let k = 0; k < n; k++) node.send(pids[1000 * (i + 1)]!, { filler: k });
    });
    let turns = 0;
    let ranking = true;
    const ticking = (): void => void setImmediate(() => ranking && (turns++, ticking()));
    ticking();
    const rows = await topProcesses(node, 'mailbox', 4);
    ranking = false;
    const turnsDuring = turns;
    assert.ok(turnsDuring > 0, 'the event loop ran other work while procs ranked 10 000 processes');
    const expected = node
      .processes()
      .flatMap((p) => node.processInfo(p) ?? [])
      .map((i) => ({ pid: i.pid.toString(), value: i.messageQueueLen }))
      .sort((a, b) => b.value - a.value)
      .slice(0, 4);
    assert.deepEqual(rows.map((r) => ({ pid: r.pid, value: r.value })), expected);
    assert.deepEqual(rows.map((r) => r.mailbox), [9, 9, 7, 5]);
    // More rows than the selection keeps takes the full sort: every process, in the same order.
    const all = await topProcesses(node, 'mailbox', 20_000);
    assert.equal(all.length, node.processCount);
    assert.deepEqual(all.slice(0, 4).map((r) => r.pid), expected.map((r) => r.pid));
    for (const p of pids) node.send(p, 'stop');
  }));
