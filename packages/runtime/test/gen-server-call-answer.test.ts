// A call's answer is settled by whoever hands the reply, the DOWN or the timeout to the caller (gen/call.ts,
// awaitAnswer), with no async frame between: what a caller sees must stay OTP's gen:call, on every path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, noreply, stop, isDown, CallError, TIMEOUT, type GenServer, type From } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

type Req = 'replyThenStop' | 'hold' | 'release' | 'crash' | 'get';
const server: GenServer<{ held: From[] }, Req, never, unknown, void> = {
  init: () => ok({ held: [] }),
  handleCall(req, from, s) {
    if (req === 'replyThenStop') {
      genServer.reply(from, 'bye');
      return stop('normal', s);
    }
    if (req === 'hold') return noreply({ held: [...s.held, from] });
    if (req === 'release') {
      for (const f of s.held) genServer.reply(f, 'late');
      return reply('released', { held: [] });
    }
    if (req === 'crash') throw new Error('boom');
    return reply(s.held.length, s);
  },
};

test("a server that replies and then exits in the same callback leaves no DOWN of the call in the caller's mailbox (OTP demonitors with flush)", async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      const watch = ctx.monitor(srv);
      assert.equal(await genServer.call(ctx, srv, 'replyThenStop'), 'bye');
      // Our own monitor's DOWN comes after any DOWN the call's monitor would have sent.
      assert.ok(isDown(await ctx.receive((m) => isDown(m) && m.ref === watch, 5000)));
      assert.equal(ctx.receiveNow(), TIMEOUT, 'nothing else waits in the mailbox');
    }),
  );
});

test('a timed-out call throws timeout, its late reply never reaches the mailbox, and the messages that came meanwhile stay in order', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      const me = ctx.self();
      ctx.send(me, 'before');
      const helper = ctx.spawn(async (c) => {
        await c.receive((m) => m === 'go');
        c.send(me, 'during');
        c.send(me, 'after');
      });
      const call = genServer.call(ctx, srv, 'hold', 50);
      ctx.send(helper, 'go');
      await assert.rejects(call, (e: unknown) => e instanceof CallError && e.failure === 'timeout');
      assert.equal(await genServer.call(ctx, srv, 'release'), 'released');
      assert.deepEqual([await ctx.receive(), await ctx.receive(), await ctx.receive()], ['before', 'during', 'after']);
      assert.equal(ctx.receiveNow(), TIMEOUT, 'the late reply was dropped');
    }),
  );
});

test('a call to a server that crashes in its callback throws with the crash reason, and leaves the mailbox empty', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      quietLogs(node);
      const srv = await genServer.start(ctx, server, undefined);
      await assert.rejects(genServer.call(ctx, srv, 'crash'), (e: unknown) => e instanceof CallError && e.failure instanceof Error && e.failure.message === 'boom');
      assert.equal(ctx.receiveNow(), TIMEOUT);
      await assert.rejects(genServer.call(ctx, srv, 'get'), (e: unknown) => e instanceof CallError && e.failure === 'noproc');
    }),
  );
});

test('calls made past the scheduler budget in one turn still get their own replies, in order', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      const me = ctx.self();
      // 30,000 messages to self, taken with receiveNow, spend the turn's budget: the calls then wait for later turns.
      for (let i = 0; i < 30_000; i++) ctx.send(me, i);
      let n = 0;
      while (ctx.receiveNow() !== TIMEOUT) n++;
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await genServer.call(ctx, srv, 'get'));
      assert.deepEqual(answers, [0, 0, 0]);
      assert.ok(n > 0);
    }),
  );
});

test('a refused call (bad timeout, unknown name, calling itself) rejects its promise instead of throwing', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const refused = [genServer.call(ctx, 'no_such_server', 'get'), genServer.call(ctx, ctx.self(), 'get'), genServer.call(ctx, 'x', 'get', -1)];
      const failures = await Promise.all(refused.map((p) => p.then(() => 'resolved', (e: unknown) => (e as { failure?: unknown }).failure ?? (e as Error).name)));
      assert.deepEqual(failures.slice(0, 2), ['noproc', 'calling_self']);
      assert.notEqual(failures[2], 'resolved');
    }),
  );
});

test('a start from a process with messages waiting returns the pid and leaves those messages, in order; a refused start rejects', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const me = ctx.self();
      for (let i = 0; i < 1000; i++) ctx.send(me, i);
      const srv = await genServer.start(ctx, server, undefined);
      assert.equal(await genServer.call(ctx, srv, 'get'), 0);
      const taken = [];
      for (let i = 0; i < 1000; i++) taken.push(await ctx.receive());
      assert.deepEqual(taken, Array.from({ length: 1000 }, (_, i) => i));
      const refused = genServer.start(ctx, server, undefined, { name: 'undefined' });
      await assert.rejects(refused, /cannot be registered/);
      assert.equal(ctx.receiveNow(), TIMEOUT);
    }),
  );
});

test("a call put off by the scheduler's budget still passes over the messages that waited before it (OTP's receive marker), rather than reading them all on the next turn", async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, server, undefined);
      // A message that counts each look at it: instanceof, as a call's match does, asks a Proxy for its prototype.
      let looked = 0;
      const probe = new Proxy({}, { getPrototypeOf: (t) => (looked++, Object.getPrototypeOf(t)) });
      ctx.send(ctx.self(), probe);
      // Enough calls to cross the budget of a turn several times: each is a wait behind the probe.
      for (let i = 0; i < 20_000; i++) assert.equal(await genServer.call(ctx, srv, 'get'), 0);
      assert.equal(looked, 0, 'no call read the message that was waiting before it');
      assert.equal(await ctx.receive(), probe);
    }),
  );
});
