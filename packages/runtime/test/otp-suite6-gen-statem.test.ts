// Cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, TIMEOUT, isDown, type GenStatem, type Report } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

const { ok, keepStateAndData, nextEvent, postpone } = genStatem;
const WAIT = 20_000;

test('gen_statem_SUITE: error_format_status — a crash report carries the queued and the postponed events (through formatStatus)', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const m: GenStatem<string, null, never, string, never, void> = {
        name: 'queued_statem',
        callbackMode: 'handleEvent',
        init: () => ok('a', null),
        handleEvent(event) {
          if (event.type === 'cast' && event.content.startsWith('later')) return keepStateAndData([postpone]);
          if (event.type === 'cast' && event.content === 'go') return keepStateAndData([nextEvent('boom'), nextEvent('after1'), nextEvent('after2')]);
          if (event.type === 'internal' && event.content === 'boom') throw new Error('boom');
          return keepStateAndData();
        },
        formatStatus: (s) => ({ ...s, postponed: s.postponed?.map((e) => ('content' in e && e.content === 'later secret' ? { ...e, content: '<redacted>' } : e)) }),
      };
      const pid = await genStatem.start(ctx, m, undefined);
      const ref = ctx.monitor(pid);
      genStatem.cast(ctx, pid, 'later 1');
      genStatem.cast(ctx, pid, 'later secret');
      genStatem.cast(ctx, pid, 'go');
      assert.notEqual(await ctx.receive((x) => isDown(x, ref), WAIT), TIMEOUT);
    });
    const report = logs.map((e) => e.message).find((r): r is Report => typeof r === 'object' && r.kind === 'crash' && r.module === 'queued_statem');
    assert.ok(report, 'a crash report was logged');
    assert.deepEqual(report.lastMessage, { type: 'internal', content: 'boom' });
    assert.deepEqual(report.queue, [
      { type: 'internal', content: 'after1' },
      { type: 'internal', content: 'after2' },
    ]);
    assert.deepEqual(report.postponed, [
      { type: 'cast', content: 'later 1' },
      { type: 'cast', content: '<redacted>' },
    ]);
  });
});
