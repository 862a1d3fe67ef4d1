// The escalation guard an upgrade installs until it is permanent: a supervisor past its restart intensity
// and a permanent application's exit are held (the node stays up) until the guard resumes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, genServer, supervisor, ok, reply, type GenServer, type Pid, type ProcessContext, type Supervisor } from '@otp-ts/runtime';
import { setEscalationGuard, ResumeRestarts, type Escalation } from '@otp-ts/runtime/tools';
import { quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

// Answers 'get' with its count, 'bump' adds one, 'crash' throws.
const counter: GenServer<number, 'get' | 'bump' | 'crash', never, number, number> = {
  init: (n) => ok(n),
  handleCall(request, _from, n) {
    if (request === 'crash') throw new TypeError('x.newFn is not a function');
    return request === 'bump' ? reply(n + 1, n + 1) : reply(n, n);
  },
};

const sup: Supervisor<void> = {
  name: 'top',
  init: () => ({ flags: { strategy: 'oneForOne', intensity: 2, period: 60 }, children: [supervisor.worker('counter', (ctx) => genServer.startLink(ctx, counter, 0, { name: 'counter' }))] }),
};

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

// Crashes the registered counter until the supervisor has gone over its intensity. The crash's caller may learn
// of the exit before the supervisor has handled it: it waits for a restarted counter or the held escalation.
async function crashLoop(ctx: ProcessContext, held: Escalation[]): Promise<void> {
  while (held.length === 0) {
    await until('a counter or the escalation', () => held.length > 0 || ctx.whereis('counter') !== undefined);
    if (held.length > 0) return;
    await genServer.call(ctx, 'counter', 'crash').catch(() => undefined);
  }
}

test('a supervisor past its restart intensity stays up with the child down while the guard holds, and ResumeRestarts restarts the child', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const held: Escalation[] = [];
    setEscalationGuard(node, (e) => (held.push(e), true));
    await node.run(async (ctx) => {
      const top = await supervisor.start(ctx, sup, undefined, { name: 'top' });
      await crashLoop(ctx, held);
      const e = held[0]!;
      assert.equal(e.kind, 'supervisor');
      assert.deepEqual(e.kind === 'supervisor' && [e.supervisor, e.child, e.restarts, (e.reason as Error).message], [top, 'counter', 3, 'x.newFn is not a function']);
      assert.equal(ctx.isAlive(top), true);
      assert.equal((await supervisor.whichChildren(ctx, top))[0]!.pid, 'restarting');
      setEscalationGuard(node, null);
      ctx.send(top, new ResumeRestarts());
      await until('the counter back', () => ctx.whereis('counter') !== undefined);
      assert.equal(await genServer.call(ctx, 'counter', 'get'), 0);
    });
  });
});

test('a held child resumed with a state has it before it answers any call, even with callers waiting on its name', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const held: Escalation[] = [];
    setEscalationGuard(node, (e) => (held.push(e), true));
    await node.run(async (ctx) => {
      const top = await supervisor.start(ctx, sup, undefined, { name: 'top' });
      await crashLoop(ctx, held);
      setEscalationGuard(node, null);
      // Callers hammer the name while it is down; the first answer any of them gets must be the restored count.
      const first: number[] = [];
      let done = false;
      const callers: Pid[] = [];
      for (let i = 0; i < 4; i++) {
        callers.push(
          ctx.spawn(async (c) => {
            while (!done) {
              const n = (await genServer.call(c, 'counter', 'bump').catch(() => undefined)) as number | undefined;
              if (n !== undefined) first.push(n);
              if (ctx.whereis('counter') === undefined) await new Promise((r) => setImmediate(r));
            }
          }),
        );
      }
      ctx.send(top, new ResumeRestarts(new Map([['counter', 41]])));
      await until('answers', () => first.length >= 8);
      done = true;
      assert.equal(Math.min(...first), 42, `answers: ${first.join(', ')}`);
    });
  });
});

test('a permanent application whose exit the guard holds does not stop the node', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const held: Escalation[] = [];
    let stopped: unknown;
    await node.run(async (ctx) => {
      await application.startController(ctx, { onNodeStop: (reason) => (stopped = reason) });
      await application.load(ctx, { name: 'shop', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, sup, undefined, { name: 'top' }) } });
      await application.start(ctx, 'shop', 'permanent');
      setEscalationGuard(node, (e) => e.kind === 'application' && (held.push(e), true));
      ctx.exit(ctx.whereis('top')!, 'kill');
      await until('the exit held', () => held.length === 1);
      assert.deepEqual(held[0], { kind: 'application', app: 'shop', reason: 'killed' });
      assert.equal(stopped, undefined);
      assert.deepEqual(await application.whichApplications(ctx), []);
      setEscalationGuard(node, null);
      await application.start(ctx, 'shop', 'permanent');
      assert.equal(await genServer.call(ctx, 'counter', 'get'), 0);
    });
  });
});
