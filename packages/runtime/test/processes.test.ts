import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pid, ProcessExit} from '@otp-ts/runtime';
import { TIMEOUT, REDUCTION_BUDGET, ProcessExitedError, RuntimeError, isDown } from '@otp-ts/runtime';
import { withNode, inProcess, idle, tick, ended } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

test('spawn runs the body after spawn returns and the pid prints like Erlang', async () => {
  await withNode(async (node) => {
    const order: string[] = [];
    const pid = node.spawn(async () => {
      order.push('child');
    });
    order.push('parent');
    assert.match(String(pid), /^<0\.\d+\.0>$/);
    await tick();
    assert.deepEqual(order, ['parent', 'child']);
    assert.equal(node.isAlive(pid), false);
  });
});

test('self returns the pid spawn returned', async () => {
  await withNode(async (node) => {
    let seen: Pid | undefined;
    const pid = node.spawn(async (ctx) => {
      seen = ctx.self();
    });
    await tick();
    assert.equal(seen, pid);
  });
});

test('messages from one sender arrive in the order they were sent', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    ctx.spawn(async (c) => {
      for (let i = 0; i < 100; i++) c.send(me, i);
    });
    const out: unknown[] = [];
    for (let i = 0; i < 100; i++) out.push(await ctx.receive());
    return out;
  });
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => i));
});

test('selective receive takes the oldest matching message and leaves the others in order', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    for (const m of ['a', 1, 'b', 2, 'c']) ctx.send(me, m);
    const n1 = await ctx.receive((m): m is number => typeof m === 'number');
    const n2 = await ctx.receive((m): m is number => typeof m === 'number');
    const rest = [await ctx.receive(), await ctx.receive(), await ctx.receive()];
    return [n1, n2, ...rest];
  });
  assert.deepEqual(got, [1, 2, 'a', 'b', 'c']);
});

test('a pending selective receive is woken only by a matching message', async () => {
  await withNode(async (node) => {
    const result = node.run(async (ctx) => ctx.receive((m) => m === 'go'));
    await tick();
    const [pid] = node.processes();
    node.send(pid!, 'noise');
    node.send(pid!, 'go');
    assert.equal(await result, 'go');
  });
});

test('selective receive tests each message of a 10,000 message backlog once', async () => {
  let tests = 0;
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    for (let i = 0; i < 10_000; i++) ctx.send(me, i);
    // Pending first: the matching message arrives after the backlog was scanned.
    ctx.spawn(async (c) => {
      await c.sleep(5);
      c.send(me, 'needle');
    });
    return ctx.receive((m) => {
      tests++;
      return m === 'needle';
    });
  });
  assert.equal(got, 'needle');
  assert.equal(tests, 10_001);
});

test('receive with a timeout resolves to TIMEOUT, and 0 polls', async () => {
  const [polled, waited, elapsed] = await inProcess(async (ctx) => {
    const polled = await ctx.receive(null, 0);
    const t0 = Date.now();
    const waited = await ctx.receive(null, 30);
    return [polled, waited, Date.now() - t0];
  });
  assert.equal(polled, TIMEOUT);
  assert.equal(waited, TIMEOUT);
  assert.ok((elapsed as number) >= 25, `waited ${elapsed} ms`);
});

test('a message that arrives before the timeout wins and the timeout never fires later', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    ctx.sendAfter(5, me, 'early');
    const first = await ctx.receive(null, 50);
    const second = await ctx.receive(null, 80);
    return [first, second];
  });
  assert.deepEqual(got, ['early', TIMEOUT]);
});

test('a second receive while one is pending is refused', async () => {
  await assert.rejects(
    inProcess(async (ctx) => {
      void ctx.receive();
      await ctx.receive();
    }),
    (e: ProcessExit) => e.reason instanceof RuntimeError && (e.reason as RuntimeError).code === 'badarg',
  );
});

test('a process that throws exits with the error as reason and the crash is reported', async () => {
  await withNode(async (node, crashes) => {
    const boom = new Error('boom');
    const reason = await node.run(async (ctx) => {
      const [, ref] = ctx.spawnMonitor(async () => {
        throw boom;
      });
      const down = await ctx.receive((m) => isDown(m, ref));
      return down.reason;
    });
    assert.equal(reason, boom);
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0]![1], boom);
  });
});

test('exit(reason) ends the calling process with that reason, without a crash report', async () => {
  await withNode(async (node, crashes) => {
    await assert.rejects(
      node.run(async (ctx) => {
        ctx.exit({ shutdown: 'by request' });
      }),
      (e: ProcessExit) => {
        assert.deepEqual(e.reason, { shutdown: 'by request' });
        return true;
      },
    );
    assert.equal(crashes.length, 0);
  });
});

test('a killed process that was awaiting something else can run no more runtime operations', async () => {
  await withNode(async (node) => {
    let resume!: () => void;
    const outside = new Promise<void>((r) => (resume = r));
    let error: unknown;
    const pid = node.spawn(async (ctx) => {
      await outside;
      try {
        ctx.send(ctx.self(), 'still alive?');
      } catch (e) {
        error = e;
      }
    });
    await tick();
    node.exit(pid, 'kill');
    assert.equal(node.isAlive(pid), false);
    resume();
    await tick();
    assert.ok(error instanceof ProcessExitedError);
    assert.equal((error as ProcessExitedError).reason, 'killed');
  });
});

test('send to a registered name delivers; to an unknown name throws badarg; to a dead pid is dropped', async () => {
  const got = await inProcess(async (ctx) => {
    ctx.register('me');
    ctx.send('me', 'hello');
    const m = await ctx.receive();
    const dead = ctx.spawn(async () => {});
    await ended(ctx, dead);
    ctx.send(dead, 'lost');
    let code: string | undefined;
    try {
      ctx.send('nobody', 'x');
    } catch (e) {
      code = (e as RuntimeError).code;
    }
    return [m, code];
  });
  assert.deepEqual(got, ['hello', 'badarg']);
});

test('register refuses a taken name, a dead pid and a second name; a name is freed when its process dies', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const a = ctx.spawn(idle);
      ctx.register('a', a);
      assert.throws(() => ctx.register('a'), /already registered/);
      assert.throws(() => ctx.register('other', a), /already registered as 'a'/);
      assert.equal(ctx.whereis('a'), a);
      ctx.exit(a, 'kill');
      assert.equal(ctx.whereis('a'), undefined);
      ctx.register('a');
      assert.equal(ctx.whereis('a'), ctx.self());
      ctx.unregister('a');
      assert.equal(ctx.whereis('a'), undefined);
      assert.throws(() => ctx.unregister('a'), /no process is registered/);
      const dead = ctx.spawn(async () => {});
      await ended(ctx, dead);
      assert.throws(() => ctx.register('late', dead), /not alive/);
    });
  });
});

test('processInfo reports status, mailbox, links, monitors, name, reductions, label and memory', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawnLink(async (c) => {
        c.setLabel({ behaviour: 'gen_server', module: 'cart_server' });
        await c.receive((m) => m === 'never');
      }, { name: 'cart' });
      const ref = ctx.monitor(pid);
      await waitFor('the cart to wait in its receive', () => ctx.processInfo(pid)?.status === 'waiting');
      for (let i = 0; i < 3; i++) ctx.send(pid, { item: i });
      const info = ctx.processInfo(pid)!;
      assert.equal(info.status, 'waiting');
      assert.equal(info.messageQueueLen, 3);
      assert.deepEqual(info.links, [ctx.self()]);
      assert.deepEqual(info.monitoredBy, [ctx.self()]);
      assert.equal(info.registeredName, 'cart');
      assert.equal(info.behaviour, 'gen_server');
      assert.equal(info.module, 'cart_server');
      assert.ok(info.reductions >= 1);
      assert.ok(info.memory > 0);
      assert.deepEqual(node.messages(pid), [{ item: 0 }, { item: 1 }, { item: 2 }]);
      const mine = ctx.processInfo(ctx.self())!;
      assert.deepEqual(mine.monitors, [pid]);
      assert.equal(mine.status, 'running');
      ctx.demonitor(ref);
      ctx.unlink(pid);
      ctx.exit(pid, 'kill');
      assert.equal(ctx.processInfo(pid), undefined);
    });
  });
});

test('processInfo shows a plain process\'s current function as the function it was spawned with', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(async function worker_loop(c) {
        for (;;) await c.receive();
      });
      const anonymous = ctx.spawn(async (c) => c.receive());
      await waitFor('both to wait in their receive', () => [pid, anonymous].every((p) => ctx.processInfo(p)?.status === 'waiting'));
      assert.equal(ctx.processInfo(pid)!.currentFunction, 'worker_loop');
      assert.equal(ctx.processInfo(pid)!.status, 'waiting');
      assert.equal(ctx.processInfo(anonymous)!.currentFunction, 'anonymous');
      assert.equal(ctx.processInfo(ctx.self())!.currentFunction, ctx.processInfo(ctx.self())!.initialCall);
    });
  });
});

test('processes lists every live process', async () => {
  await withNode(async (node) => {
    const pids = [node.spawn(idle), node.spawn(idle), node.spawn(idle)];
    await tick();
    assert.deepEqual(new Set(node.processes()), new Set(pids));
    node.exit(pids[1]!, 'kill');
    assert.deepEqual(new Set(node.processes()), new Set([pids[0], pids[2]]));
  });
});

test('node.run rejects with ProcessExit when the process is killed', async () => {
  await withNode(async (node) => {
    const running = node.run(async (ctx) => ctx.receive());
    await tick();
    node.exit(node.processes()[0]!, 'kill');
    await assert.rejects(running, (e: ProcessExit) => e.reason === 'killed');
  });
});

test('10,000 processes that exit leave no process, name, timer or table behind', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (let i = 0; i < 10_000; i++) {
        ctx.spawn(async (c) => {
          c.register(`p${i}`);
          c.newTable({ name: `t${i}` });
          await c.receive(null, 10_000 + i);
        });
      }
      await waitFor('every process to register its name', () => ctx.whereis('p9999') !== undefined && ctx.whereis('p0') !== undefined);
      assert.equal(ctx.processes().length, 10_001);
      for (const pid of ctx.processes()) if (pid !== ctx.self()) ctx.exit(pid, 'kill');
    });
    assert.equal(node.processCount, 0);
    assert.equal(node.pendingTimers, 0);
    assert.equal(node.whereis('p1'), undefined);
  });
});

test('receiveNow takes a waiting message without waiting, and reports TIMEOUT when none matches', async () => {
  const got = await inProcess(async (ctx) => {
    const me = ctx.self();
    const empty = ctx.receiveNow();
    ctx.send(me, 'a');
    ctx.send(me, 2);
    const n = ctx.receiveNow((m): m is number => typeof m === 'number');
    const none = ctx.receiveNow((m) => m === 'zzz');
    return [empty, n, none, ctx.receiveNow(), ctx.receiveNow()];
  });
  assert.deepEqual(got, [TIMEOUT, 2, TIMEOUT, 'a', TIMEOUT]);
});

test('receiveNow reports TIMEOUT once the reduction budget is spent, so draining loops still yield', async () => {
  await withNode(async (node) => {
    let drained = 0;
    await node.run(async (ctx) => {
      const me = ctx.self();
      for (let i = 0; i < 3 * REDUCTION_BUDGET; i++) ctx.send(me, i);
      while (ctx.receiveNow() !== TIMEOUT) drained++;
    });
    assert.ok(drained > 0 && drained <= REDUCTION_BUDGET, `drained ${drained} in one turn`);
  });
});
