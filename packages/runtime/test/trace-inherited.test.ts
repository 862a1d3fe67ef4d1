import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, genServer, loggerOf, type ProcessContext } from '@otp-ts/runtime';
import { traceAgentOf, type TraceEvent, type TraceMessage, type TraceSpec } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';

// A gen_server whose callbacks are an instance of a class the module does not export: its methods live on the
// class's prototype, not on the exported object, and are traced as `module.server.method` all the same.
const source = `
import { ok, reply, noreply } from '@otp-ts/runtime';
class Counter {
  init() { return ok({ n: 0 }); }
  handleCall(req: { by: number }, _from: unknown, s: { n: number }) { s.n += req.by; return reply(s.n, s); }
  handleCast(_m: unknown, s: unknown) { return noreply(s); }
}
class Loud extends Counter { shout() { return 'hey'; } }
export const server = new Counter();
export const loud = new Loud();
export const sealed = Object.freeze(new Counter());
`;

async function traceAs(ctx: ProcessContext, spec: TraceSpec) {
  const r = await traceAgentOf(ctx.node).start({ ...spec, client: ctx.self() });
  assert.ok(r.ok, r.ok ? '' : r.error);
  const events: TraceEvent[] = [];
  const collect = async (): Promise<{ reason: string; events: TraceEvent[] }> => {
    for (;;) {
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'otpTrace' in x && (x as TraceMessage).session === r.session, 5000)) as TraceMessage | typeof runtime.TIMEOUT;
      if (m === runtime.TIMEOUT) throw new Error(`session ${r.session} sent no done within 5000 ms`);
      if (m.otpTrace === 'events') {
        events.push(...m.events);
        ctx.send(r.pid!, { otpTrace: 'ack' });
      } else return { reason: m.reason, events };
    }
  };
  return { functions: r.functions, collect };
}

test("a gen_server's callbacks made by a class the module keeps to itself are traced by the exported object's name, and left as they were", () =>
  withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load({ name: 'shop/inst', code: transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: '/virtual/shop/inst.ts' });
    const mod = code.exportsOf('shop/inst') as Record<string, object>;
    const server = mod.server!;
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, server as never, undefined);
      const t = await traceAs(ctx, { patterns: ['shop/inst.server.handleCall'], limit: 2, returns: true });
      assert.deepEqual(t.functions, ['shop/inst.server.handleCall']);
      // While traced the wrapper is not enumerable: the object's keys and a spread of it are what they were.
      assert.deepEqual(Object.keys(server), []);
      assert.equal(await genServer.call(ctx, pid, { by: 2 }), 2);
      assert.equal(await genServer.call(ctx, pid, { by: 3 }), 5);
      const { reason, events } = await t.collect();
      assert.equal(reason, 'limit');
      assert.deepEqual(events.map((e) => `${e.kind} ${'fn' in e ? e.fn : ''}`), ['call shop/inst.server.handleCall', 'return shop/inst.server.handleCall', 'call shop/inst.server.handleCall', 'return shop/inst.server.handleCall']);
      // The trace is over: the object has no own handleCall again, its class's method shows through.
      assert.equal(Object.hasOwn(server, 'handleCall'), false);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
      assert.equal(await genServer.call(ctx, pid, { by: 1 }), 6);

      // A wildcard over the object finds what it inherits, from every class up its chain, and names them in a dry run.
      const dry = await traceAgentOf(node).start({ patterns: ['shop/inst.loud.*'], client: ctx.self() }, true);
      assert.ok(dry.ok, dry.ok ? '' : dry.error);
      assert.deepEqual([...dry.functions].sort(), ['shop/inst.loud.handleCall', 'shop/inst.loud.handleCast', 'shop/inst.loud.init', 'shop/inst.loud.shout']);

      // A near miss names the inherited method.
      const miss = await traceAgentOf(node).start({ patterns: ['shop/inst.server.handleCal'], client: ctx.self() });
      assert.equal(miss.ok, false);
      if (!miss.ok) assert.match(miss.error, /closest: shop\/inst\.server\.handleCall/);

      // A frozen instance cannot take an own wrapper: refused by name, nothing wrapped.
      const frozen = await traceAgentOf(node).start({ patterns: ['shop/inst.sealed.handleCall'], client: ctx.self() });
      assert.equal(frozen.ok, false);
      if (!frozen.ok) assert.match(frozen.error, /^shop\/inst\.sealed\.handleCall cannot be traced: shop\/inst\.sealed is frozen \(Object\.freeze\)/);
      assert.deepEqual(traceAgentOf(node).tracedFunctions(), []);
    });
  }));
