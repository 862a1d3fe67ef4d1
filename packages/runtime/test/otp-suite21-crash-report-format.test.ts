// The messages a crash report lists (proc_lib's `messages`) go through the behaviour's formatStatus with the state,
// as OTP's gen_server and gen_statem pass the queue through format_status: what it redacts (a card number in a
// queued message) stays out of the log, and a formatStatus that fails leaves the messages out altogether.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, noreply, ok, type GenServer, type GenStatem, type LogEvent, type Pid } from '@otp-ts/runtime';
import { ended, quietLogs, withNode } from './helpers.ts';

type Crash = { kind: 'crash'; pid: Pid; messageQueueLen: number; messages: unknown[] };
type Card = { card: string };

const SECRET = '4111111111111111';
const redact = (messages: unknown[] | undefined): unknown[] | undefined => messages?.map((m) => (typeof m === 'object' && m !== null && 'card' in m ? { card: '<redacted>' } : m));

// A server that, on 'block', waits for 'go' alone (the cards sent meanwhile stay queued), then crashes.
function blocker(formatStatus: GenServer<string, never, 'block'>['formatStatus']): GenServer<string, never, 'block'> {
  return {
    name: 'card_server',
    init: () => ok('state'),
    async handleCast(_req, state, ctx) {
      await ctx.receive((m) => m === 'go');
      if (state === 'state') throw new Error('crashed with cards queued');
      return noreply(state);
    },
    formatStatus,
  };
}

function reportOf(logs: LogEvent[], pid: Pid): Crash {
  const found = logs.map((e) => e.message as Crash).find((m) => m?.kind === 'crash' && m.pid.equals(pid));
  assert.ok(found, `a crash report for ${String(pid)}`);
  return found;
}

const cards = (n: number): Card[] => Array.from({ length: n }, () => ({ card: SECRET }));

test('gen_server: the queued messages of a crash report are those formatStatus returns', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, blocker((s) => ({ ...s, messages: redact(s.messages) })), undefined);
      genServer.cast(ctx, pid, 'block');
      for (const c of cards(2)) ctx.send(pid, c);
      ctx.send(pid, 'plain');
      ctx.send(pid, 'go');
      await ended(ctx, pid);
      const report = reportOf(logs, pid);
      assert.deepEqual(report.messages, [{ card: '<redacted>' }, { card: '<redacted>' }, 'plain']);
      assert.equal(report.messageQueueLen, 3, 'the count is the queue as it is');
      assert.ok(!JSON.stringify(report.messages).includes(SECRET));
    });
  });
});

test('gen_server: a formatStatus that throws leaves the queued messages out of the crash report', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, blocker((s) => { if (s.context === 'terminate') throw new Error('formatter bug'); return s; }), undefined);
      genServer.cast(ctx, pid, 'block');
      for (const c of cards(2)) ctx.send(pid, c);
      ctx.send(pid, 'go');
      await ended(ctx, pid);
      const report = reportOf(logs, pid);
      assert.deepEqual(report.messages, []);
      assert.match(String((report as unknown as { state: unknown }).state), /formatStatus crashed/);
    });
  });
});

test('gen_statem: the queued messages of a crash report are those formatStatus returns', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const machine: GenStatem<'idle', null, never, 'block'> = {
      name: 'card_machine',
      callbackMode: 'handleEvent',
      init: () => genStatem.ok('idle', null),
      async handleEvent(event, _state, _data, ctx) {
        if (event.type === 'cast') {
          await ctx.receive((m) => m === 'go');
          throw new Error('crashed with cards queued');
        }
        return genStatem.keepStateAndData();
      },
      formatStatus: (s) => ({ ...s, messages: redact(s.messages) }),
    };
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine, undefined);
      genStatem.cast(ctx, pid, 'block');
      for (const c of cards(3)) ctx.send(pid, c);
      ctx.send(pid, 'go');
      await ended(ctx, pid);
      const report = reportOf(logs, pid);
      assert.deepEqual(report.messages, [{ card: '<redacted>' }, { card: '<redacted>' }, { card: '<redacted>' }]);
      assert.equal(report.messageQueueLen, 3);
    });
  });
});
