import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exit, isExit, type Pid, type ProcessContext, type RuntimeError } from '@otp-ts/runtime';
import { withNode, idle, tick, ended } from './helpers.ts';

test('a linked process dies with the reason of the process it is linked to', async () => {
  await withNode(async (node) => {
    const a = node.spawn(idle);
    await tick();
    const b = node.spawn(async (ctx) => {
      ctx.link(a);
      await ctx.receive();
    });
    await tick();
    node.exit(a, 'boom');
    assert.equal(node.isAlive(b), false);
  });
});

test('links are bidirectional: the linker dies when the linked process dies', async () => {
  await withNode(async (node) => {
    let child!: Pid;
    const parent = node.spawn(async (ctx) => {
      child = ctx.spawnLink(idle);
      await ctx.receive();
    });
    await tick();
    node.exit(child, 'boom');
    assert.equal(node.isAlive(parent), false);
  });
});

test('a normal exit does not kill linked processes; trapping turns it into an Exit message', async () => {
  await withNode(async (node) => {
    const [alive, message] = await node.run(async (ctx) => {
      const child = ctx.spawnLink(async () => {});
      await ended(ctx, child);
      const alive = ctx.isAlive(ctx.self());
      ctx.trapExit(true);
      const child2 = ctx.spawnLink(async () => {});
      const m = await ctx.receive(isExit);
      assert.equal(m.from, child2);
      void child;
      return [alive, m.reason];
    });
    assert.equal(alive, true);
    assert.equal(message, 'normal');
  });
});

test('trapExit turns an abnormal exit signal into a message and returns the old flag', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      assert.equal(ctx.trapExit(true), false);
      assert.equal(ctx.trapExit(true), true);
      const child = ctx.spawnLink(async (c) => c.exit('crashed'));
      const m = await ctx.receive(isExit);
      return [m.from === child, m.reason, m instanceof Exit];
    });
    assert.deepEqual(got, [true, 'crashed', true]);
  });
});

test('exit(pid, kill) cannot be trapped and linked processes see killed', async () => {
  await withNode(async (node) => {
    const got = await node.run(async (ctx) => {
      ctx.trapExit(true);
      const me = ctx.self();
      const trapper = ctx.spawnLink(async (c) => {
        c.trapExit(true);
        c.send(me, 'trapping');
        await c.receive((m) => m === 'never');
      });
      await ctx.receive((m) => m === 'trapping');
      ctx.exit(trapper, 'kill');
      const m = await ctx.receive(isExit);
      return [ctx.isAlive(trapper), m.reason];
    });
    assert.deepEqual(got, [false, 'killed']);
  });
});

test('exit(pid, normal) is ignored by a process that does not trap exits, and delivered to one that does', async () => {
  await withNode(async (node) => {
    const plain = node.spawn(idle);
    const trapping = node.spawn(async (ctx) => {
      ctx.trapExit(true);
      const m = await ctx.receive(isExit);
      ctx.send('observer', m.reason);
    });
    await tick();
    const got = await node.run(async (ctx) => {
      ctx.register('observer');
      ctx.exit(plain, 'normal');
      ctx.exit(trapping, 'normal');
      return ctx.receive();
    });
    assert.equal(node.isAlive(plain), true);
    assert.equal(got, 'normal');
  });
});

test('exit(self, normal) ends the calling process', async () => {
  await withNode(async (node) => {
    const pid = node.spawn(async (ctx) => {
      ctx.exit(ctx.self(), 'normal');
      ctx.send(ctx.self(), 'unreachable');
    });
    await tick();
    assert.equal(node.isAlive(pid), false);
  });
});

test('link and unlink are idempotent; after unlink a death does not propagate', async () => {
  await withNode(async (node) => {
    const other = node.spawn(idle);
    await tick();
    const me = node.spawn(async (ctx) => {
      ctx.link(other);
      ctx.link(other);
      assert.equal(ctx.processInfo(ctx.self())!.links.length, 1);
      ctx.unlink(other);
      ctx.unlink(other);
      assert.deepEqual(ctx.processInfo(other)!.links, []);
      await ctx.receive();
    });
    await tick();
    node.exit(other, 'boom');
    assert.equal(node.isAlive(me), true);
  });
});

test('linking to a dead process: trapped, a noproc Exit message; otherwise a catchable noproc error (OTP 21+)', async () => {
  await withNode(async (node) => {
    const dead = node.spawn(async () => {});
    await tick();
    const reason = await node.run(async (ctx) => {
      ctx.trapExit(true);
      ctx.link(dead);
      return (await ctx.receive(isExit)).reason;
    });
    assert.equal(reason, 'noproc');
    const code = await node.run(async (ctx) => {
      try {
        ctx.link(dead);
        return 'linked';
      } catch (error) {
        return (error as RuntimeError).code;
      }
    });
    assert.equal(code, 'noproc');
  });
});

test('a chain of 10,000 linked processes dies entirely without overflowing the stack', async () => {
  await withNode(async (node) => {
    const pids: Pid[] = [];
    const link = async (ctx: ProcessContext, left: number): Promise<void> => {
      pids.push(ctx.self());
      if (left > 0) ctx.spawnLink((c) => link(c, left - 1));
      await ctx.receive();
    };
    node.spawn((ctx) => link(ctx, 9_999));
    while (pids.length < 10_000) await tick();
    assert.equal(node.processCount, 10_000);
    node.exit(pids[0]!, 'boom');
    assert.equal(node.processCount, 0);
  });
});
