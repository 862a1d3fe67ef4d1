// A traced process's names come from the traced code: a registered name or a destination of a megabyte is cut to the
// session's characters in each event, as values are, so a batch of events never carries megabytes of names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test("a megabyte registered name, or destination, is cut to the session's characters in register and send events", () =>
  withNode(async (node) => {
    const long = `n${'x'.repeat(1_000_000)}`;
    await node.run(async (ctx) => {
      const worker = node.spawn(async (c) => {
        await c.receive((m) => m === 'go');
        c.register(long);
        c.send(long, 'to myself');
        await c.receive((m) => m === 'to myself');
      });
      const r = await traceAgentOf(node).start({ messages: true, procs: true, pids: [worker.toString()], client: ctx.self(), limit: 3, bounds: { chars: 50 } });
      assert.ok(r.ok, r.ok ? '' : r.error);
      ctx.send(worker, 'go');
      const events: TraceEvent[] = [];
      for (;;) {
        const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x, 10_000)) as TraceMessage | typeof TIMEOUT;
        assert.notEqual(m, TIMEOUT, 'the session sent no done');
        if (m === TIMEOUT || m.otpTrace === 'done') break;
        events.push(...m.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      }
      const register = events.find((e) => e.kind === 'register') as Extract<TraceEvent, { kind: 'register' | 'unregister' }> | undefined;
      const send = events.find((e) => e.kind === 'send') as Extract<TraceEvent, { kind: 'send' }> | undefined;
      assert.ok(register && send, JSON.stringify(events).slice(0, 300));
      assert.equal(register.name, `${long.slice(0, 50)}…`);
      assert.equal(send.to, `${long.slice(0, 50)}…`);
    });
  }));
