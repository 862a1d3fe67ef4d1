// Process aliases (OTP 24), with cases mirroring erts' process_SUITE / monitor_SUITE alias cases and
// gen_server_SUITE's reply-by-alias and late-reply cases, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallError} from '@otp-ts/runtime';
import { genServer, ok, noreply, reply, isDown, TIMEOUT, From, type GenServer, type ProcessContext, Ref } from '@otp-ts/runtime';
import { idle, withNode } from './helpers.ts';

const WAIT = 30_000;

// Sends `message` to `dest` from a fresh process and waits until that process has sent it.
async function sendFrom(ctx: ProcessContext, dest: Ref, message: unknown): Promise<void> {
  const me = ctx.self();
  ctx.spawn((c) => {
    c.send(dest, message);
    c.send(me, 'sent');
  });
  assert.equal(await ctx.receive((m) => m === 'sent', WAIT), 'sent');
}

// Everything in the mailbox now, without waiting.
function drain(ctx: ProcessContext): unknown[] {
  const out: unknown[] = [];
  for (let m = ctx.receiveNow(); m !== TIMEOUT; m = ctx.receiveNow()) out.push(m);
  return out;
}

test('process_SUITE alias_bif: a message to an active alias arrives; after unalias it is dropped at the sender', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const alias = ctx.alias();
      await sendFrom(ctx, alias, ['via alias', 1]);
      assert.deepEqual(drain(ctx), [['via alias', 1]]);
      // Only the owner can deactivate it.
      const other = await node.run(async (c) => c.unalias(alias));
      assert.equal(other, false);
      await sendFrom(ctx, alias, ['via alias', 2]);
      assert.deepEqual(drain(ctx), [['via alias', 2]]);
      assert.equal(ctx.unalias(alias), true);
      assert.equal(ctx.unalias(alias), false, 'unalias of an inactive alias answers false');
      await sendFrom(ctx, alias, ['via alias', 3]);
      node.send(alias, ['from outside', 4]);
      assert.deepEqual(drain(ctx), [], 'messages to an inactive alias are dropped');
      // A ref that never was an alias is dropped too.
      node.send(ctx.makeRef(), 'never an alias');
      assert.deepEqual(drain(ctx), []);
    });
  });
});

test('process_SUITE alias_bif (reply): alias([reply]) delivers one message and then deactivates itself', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const alias = ctx.alias('reply');
      await sendFrom(ctx, alias, 'first');
      await sendFrom(ctx, alias, 'second');
      assert.deepEqual(drain(ctx), ['first']);
      assert.equal(ctx.unalias(alias), false);
    });
  });
});

test('process_SUITE monitor_alias ({alias, demonitor}): the alias lives as long as the monitor, through demonitor or DOWN', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const target = ctx.spawn(idle);
      const mref = ctx.monitor(target, { alias: 'demonitor' });
      await sendFrom(ctx, mref, 'while monitored');
      assert.deepEqual(drain(ctx), ['while monitored']);
      assert.equal(ctx.demonitor(mref), true);
      await sendFrom(ctx, mref, 'after demonitor');
      assert.deepEqual(drain(ctx), []);

      const mref2 = ctx.monitor(target, { alias: 'demonitor' });
      ctx.exit(target, 'kill');
      const down = await ctx.receive((m) => isDown(m, mref2), WAIT);
      assert.notEqual(down, TIMEOUT);
      await sendFrom(ctx, mref2, 'after DOWN');
      assert.deepEqual(drain(ctx), [], 'the DOWN message deactivated the alias');
    });
  });
});

test('process_SUITE monitor_alias ({alias, reply_demonitor}): the first message through it removes alias and monitor, so no DOWN follows', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const target = ctx.spawn(idle);
      const mref = ctx.monitor(target, { alias: 'replyDemonitor' });
      await sendFrom(ctx, mref, ['reply', 1]);
      await sendFrom(ctx, mref, ['reply', 2]);
      ctx.exit(target, 'kill');
      // A monitor still in place would deliver its DOWN now; a process of our own tells when the kill is through.
      const probe = ctx.monitor(target);
      assert.notEqual(await ctx.receive((m) => isDown(m, probe), WAIT), TIMEOUT);
      assert.deepEqual(drain(ctx), [['reply', 1]], 'one reply, the second dropped, and no DOWN for the removed monitor');
      assert.equal(ctx.processInfo(ctx.self())!.monitors.length, 0);
    });
  });
});

test('monitor_SUITE gh_5225_demonitor_alias: demonitor of a plain alias is harmless; an explicit_unalias monitor alias outlives its noproc DOWN', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const alias = ctx.alias();
      assert.equal(ctx.demonitor(alias), false);
      assert.equal(ctx.demonitor(alias, { flush: true }), false);
      await sendFrom(ctx, alias, 'still an alias');
      assert.deepEqual(drain(ctx), ['still an alias']);

      const dead = ctx.spawn(() => undefined);
      const probe = ctx.monitor(dead);
      await ctx.receive((m) => isDown(m, probe), WAIT);
      const mon = ctx.monitor(dead, { alias: 'explicitUnalias' });
      const down = await ctx.receive((m) => isDown(m, mon), WAIT);
      assert.equal(down !== TIMEOUT && isDown(down) ? down.reason : undefined, 'noproc');
      ctx.demonitor(mon);
      ctx.demonitor(mon, { flush: true });
      await sendFrom(ctx, mon, 'explicit alias still active');
      assert.deepEqual(drain(ctx), ['explicit alias still active']);
      assert.equal(ctx.unalias(mon), true);
    });
  });
});

test('aliases die with their process: a message to the alias of an exited process is dropped', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const pid = ctx.spawn(async (c) => {
        c.send(me, c.alias());
        await c.receive();
      });
      const alias = (await ctx.receive((m) => m instanceof Ref, WAIT)) as Ref;
      const mref = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      await ctx.receive((m) => isDown(m, mref), WAIT);
      ctx.send(alias, 'to a dead alias');
      assert.deepEqual(drain(ctx), []);
    });
  });
});

type Slow = { held: Array<From<string>> };
const slow: GenServer<Slow, 'slow' | 'fast', 'release', string> = {
  name: 'aliases_slow',
  init: () => ok({ held: [] }),
  handleCall: (req, from, s) => (req === 'fast' ? reply('fast', s) : noreply({ held: [...s.held, from] })),
  handleCast(_req, s) {
    for (const from of s.held) reply(from, 'late');
    return noreply({ held: [] });
  },
};

test('gen_server_SUITE call (timeout call): a reply after the call timed out is dropped and never lands in the caller mailbox', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, slow, undefined);
      await assert.rejects(genServer.call(ctx, pid, 'slow', 1), (e: CallError) => e.failure === 'timeout');
      genServer.cast(ctx, pid, 'release');
      // The server has answered the held call once it answers the next one.
      assert.equal(await genServer.call(ctx, pid, 'fast'), 'fast');
      assert.deepEqual(drain(ctx), [], 'the late reply was dropped at the sender');
    });
  });
});

test('gen_server_SUITE reply_by_alias_with_payload: reply(From) whose tag is an alias of the caller reaches it through the alias', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const alias = ctx.alias();
      const from = new From<string>(ctx.self(), alias);
      ctx.spawn(() => reply(from, 'by alias'));
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && (x as { tag?: unknown }).tag === alias, WAIT)) as { value: unknown };
      assert.equal(m.value, 'by alias');
      ctx.unalias(alias);
      ctx.spawn(() => reply(from, 'after unalias'));
      const probe = ctx.spawnMonitor(() => undefined)[1];
      await ctx.receive((x) => isDown(x, probe), WAIT);
      assert.deepEqual(drain(ctx), []);
    });
  });
});
