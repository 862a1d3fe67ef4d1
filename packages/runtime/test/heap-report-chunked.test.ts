// `otp heap` on a node of many processes: the report used to walk every process (its mailbox sample, its
// estimate) and sort them all in one go, holding the node's event loop for the whole pass, so no timer fired
// and no process waiting on one ran meanwhile. It now goes a chunk per turn of the loop, as `otp procs` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode, type Pid } from '../src/index.ts';
import { heapReport } from '../src/trace/heap.ts';

async function withNode(body: (node: OtpNode) => Promise<void>): Promise<void> {
  const node = createNode({ onCrash: () => {} });
  try {
    await body(node);
  } finally {
    node.shutdown();
  }
}

test('a heap report over 50 000 processes lets a process waiting on a timer run while it goes, and counts them all', { timeout: 300_000 }, () =>
  withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 50_000; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    // One process with a backlog, the largest by far: it must still come out first.
    for (let k = 0; k < 2000; k++) node.send(pids[31_337]!, { filler: k, pad: 'x'.repeat(50) });
    let finished = false;
    // A process of the node that sleeps (a timer, so a turn of the event loop) and counts its wake-ups during the report.
    let wakeups = 0;
    node.spawn(async (ctx) => {
      while (!finished) {
        await ctx.sleep(0);
        if (!finished) wakeups++;
      }
    });
    const before = node.processCount;
    const r = await heapReport(node, 3).finally(() => (finished = true));
    assert.ok(wakeups > 0, 'a process of the node ran (a timer fired) while its heap report ran');
    assert.equal(r.processCount, before);
    assert.equal(r.messages, 2000);
    assert.equal(r.processes.length, 3);
    assert.equal(r.processes[0]!.pid, pids[31_337]!.toString());
    assert.equal(r.processes[0]!.messages, 2000);
    for (const p of pids) node.send(p, 'stop');
  }));
