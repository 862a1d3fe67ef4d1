// A trace of named processes (--pid, --name) whose processes all exit: nothing more can come, yet the session
// ran on to its time limit (15 s by default, or the --time given) with the client waiting for events that could
// not come. It now ends once the last of them is gone ('processes gone'), after their exit events; a session
// following every process, or the new ones, is not ended by one exiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, type Pid } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('a trace of two named processes ends as processes gone once both exited, their exit events sent first', { timeout: 60_000 }, () =>
  withNode(async (node) => {
    const mortal = () => node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'die')));
    const a = mortal();
    const b = mortal();
    const other = mortal();
    const got = await node.run(async (ctx) => {
      const agent = traceAgentOf(node);
      const r = await agent.start({ pids: [a.toString(), b.toString()], procs: true, messages: true, timeMs: 3_600_000, limit: 1000, client: ctx.self() });
      assert.ok(r.ok, JSON.stringify(r));
      // Another session follows every process: one exiting does not end it.
      const all = await agent.start({ procs: true, timeMs: 3_600_000, limit: 1000, client: ctx.self() });
      assert.ok(all.ok, JSON.stringify(all));
      const kill = (p: Pid) => ctx.send(p, 'die');
      kill(a);
      kill(other);
      kill(b);
      const events: TraceEvent[] = [];
      for (;;) {
        const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && (x as TraceMessage).session === r.session, 30_000)) as TraceMessage | typeof TIMEOUT;
        assert.notEqual(m, TIMEOUT, 'the session of the two processes ended within 30 s (its time limit is an hour)');
        if (m === TIMEOUT) return assert.fail();
        if (m.otpTrace === 'events') {
          events.push(...m.events);
          ctx.send(r.pid!, { otpTrace: 'ack' });
          continue;
        }
        assert.ok(agent.list().some((s) => s.session === all.session), 'the session of every process runs on');
        agent.stop(all.session);
        return { done: m, events };
      }
    });
    assert.equal(got.done.reason, 'processes gone');
    const exits = got.events.filter((e) => e.kind === 'exit').map((e) => e.pid);
    assert.deepEqual(exits.sort(), [a.toString(), b.toString()].sort());
    await new Promise((r) => setImmediate(r));
    assert.equal(node.trace, null, 'no trace hook is left set');
  }));
