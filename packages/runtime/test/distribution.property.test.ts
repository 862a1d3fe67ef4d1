import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createNode, Down, Exit, type Pid, type ProcessContext, type Ref } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

type Op = { t: 'spawn' } | { t: 'link'; k: number } | { t: 'monitor'; k: number } | { t: 'stop'; k: number; reason: string } | { t: 'disconnect' };

// OTP's rules for one observer (trapping exits) on node a and target processes on node b.
interface Model {
  alive: boolean[];
  links: Set<number>;
  monitors: Array<{ k: number; live: boolean }>;
}

/** What the observer must receive after an operation: `exit k reason` or `down k reason` lines (pure). */
function step(m: Model, op: Op): string[] {
  const out: string[] = [];
  switch (op.t) {
    case 'spawn':
      m.alive.push(true);
      break;
    case 'link':
      if (m.alive[op.k]) m.links.add(op.k);
      else out.push(`exit ${op.k} noproc`);
      break;
    case 'monitor':
      m.monitors.push({ k: op.k, live: m.alive[op.k]! });
      if (!m.alive[op.k]) out.push(`down ${op.k} noproc`);
      break;
    case 'stop':
      if (!m.alive[op.k]) break;
      m.alive[op.k] = false;
      if (m.links.delete(op.k)) out.push(`exit ${op.k} ${op.reason}`);
      for (const mon of m.monitors) {
        if (!mon.live || mon.k !== op.k) continue;
        mon.live = false;
        out.push(`down ${op.k} ${op.reason}`);
      }
      break;
    case 'disconnect':
      // Both sides see noconnection: our links and monitors fire, and the (non-trapping) linked targets die.
      for (const k of m.links) {
        m.alive[k] = false;
        out.push(`exit ${k} noconnection`);
      }
      m.links.clear();
      for (const mon of m.monitors) {
        if (!mon.live) continue;
        mon.live = false;
        out.push(`down ${mon.k} noconnection`);
      }
      break;
  }
  return out.sort();
}

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { arbitrary: fc.constant<Op>({ t: 'spawn' }), weight: 2 },
    { arbitrary: fc.nat(n).map((k): Op => ({ t: 'link', k })), weight: 3 },
    { arbitrary: fc.nat(n).map((k): Op => ({ t: 'monitor', k })), weight: 3 },
    { arbitrary: fc.tuple(fc.nat(n), fc.constantFrom('normal', 'boom', 'shutdown')).map(([k, reason]): Op => ({ t: 'stop', k, reason })), weight: 2 },
    { arbitrary: fc.constant<Op>({ t: 'disconnect' }), weight: 1 },
  );

test('links and monitors across two nodes follow OTP under random disconnects (model-based)', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  await a.startDistribution({ name: 'ma@127.0.0.1', cookie: 'm', epmdPort, log: () => {} });
  await b.startDistribution({ name: 'mb@127.0.0.1', cookie: 'm', epmdPort, log: () => {} });
  // Spawns targets on b for the observer: each exits with the first message it receives.
  b.spawn(
    async (ctx) => {
      for (;;) {
        const from = (await ctx.receive()) as Pid;
        ctx.send(from, { target: ctx.spawn(async (t) => t.exit(await t.receive())) });
      }
    },
    { name: 'spawner' },
  );
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(5), { minLength: 1, maxLength: 25 }), async (ops) => {
        await a.run(async (ctx) => {
          ctx.trapExit(true);
          const model: Model = { alive: [], links: new Set(), monitors: [] };
          const targets: Pid[] = [];
          const refs = new Map<Ref, number>();
          const spawnTarget = async (): Promise<void> => {
            ctx.send({ name: 'spawner', node: b.name }, ctx.self());
            targets.push(((await ctx.receive((m) => typeof m === 'object' && m !== null && 'target' in m, 5000)) as { target: Pid }).target);
          };
          for (const op of ops) {
            if (op.t !== 'spawn' && op.t !== 'disconnect' && op.k >= targets.length) continue;
            const expected = step(model, op);
            if (op.t === 'spawn') await spawnTarget();
            else if (op.t === 'link') ctx.link(targets[op.k]!);
            else if (op.t === 'monitor') refs.set(ctx.monitor(targets[op.k]!), op.k);
            else if (op.t === 'stop') ctx.send(targets[op.k]!, op.reason);
            else a.dist!.disconnect(b.name);
            const seen = await collect(ctx, expected.length, targets, refs);
            assert.deepEqual(seen, expected, `after ${JSON.stringify(op)} in ${JSON.stringify(ops)}`);
          }
          for (const t of targets) ctx.unlink(t);
          for (const ref of refs.keys()) ctx.demonitor(ref, { flush: true });
        });
      }),
      { numRuns: 25 },
    );
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});

// The exit signals and DOWNs the observer receives: the expected number, then a short quiet window for extras.
async function collect(ctx: ProcessContext, expected: number, targets: Pid[], refs: Map<Ref, number>): Promise<string[]> {
  const seen: string[] = [];
  const isSignal = (m: unknown): boolean => m instanceof Exit || m instanceof Down;
  const deadline = Date.now() + 3000;
  while (seen.length < expected && Date.now() < deadline) {
    const m = await ctx.receive(isSignal, Math.max(1, deadline - Date.now()));
    if (m instanceof Exit) seen.push(`exit ${targets.findIndex((t) => t.equals(m.from))} ${String(m.reason)}`);
    else if (m instanceof Down) seen.push(`down ${refs.get(m.ref)} ${String(m.reason)}`);
  }
  for (;;) {
    const m = await ctx.receive(isSignal, 30);
    if (m instanceof Exit) seen.push(`exit ${targets.findIndex((t) => t.equals(m.from))} ${String(m.reason)}`);
    else if (m instanceof Down) seen.push(`down ${refs.get(m.ref)} ${String(m.reason)}`);
    else break;
  }
  return seen.sort();
}
