// Model-based test of a supervisor: random strategies, restart types and intensities, random crashes and
// normal exits, checked after every step against a model of OTP's restart rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { genServer, supervisor, loggerOf, ok, reply, stop, isDown, type ChildSpec, type GenServer, type Pid, type ProcessContext, type Restart, type Strategy } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const child: GenServer<null, 'ping' | 'quit', never, string, void> = {
  init: () => ok(null),
  handleCall: (req, _from, s) => (req === 'quit' ? stop('normal', s, 'bye') : reply('pong', s)),
};

interface Setup {
  strategy: Exclude<Strategy, 'simpleOneForOne'>;
  intensity: number;
  restarts: Restart[];
}

class Model {
  alive = true;
  restarts = 0;
  /** Per child id: present in the supervisor, running, and a generation bumped on every start. */
  children: Array<{ id: string; restart: Restart; present: boolean; running: boolean; gen: number }>;
  constructor(readonly setup: Setup) {
    this.children = setup.restarts.map((restart, i) => ({ id: `c${i}`, restart, present: true, running: true, gen: 0 }));
  }

  exit(i: number, normal: boolean): void {
    const c = this.children[i]!;
    c.running = false;
    if (c.restart === 'temporary' || (c.restart === 'transient' && normal)) {
      if (c.restart === 'temporary') c.present = false;
      return;
    }
    if (++this.restarts > this.setup.intensity) {
      this.alive = false;
      for (const o of this.children) o.running = false;
      return;
    }
    const present = this.children.filter((o) => o.present);
    const at = present.indexOf(c);
    const group = this.setup.strategy === 'oneForOne' ? [c] : this.setup.strategy === 'oneForAll' ? present : present.slice(at);
    for (const o of group) {
      if (o !== c && o.restart === 'temporary') {
        o.present = false;
        o.running = false;
        continue;
      }
      o.running = true;
      o.gen++;
    }
  }
}

interface Real {
  ctx: ProcessContext;
  sup: Pid;
  gens: Map<string, Pid | undefined>;
}

async function observe(real: Real): Promise<Map<string, Pid | undefined>> {
  const out = new Map<string, Pid | undefined>();
  if (!real.ctx.isAlive(real.sup)) return out;
  for (const c of await supervisor.whichChildren(real.ctx, real.sup)) out.set(c.id!, c.pid instanceof Object ? (c.pid as Pid) : undefined);
  return out;
}

function check(model: Model, real: Real, before: Map<string, Pid | undefined>, genBefore: number[], now: Map<string, Pid | undefined>): void {
  assert.equal(real.ctx.isAlive(real.sup), model.alive, 'supervisor alive');
  if (!model.alive) return;
  // whichChildren lists static children most recently added first, as OTP does.
  const present = model.children.filter((c) => c.present).map((c) => c.id).reverse();
  assert.deepEqual([...now.keys()], present, 'child specs present');
  model.children.forEach((c, i) => {
    if (!c.present) return;
    assert.equal(now.get(c.id) !== undefined, c.running, `${c.id} running`);
    if (c.running && c.gen === genBefore[i]) assert.equal(now.get(c.id), before.get(c.id), `${c.id} kept its pid`);
    if (c.running && c.gen !== genBefore[i]) assert.notEqual(now.get(c.id), before.get(c.id), `${c.id} restarted`);
  });
}

class ExitChild implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly normal: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.alive && this.index < m.children.length && m.children[this.index]!.running;
  async run(model: Model, real: Real): Promise<void> {
    const before = await observe(real);
    const genBefore = model.children.map((c) => c.gen);
    const pid = before.get(`c${this.index}`)!;
    const ref = real.ctx.monitor(pid);
    if (this.normal) await genServer.call(real.ctx, pid, 'quit');
    else real.ctx.exit(pid, 'kill');
    await real.ctx.receive((m) => isDown(m, ref));
    model.exit(this.index, this.normal);
    // The supervisor has handled the exit once it no longer lists the pid (or is gone itself).
    await waitFor('the supervisor to handle the exit', async () => !real.ctx.isAlive(real.sup) || !(await supervisor.whichChildren(real.ctx, real.sup).catch(() => [])).some((c) => c.pid === pid));
    check(model, real, before, genBefore, await observe(real));
  }
  toString = () => `${this.normal ? 'quit' : 'kill'} c${this.index}`;
}

test('supervisor restarts follow OTP rules for every strategy and restart type (model-based)', async () => {
  await withNode(async (node) => {
    loggerOf(node).removeHandler('default');
    await node.run(async (ctx) => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            strategy: fc.constantFrom<Setup['strategy']>('oneForOne', 'oneForAll', 'restForOne'),
            intensity: fc.integer({ min: 0, max: 4 }),
            restarts: fc.array(fc.constantFrom<Restart>('permanent', 'transient', 'temporary'), { minLength: 1, maxLength: 4 }),
          }),
          fc.commands([fc.tuple(fc.nat(3), fc.boolean()).map(([i, n]) => new ExitChild(i, n))], { maxCommands: 12 }),
          async (setup, cmds) => {
            const specs: ChildSpec[] = setup.restarts.map((restart, i) => ({ id: `c${i}`, restart, start: (c) => genServer.startLink(c, child, undefined) }));
            const sup = await supervisor.start(ctx, { init: () => ({ flags: { strategy: setup.strategy, intensity: setup.intensity, period: 3600 }, children: specs }) }, undefined);
            const real: Real = { ctx, sup, gens: new Map() };
            await fc.asyncModelRun(() => ({ model: new Model(setup), real }), cmds);
            if (ctx.isAlive(sup)) await genServer.stop(ctx, sup, 'shutdown');
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
