// Model-based test of the code server: random load / spawn / softPurge / purge / call sequences checked
// against a model of OTP's two-version rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codeServerOf, type CodeServer, type Pid, type ProcessContext, type ProcessFn } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const source = (v: number) => ({
  name: 'm/worker',
  vsn: String(v),
  code: `
    function version() { return ${v}; }
    exports.version = version;
    exports.loop = async function loop(ctx) {
      for (;;) { const m = await ctx.receive(); ctx.send(m, version()); }
    };`,
});

interface Model {
  next: number;
  current: number | null;
  old: number | null;
  procs: Array<{ version: number; alive: boolean }>;
}
interface Real {
  ctx: ProcessContext;
  code: CodeServer;
  pids: Pid[];
}

function killOld(m: Model): void {
  for (const p of m.procs) if (p.alive && p.version === m.old) p.alive = false;
}

async function check(m: Model, r: Real): Promise<void> {
  for (let i = 0; i < m.procs.length; i++) {
    assert.equal(r.ctx.isAlive(r.pids[i]!), m.procs[i]!.alive, `process ${i} alive`);
    if (m.procs[i]!.alive) {
      r.ctx.send(r.pids[i]!, r.ctx.self());
      assert.equal(await r.ctx.receive(null, 1000), m.procs[i]!.version, `process ${i} runs its own version`);
    }
  }
  if (m.current !== null) assert.equal((r.code.exportsOf('m/worker').version as () => number)(), m.current, 'external calls reach the current version');
  assert.deepEqual(r.code.versions('m/worker'), { current: m.current === null ? undefined : String(m.current), old: m.old === null ? undefined : String(m.old) });
}

const load: fc.AsyncCommand<Model, Real> = {
  check: () => true,
  async run(m, r) {
    const v = m.next++;
    await r.code.load(source(v));
    if (m.old !== null) killOld(m);
    m.old = m.current;
    m.current = v;
    await check(m, r);
  },
  toString: () => 'load',
};
const spawn: fc.AsyncCommand<Model, Real> = {
  check: (m) => m.current !== null && m.procs.length < 8,
  async run(m, r) {
    r.pids.push(r.ctx.spawn(r.code.exportsOf('m/worker').loop as ProcessFn));
    m.procs.push({ version: m.current!, alive: true });
    await check(m, r);
  },
  toString: () => 'spawn',
};
const softPurge: fc.AsyncCommand<Model, Real> = {
  check: () => true,
  async run(m, r) {
    const busy = m.old !== null && m.procs.some((p) => p.alive && p.version === m.old);
    assert.equal(r.code.softPurge('m/worker'), !busy);
    if (!busy) m.old = null;
    await check(m, r);
  },
  toString: () => 'softPurge',
};
const purge: fc.AsyncCommand<Model, Real> = {
  check: () => true,
  async run(m, r) {
    const victims = m.old === null ? 0 : m.procs.filter((p) => p.alive && p.version === m.old).length;
    assert.equal(r.code.purge('m/worker'), victims);
    killOld(m);
    m.old = null;
    await check(m, r);
  },
  toString: () => 'purge',
};

test('the code server keeps OTP\'s two-version rule (model-based)', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await fc.assert(
        fc.asyncProperty(fc.commands([fc.constant(load), fc.constant(spawn), fc.constant(spawn), fc.constant(softPurge), fc.constant(purge)], { maxCommands: 25 }), async (cmds) => {
          const code = codeServerOf(ctx.node);
          const real: Real = { ctx, code, pids: [] };
          const model: Model = { next: 1, current: null, old: null, procs: [] };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          for (const pid of real.pids) ctx.exit(pid, 'kill');
          code.purge('m/worker');
          if (model.current !== null) code.delete('m/worker');
          code.purge('m/worker');
        }),
        { numRuns: 80 },
      );
    });
  });
});
