// Notices say what a trace no longer shows: a client too slow to read (its buffer full, its credit spent) still gets
// every `untraced` line, and a load that leaves a session with nothing traced says so in the line it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, loggerOf, type ProcessContext } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

const v1 = `
export function add(ctx: unknown, item: string) { return item; }
export function remove(item: string) { return item; }
export function keep(n: number) { return n; }
`;
const load = (vsn: string, text: string) => ({ name: 'shop/cart', code: transformSync(text, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/cart.ts', vsn });
const isTrace = (x: unknown): x is TraceMessage => typeof x === 'object' && x !== null && 'otpTrace' in x;

test('a client that reads nothing still gets every untraced notice, and the load that leaves nothing traced says so', () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load(load('1', v1));
    const cart = () => code.exportsOf('shop/cart') as unknown as { add(ctx: ProcessContext, item: string): unknown; keep(n: number): unknown };
    await node.run(async (ctx) => {
      const r = await traceAgentOf(node).start({ patterns: ['shop/cart.add', 'shop/cart.remove'], bufferSize: 2, limit: 100_000, timeMs: 600_000, client: ctx.self() });
      assert.ok(r.ok, r.ok ? '' : r.error);
      // Two batches go out unacknowledged (the session's credit); this client acknowledges none of them yet.
      const got: TraceMessage[] = [];
      while (got.length < 2) {
        cart().add(ctx, `item${got.length}`);
        got.push((await ctx.receive(isTrace)) as TraceMessage);
      }
      // The buffer fills and overflows: these calls are dropped and counted.
      for (let i = 0; i < 10; i++) cart().add(ctx, `more${i}`);
      await code.load(load('2', v1.replace(/export function remove.*\n/, '')));
      await code.load(load('3', v1.replace(/export function (remove|add).*\n/g, '')));
      cart().keep(1);
      ctx.send(r.pid!, { otpTrace: 'ack' });
      ctx.send(r.pid!, { otpTrace: 'ack' });
      const events: TraceEvent[] = got.flatMap((m) => (m.otpTrace === 'events' ? m.events : []));
      const notices = () => events.filter((e) => e.kind === 'untraced');
      while (notices().length < 2) {
        const m = (await ctx.receive(isTrace)) as TraceMessage;
        if (m.otpTrace !== 'events') assert.fail(`the session ended (${m.reason}) before its notices came`);
        events.push(...m.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      }
      const [removed, added] = notices() as Array<Extract<TraceEvent, { kind: 'untraced' | 'retraced' }>>;
      assert.equal(removed!.fn, 'shop/cart.remove');
      assert.match(removed!.reason, /^version 2 of shop\/cart removed it; this session traces it again if a later version lets it$/);
      assert.equal(added!.fn, 'shop/cart.add');
      assert.match(added!.reason, /^version 3 of shop\/cart removed it; this session traces it again if a later version lets it; nothing this session traces is traced now: it ends at its time limit \(Ctrl-C stops it\) unless a later version brings a function back$/);
      traceAgentOf(node).stop(r.session);
      let done: TraceMessage;
      do done = (await ctx.receive(isTrace)) as TraceMessage;
      while (done.otpTrace !== 'done');
      assert.equal(done.reason, 'stopped');
      assert.ok(done.dropped >= 8, `dropped ${done.dropped}`);
    });
  }));
