// Starting or stopping a message trace flags every process it follows. On a node of 100 000 processes that pass used to
// run in one go, holding the node (every process, every timer) for the whole of it at each start and each stop. It now
// gives the event loop back between chunks, and a process spawned meanwhile is followed as the session's scope says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMEOUT, type Pid } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

test('a message trace starts and stops on 100 000 processes without holding the node, and follows a process spawned mid-start', { timeout: 120_000 }, () =>
  withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 100_000; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop'))));
    // A process that sleeps on a timer, counting each time it gets to run.
    let runs = 0;
    let sleeping = true;
    node.spawn(async (ctx) => {
      while (sleeping) {
        await ctx.sleep(1);
        runs++;
      }
    });
    const agent = traceAgentOf(node);
    await node.run(async (ctx) => {
      const before = runs;
      const starting = agent.start({ messages: true, pids: ['all'], limit: 5, timeMs: 60_000, client: ctx.self() });
      // Spawned while the start is still flagging the others: 'all' follows it.
      const late = node.spawn(async (c) => void c.send(ctx.self(), 'hello from late'));
      // The start answers once every process is flagged.
      const r = await starting;
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.ok(runs > before, 'the sleeping process ran while the session flagged 100 000 processes');
      assert.ok(pids.every((p) => node.localProcess(p)!.traced), 'every process is flagged when the start answers');
      const events: TraceEvent[] = [];
      for (;;) {
        const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === r.session, 10_000)) as TraceMessage | typeof TIMEOUT;
        assert.notEqual(m, TIMEOUT, 'the session sent its events');
        if (m === TIMEOUT || m.otpTrace !== 'events') break;
        events.push(...m.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
        if (events.some((e) => e.kind === 'send' && e.pid === late.toString())) break;
      }
      assert.ok(events.some((e) => e.kind === 'send' && e.pid === late.toString()), `the process spawned mid-start was traced: ${JSON.stringify(events)}`);
      const beforeStop = runs;
      assert.equal(agent.stop(r.session), true);
      await agent.settled();
      assert.ok(runs > beforeStop, 'the sleeping process ran while the stop cleared 100 000 processes');
    });
    sleeping = false;
    for (const p of pids) node.send(p, 'stop');
  }));

// `new` and `existing` keep the pid mark of the start, not a set of every process alive then (a set that also held
// the exited ones for the whole session): which processes they follow is what it was.
for (const scope of ['new', 'existing'] as const) {
  test(`a message trace of --pid ${scope} follows only the processes ${scope === 'new' ? 'spawned after' : 'alive at'} its start`, () =>
    withNode(async (node) => {
      await node.run(async (ctx) => {
        const old = ctx.spawn(async (c) => {
          await c.receive((m) => m === 'go');
          c.send(ctx.self(), 'from old');
        });
        const r = await traceAgentOf(node).start({ messages: true, pids: [scope], timeMs: 30_000, client: ctx.self() });
        assert.ok(r.ok, r.ok ? '' : r.error);
        const go = (): void => ctx.send(old, 'go');
        const spawnFresh = (): Pid => ctx.spawn((c) => void c.send(ctx.self(), 'from fresh'));
        // The process the trace must not follow acts first: its event would come before the one awaited.
        let fresh: Pid | undefined;
        if (scope === 'new') {
          go();
          await ctx.receive((m) => m === 'from old');
          fresh = spawnFresh();
          await ctx.receive((m) => m === 'from fresh');
        } else {
          fresh = spawnFresh();
          await ctx.receive((m) => m === 'from fresh');
          go();
          await ctx.receive((m) => m === 'from old');
        }
        const wanted = (scope === 'new' ? fresh : old).toString();
        const unwanted = (scope === 'new' ? old : fresh).toString();
        const events: TraceEvent[] = [];
        while (!events.some((e) => e.kind === 'send' && e.pid === wanted)) {
          const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === r.session, 10_000)) as TraceMessage | typeof TIMEOUT;
          if (m === TIMEOUT || m.otpTrace !== 'events') assert.fail(`no send from ${wanted} was traced: ${JSON.stringify(events)}`);
          events.push(...m.events);
          ctx.send(r.pid!, { otpTrace: 'ack' });
        }
        assert.ok(!events.some((e) => e.pid === unwanted), `${unwanted} is outside --pid ${scope}: ${JSON.stringify(events)}`);
        traceAgentOf(node).stop(r.session);
      });
    }));
}
