import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf, type ProcessContext } from '@otp-ts/runtime';
import { traceAgentOf, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// A call that waits on something the module holds (a reply, a socket): its promise stays reachable as long as the module.
const source = `
export const waiting: Array<() => void> = [];
export function hang(n: number): Promise<number> { return new Promise((resolve) => { waiting.push(() => resolve(n * 2)); }); }
`;

async function untilDone(ctx: ProcessContext, session: string, pid: runtime.Pid): Promise<void> {
  for (;;) {
    const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === session, 10_000)) as TraceMessage | typeof runtime.TIMEOUT;
    if (m === runtime.TIMEOUT) throw new Error('no done');
    if (m.otpTrace === 'done') return;
    ctx.send(pid, { otpTrace: 'ack' });
  }
}

test('an async traced call that never settles holds no ended session: the session is collected while the call still waits', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/hang', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/hang.ts' });
    const mod = code.exportsOf('shop/hang') as unknown as { waiting: Array<() => void>; hang(n: number): Promise<number> };
    const agent = traceAgentOf(node);
    let collected = false;
    const registry = new FinalizationRegistry(() => (collected = true));
    const pending: Array<Promise<number>> = [];
    await node.run(async (ctx) => {
      const r = await agent.start({ patterns: ['shop/hang.hang'], returns: true, client: ctx.self() });
      assert.ok(r.ok);
      // The session object, reached as the agent holds it, only to watch it be collected.
      registry.register((agent as unknown as { sessions: Map<string, object> }).sessions.get(r.session)!, r.session);
      pending.push(mod.hang(1), mod.hang(2));
      assert.ok(agent.stop(r.session));
      await untilDone(ctx, r.session, r.pid!);
      // The session's process is gone: the agent no longer lists the session.
      for (const until = Date.now() + 10_000; (agent as unknown as { sessions: Map<string, object> }).sessions.has(r.session); ) {
        assert.ok(Date.now() < until, 'the session never left the agent');
        await ctx.sleep(10);
      }
    });
    for (const until = Date.now() + 20_000; !collected; ) {
      assert.ok(Date.now() < until, 'the ended session was never collected: a pending wrapper still holds it');
      gc();
      await new Promise<void>((r) => setImmediate(r));
    }
    // The calls still answer their callers once they settle, the session long gone.
    for (const settle of mod.waiting) settle();
    assert.deepEqual(await Promise.all(pending), [2, 4]);
  }));
