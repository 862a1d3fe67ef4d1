// A trace session started over rpc with no client is tied to the process that called: it ends when that process
// (or its node) goes, as recon's tracer ends with its shell, rather than running on to its time limit. Real TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, loggerOf, rpc } from '@otp-ts/runtime';
import { EpmdServer, MAX_UNOWNED_TRACE_MS, traceAgentOf, type TraceStartResult } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

test('a session started over rpc with no client ends when the calling node goes, and when the calling process ends', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const traced = createNode();
  const caller = createNode();
  await traced.startDistribution({ name: 'owner_traced@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  await caller.startDistribution({ name: 'owner_caller@127.0.0.1', cookie: 'sekrit', epmdPort, hidden: true, log: () => {} });
  try {
    // A local caller process that ends after the call.
    const local = (await traced.run((ctx) => rpc.call(ctx, 'owner_traced@127.0.0.1', 'otp_trace', 'start', [{ procs: true, timeMs: 86_400_000 }]))) as TraceStartResult;
    assert.ok(local.ok, JSON.stringify(local));
    await waitFor('the session of the ended local caller to end', () => traceAgentOf(traced).list().length === 0);
    // A caller on another node, which then goes away (as `otp rpc` exits).
    const remote = (await caller.run((ctx) => rpc.call(ctx, 'owner_traced@127.0.0.1', 'otp_trace', 'start', [{ procs: true, timeMs: 86_400_000 }]))) as TraceStartResult;
    assert.ok(remote.ok, JSON.stringify(remote));
    caller.shutdown();
    await waitFor('the session of the gone node to end', () => traceAgentOf(traced).list().length === 0);
    assert.equal(traced.trace, null, 'no trace hook is left set');
  } finally {
    traced.shutdown();
    caller.shutdown();
    await epmd.close();
  }
});

test('a session started by an rpc cast, which has no owner, runs at most MAX_UNOWNED_TRACE_MS: a longer one is refused, and the node logs why', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const traced = createNode();
  const caster = createNode();
  await traced.startDistribution({ name: 'cast_traced@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  await caster.startDistribution({ name: 'cast_caller@127.0.0.1', cookie: 'sekrit', epmdPort, hidden: true, log: () => {} });
  const logged: string[] = [];
  loggerOf(traced).addHandler({ id: 'cast-test', log: (_e, text) => logged.push(text) });
  try {
    await caster.run(async (ctx) => rpc.cast(ctx, 'cast_traced@127.0.0.1', 'otp_trace', 'start', [{ procs: true, timeMs: 86_400_000 }]));
    await waitFor('the refusal of the cast start in the log', () => logged.some((l) => l.includes('refused')));
    assert.deepEqual(traceAgentOf(traced).list(), [], 'no session runs for nobody');
    assert.match(logged.join('\n'), new RegExp(`runs at most ${MAX_UNOWNED_TRACE_MS} ms, got timeMs 86400000`));
    // Within the bound it runs, and ends at its time limit.
    await caster.run(async (ctx) => rpc.cast(ctx, 'cast_traced@127.0.0.1', 'otp_trace', 'start', [{ procs: true, timeMs: 300 }]));
    await waitFor('the cast session to start', () => logged.some((l) => /trace session s\d+ started by an rpc cast: it ends at its time limit/.test(l)));
    await waitFor('the cast session to end at its time limit', () => traceAgentOf(traced).list().length === 0);
    assert.equal(traced.trace, null, 'no trace hook is left set');
  } finally {
    loggerOf(traced).removeHandler('cast-test');
    traced.shutdown();
    caster.shutdown();
    await epmd.close();
  }
});
