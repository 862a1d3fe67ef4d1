// proc_lib's crash report (lib/stdlib/src/proc_lib.erl's crasher info): besides the queue length it carries the
// queued messages themselves (bounded, as proc_lib bounds them by the logger's depth) and the crasher's status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, noreply, ok, type GenServer, type LogEvent, type Pid } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';

type Crash = { kind: 'crash'; pid: Pid; messageQueueLen: number; messages: unknown[]; status: string; reductions: number };

// A server that, on 'block', waits for 'go' alone (the other messages stay queued), then crashes.
const blocker: GenServer<null, never, 'block'> = {
  name: 'crash_report_blocker',
  init: () => ok(null),
  async handleCast(_req, state, ctx) {
    await ctx.receive((m) => m === 'go');
    if (state === null) throw new Error('crashed with messages queued');
    return noreply(state);
  },
};

function reportOf(logs: LogEvent[], pid: Pid): Crash {
  const found = logs.map((e) => e.message as Crash).find((m) => m?.kind === 'crash' && m.pid.equals(pid));
  assert.ok(found, `a crash report for ${String(pid)}`);
  return found;
}

test('a crash report lists the queued messages, oldest first, and the status running, as proc_lib', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, blocker, undefined);
      genServer.cast(ctx, pid, 'block');
      for (let i = 0; i < 3; i++) ctx.send(pid, { queued: i });
      ctx.send(pid, 'go');
      await ended(ctx, pid);
      const report = reportOf(logs, pid);
      assert.equal(report.messageQueueLen, 3);
      assert.deepEqual(report.messages, [{ queued: 0 }, { queued: 1 }, { queued: 2 }]);
      assert.equal(report.status, 'running');
      assert.ok(report.reductions > 0);
    });
  });
});

test('a crasher with 200,000 queued messages reports the oldest 10 and their count, not all of them', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, blocker, undefined);
      genServer.cast(ctx, pid, 'block');
      for (let i = 0; i < 200_000; i++) ctx.send(pid, i);
      ctx.send(pid, 'go');
      await ended(ctx, pid);
      const report = reportOf(logs, pid);
      assert.equal(report.messageQueueLen, 200_000);
      assert.deepEqual(report.messages, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
});
