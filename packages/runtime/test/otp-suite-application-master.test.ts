// Cases mirroring OTP's application_SUITE (start_phases, get_key's get_application) and what OTP's
// application_master does on stop (it kills every process whose group leader it is), each named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import fc from 'fast-check';
import * as runtime from '@otp-ts/runtime';
import { application, ApplicationError, genServer, noreply, ok, Pid, reply, supervisor, TIMEOUT, type AppResource, type ApplicationModule, type GenServer, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { idle, quietLogs, withNode } from './helpers.ts';

const WAIT = 30_000;

// Asks a process of the tree to spawn a child of its own (linked or not, trapping exits or not) and send its pid.
type SpawnFor = { spawnFor: Pid; linked: boolean; trapExit: boolean };
const isSpawnFor = (m: unknown): m is SpawnFor => typeof m === 'object' && m !== null && 'spawnFor' in m;
const spawnChild = (c: ProcessContext, m: SpawnFor): Pid => c.spawn(treeNode, { link: m.linked, trapExit: m.trapExit });
async function treeNode(c: ProcessContext): Promise<void> {
  for (;;) {
    const m = await c.receive();
    if (isSpawnFor(m)) c.send(m.spawnFor, spawnChild(c, m));
  }
}

// A worker that, on 'stray', spawns a process neither linked nor supervised and answers its pid; on 'whose', answers
// getApplication for itself and for a process it spawns.
type Ask = 'stray' | 'whose';
const worker: GenServer<null, Ask, never, unknown, void> = {
  name: 'am_worker',
  init: () => ok(null),
  handleCall(req, _from, s, ctx) {
    if (req === 'stray') return reply(ctx.spawn(idle), s);
    const child = ctx.spawn(idle);
    const answer = { self: application.getApplication(ctx), child: application.getApplication(ctx, child) };
    ctx.exit(child, 'kill');
    return reply(answer, s);
  },
  handleInfo(m, s, ctx) {
    if (isSpawnFor(m)) ctx.send(m.spawnFor, spawnChild(ctx, m));
    return noreply(s);
  },
};
const top: Supervisor<void> = {
  name: 'am_top',
  init: () => ({ flags: { strategy: 'oneForOne', intensity: 0, period: 3600 }, children: [{ id: 'w', start: (ctx) => genServer.startLink(ctx, worker, undefined, { name: 'am_worker' }) }] }),
};

function appWith(name: string, extra: Partial<ApplicationModule<undefined>> = {}, resource: Partial<AppResource> = {}): AppResource {
  const mod: ApplicationModule<undefined> = { start: (_t, _a, ctx) => supervisor.startLink(ctx, top, undefined), ...extra };
  return { name, vsn: '1.0.0', mod, ...resource };
}

async function until(ctx: ProcessContext, what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!(await cond())) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
    await ctx.receive((m) => m === 'never', 10);
  }
}

test('application_SUITE: start_phases — each phase runs in order after the top supervisor started, before start answers', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const seen: unknown[] = [];
      const app = appWith(
        'am_phases',
        {
          startPhase(phase, type, args, c) {
            seen.push({ phase, type, args, worker: c.whereis('am_worker') !== undefined, app: application.getApplication(c) });
          },
        },
        { startPhases: [{ phase: 'init', args: [1] }, { phase: 'takeover', args: 'x' }, { phase: 'go' }] },
      );
      await application.load(ctx, app);
      await application.start(ctx, 'am_phases');
      assert.deepEqual(seen, [
        { phase: 'init', type: 'normal', args: [1], worker: true, app: 'am_phases' },
        { phase: 'takeover', type: 'normal', args: 'x', worker: true, app: 'am_phases' },
        { phase: 'go', type: 'normal', args: undefined, worker: true, app: 'am_phases' },
      ]);
      await application.stop(ctx, 'am_phases');
    });
  });
});

test('application_SUITE: start_phases — a phase that fails fails the start and takes the started tree down', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const ran: string[] = [];
      const app = appWith(
        'am_badphase',
        {
          startPhase(phase) {
            ran.push(phase);
            return phase === 'two' ? { error: 'no database' } : undefined;
          },
        },
        { startPhases: [{ phase: 'one' }, { phase: 'two' }, { phase: 'three' }] },
      );
      await application.load(ctx, app);
      await assert.rejects(application.start(ctx, 'am_badphase'), (e: unknown) => e instanceof ApplicationError && e.code === 'startFailed' && /start phase 'two' failed: no database/.test(e.message));
      assert.deepEqual(ran, ['one', 'two']);
      assert.equal(ctx.whereis('am_worker'), undefined, 'the tree started before the phase is gone');
      assert.deepEqual(await application.whichApplications(ctx), []);
      // Phases listed for a module without startPhase are refused with the fix named.
      await application.load(ctx, appWith('am_nophase', {}, { startPhases: [{ phase: 'go' }] }));
      await assert.rejects(application.start(ctx, 'am_nophase'), /has no startPhase\(phase, type, args\)/);
    });
  });
});

test('application_SUITE: get_key — getApplication names the application of its processes, also those spawned outside the tree', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, appWith('am_whose'));
      await application.start(ctx, 'am_whose');
      const w = ctx.whereis('am_worker')!;
      assert.deepEqual(await genServer.call(ctx, w, 'whose'), { self: 'am_whose', child: 'am_whose' });
      assert.equal(application.getApplication(ctx, w), 'am_whose');
      assert.equal(application.getApplication(ctx), undefined, 'the test process belongs to no application');
      assert.equal(application.getApplication(ctx, application.groupLeader(ctx, w)!), 'am_whose', 'the leader is the master, which belongs to its app');
      await application.stop(ctx, 'am_whose');
      assert.equal(application.getApplication(ctx, w), undefined);
    });
  });
});

test('application_master: stopping an application kills every process its master leads, linked or not; others live on', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, appWith('am_stray'));
      await application.start(ctx, 'am_stray');
      const stray = (await genServer.call(ctx, ctx.whereis('am_worker')!, 'stray')) as Pid;
      const outsider = ctx.spawn(idle);
      assert.ok(ctx.isAlive(stray));
      await application.stop(ctx, 'am_stray');
      assert.equal(ctx.isAlive(stray), false, 'a process spawned by the app but outside its tree dies with it');
      assert.ok(ctx.isAlive(outsider), 'a process of no application is left alone');
      ctx.exit(outsider, 'kill');
    });
  });
});

test('application_master: when the top supervisor exits on its own, the processes the master leads die too', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, appWith('am_gone'));
      await application.start(ctx, 'am_gone', 'temporary');
      const stray = (await genServer.call(ctx, ctx.whereis('am_worker')!, 'stray')) as Pid;
      const ref = ctx.monitor(stray);
      // intensity 0: the supervisor gives up at the worker's first crash and the tree exits.
      ctx.exit(ctx.whereis('am_worker')!, 'kill');
      const down = await ctx.receive((m) => typeof m === 'object' && m !== null && 'ref' in m && (m as { ref: unknown }).ref === ref, WAIT);
      assert.notEqual(down, TIMEOUT, 'the stray process was expected to die with its application');
      await until(ctx, 'the application is gone', async () => (await application.whichApplications(ctx)).length === 0);
    });
  });
});

test('groupLeader and setGroupLeader: inherited at spawn, settable, null for a process of no application', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.equal(application.groupLeader(ctx), null);
      const leader = ctx.spawn(idle);
      application.setGroupLeader(ctx, leader);
      const child = ctx.spawn(idle);
      assert.equal(application.groupLeader(ctx, child), leader);
      ctx.exit(child, 'kill');
      assert.equal(application.groupLeader(ctx, child), null, 'a dead process has none');
      assert.throws(() => application.setGroupLeader(ctx, leader, child), /not alive/);
      ctx.exit(leader, 'kill');
    });
  });
});

test('the example of docs/applications.md runs and gives what its comments say', async () => {
  const doc = readFileSync(new URL('../../../docs/applications.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block !== undefined, 'the doc has a ts example');
  const imports = /^import \{([^}]*)\} from '@otp-ts\/runtime';\n/m.exec(block);
  assert.ok(imports !== null, 'the example imports from @otp-ts/runtime');
  const body = `${transformSync(block.replace(imports[0], ''), { loader: 'ts' }).code}\nreturn { phases, owner, mine, alive };`;
  const names = imports[1]!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
  const run = new AsyncFunction('ctx', ...names, body);
  await withNode(async (node) => {
    quietLogs(node);
    const out = await node.run((ctx) => run(ctx, ...names.map((n) => (runtime as Record<string, unknown>)[n])));
    assert.deepEqual(out, { phases: [['warm', 100], ['open', undefined]], owner: 'jobs_app', mine: undefined, alive: false });
  });
});

test('application_master: whatever tree of linked and unlinked processes an application spawns, stop leaves none of them and no outsider dead (property)', async () => {
  // A plan: each entry spawns a child of an earlier process (index), linked or not; index 0 is the app's worker.
  const plan = fc.array(fc.record({ parent: fc.nat(), linked: fc.boolean(), trapExit: fc.boolean() }), { maxLength: 25 });
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(plan, fc.nat({ max: 5 }), async (steps, outsiders) => {
          const name = `am_prop${round++}`;
          await application.load(ctx, appWith(name));
          await application.start(ctx, name);
          const worker = ctx.whereis('am_worker')!;
          const inApp: Pid[] = [worker];
          for (const step of steps) {
            // The parent spawns the child itself (asked by a message), so the child inherits its group leader.
            ctx.send(inApp[step.parent % inApp.length]!, { spawnFor: ctx.self(), linked: step.linked, trapExit: step.trapExit });
            inApp.push(await ctx.receive((m): m is Pid => m instanceof Pid));
          }
          const others = Array.from({ length: outsiders }, () => ctx.spawn(idle));
          assert.ok(inApp.every((p) => application.getApplication(ctx, p) === name));
          await application.stop(ctx, name);
          await application.unload(ctx, name);
          assert.deepEqual(inApp.filter((p) => ctx.isAlive(p)), [], 'every process of the application is dead');
          assert.ok(others.every((p) => ctx.isAlive(p)), 'no outsider died');
          for (const p of others) ctx.exit(p, 'kill');
        }),
        { numRuns: 25 },
      );
    });
  });
});
