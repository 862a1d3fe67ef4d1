// Model-based test of process aliases (issue 17; OTP 24's alias/unalias and monitor/3 with {alias, _}):
// random plain aliases ('explicitUnalias', 'reply') and monitor aliases ('explicitUnalias', 'demonitor',
// 'replyDemonitor') on a few target processes, random sends through them (from the owner and from another
// process), unalias, demonitor and target deaths; after each step the owner's mailbox holds exactly what a
// model of which aliases are active and which monitors are alive says, and unalias answers what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Down, type Pid, type ProcessContext, type Ref } from '@otp-ts/runtime';
import { idle, leftovers, withNode } from './helpers.ts';

const TARGETS = 2;
const WAIT = 30_000;

type Mode = 'explicitUnalias' | 'reply' | 'demonitor' | 'replyDemonitor';
type Op =
  | { op: 'alias'; mode: 'explicitUnalias' | 'reply' | null }
  | { op: 'monitor'; mode: 'explicitUnalias' | 'demonitor' | 'replyDemonitor'; target: number }
  | { op: 'send'; alias: number; fromOwner: boolean }
  | { op: 'unalias' | 'demonitor'; alias: number }
  | { op: 'kill'; target: number };

const target = fc.integer({ min: 0, max: TARGETS - 1 });
const pick = fc.nat(20);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('alias' as const), mode: fc.constantFrom('explicitUnalias' as const, 'reply' as const, null) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('monitor' as const), mode: fc.constantFrom('explicitUnalias' as const, 'demonitor' as const, 'replyDemonitor' as const), target }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('send' as const), alias: pick, fromOwner: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constantFrom('unalias' as const, 'demonitor' as const), alias: pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('kill' as const), target }), weight: 1 },
);

// One alias of the model: whether it is active, and for a monitor alias whether its monitor is alive and on which target.
interface Entry {
  ref: Ref;
  mode: Mode;
  active: boolean;
  monitor: { target: number; alive: boolean } | null;
}

const describe = (m: unknown): string => (m instanceof Down ? `DOWN ${m.ref.id} ${String(m.reason)}` : JSON.stringify(m));

async function run(ctx: ProcessContext, ops: Op[]): Promise<void> {
  const targets: Pid[] = [];
  for (let i = 0; i < TARGETS; i++) targets.push(ctx.spawn(idle));
  const entries: Entry[] = [];
  let n = 0;
  for (const o of ops) {
    const expected: string[] = [];
    switch (o.op) {
      case 'alias': {
        const ref = o.mode === null ? ctx.alias() : ctx.alias(o.mode);
        entries.push({ ref, mode: o.mode ?? 'explicitUnalias', active: true, monitor: null });
        break;
      }
      case 'monitor': {
        const ref = ctx.monitor(targets[o.target]!, { alias: o.mode });
        entries.push({ ref, mode: o.mode, active: true, monitor: { target: o.target, alive: true } });
        break;
      }
      case 'send': {
        const e = entries[o.alias % Math.max(entries.length, 1)];
        if (e === undefined) break;
        const message = { n: n++ };
        if (o.fromOwner) ctx.send(e.ref, message);
        else ctx.node.send(e.ref, message);
        if (e.active) {
          expected.push(describe(message));
          if (e.mode === 'reply') e.active = false;
          if (e.mode === 'replyDemonitor') {
            e.active = false;
            e.monitor!.alive = false;
          }
        }
        break;
      }
      case 'unalias': {
        const e = entries[o.alias % Math.max(entries.length, 1)];
        if (e === undefined) break;
        assert.equal(ctx.unalias(e.ref), e.active, `unalias of a ${e.mode} alias answers whether it was active`);
        e.active = false;
        break;
      }
      case 'demonitor': {
        const e = entries[o.alias % Math.max(entries.length, 1)];
        if (e === undefined) break;
        ctx.demonitor(e.ref);
        if (e.monitor !== null) {
          e.monitor.alive = false;
          if (e.mode === 'demonitor' || e.mode === 'replyDemonitor') e.active = false;
        }
        break;
      }
      case 'kill': {
        const victim = targets[o.target]!;
        const sync = ctx.monitor(victim);
        ctx.exit(victim, 'kill');
        // Every monitor's DOWN is delivered once this one is (they are sent together, in the same exit).
        const down = await ctx.receive((m) => m instanceof Down && m.ref === sync, WAIT);
        assert.ok(down instanceof Down, 'the target died');
        for (const e of entries) {
          if (e.monitor?.target !== o.target || !e.monitor.alive) continue;
          expected.push(describe(new Down(e.ref, victim, 'killed')));
          e.monitor.alive = false;
          if (e.mode === 'demonitor' || e.mode === 'replyDemonitor') e.active = false;
        }
        targets[o.target] = ctx.spawn(idle);
        break;
      }
    }
    const got = (await leftovers(ctx)).map(describe);
    assert.deepEqual(got.sort(), expected.sort(), `after ${JSON.stringify(o)}`);
  }
  // Every alias still active delivers; the others drop.
  for (const e of entries) {
    const message = { n: n++ };
    ctx.node.send(e.ref, message);
    assert.deepEqual((await leftovers(ctx)).map(describe), e.active ? [describe(message)] : [], `a final send through a ${e.mode} alias that is ${e.active ? '' : 'in'}active`);
    if (e.mode === 'reply' || e.mode === 'replyDemonitor') e.active = false;
  }
  for (const t of targets) ctx.exit(t, 'kill');
}

test('process_SUITE alias_bif / monitor_alias (model): messages through aliases arrive exactly while the model says each is active, under sends, unalias, demonitor and deaths', async () => {
  await withNode(async (node) => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => node.run((ctx) => run(ctx, ops))),
      { numRuns: 300 },
    );
  });
});

test('process_SUITE monitor_alias (unalias after DOWN): a demonitor or replyDemonitor alias is inactive once its DOWN is out, so unalias answers false', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      for (const mode of ['demonitor', 'replyDemonitor'] as const) {
        for (const dead of [false, true]) {
          const target = ctx.spawn(idle);
          const sync = ctx.monitor(target);
          if (dead) {
            ctx.exit(target, 'kill');
            await ctx.receive((m) => m instanceof Down && m.ref === sync, WAIT);
          }
          const alias = ctx.monitor(target, { alias: mode });
          if (!dead) {
            ctx.exit(target, 'kill');
            await ctx.receive((m) => m instanceof Down && m.ref === sync, WAIT);
          }
          assert.deepEqual((await leftovers(ctx)).map(describe), [describe(new Down(alias, target, dead ? 'noproc' : 'killed'))]);
          assert.equal(ctx.unalias(alias), false, `unalias of a ${mode} alias whose monitor ${dead ? 'found no process' : 'fired'}`);
        }
      }
    }),
  );
});
