// The examples of docs/runtime.md (aliases, spawn options, message isolation) and docs/behaviours.md
// (enterLoop), run as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, isDown, ok, reply, noreply, setMessageIsolation, TIMEOUT, type GenServer, type ProcessFn, type Ref } from '@otp-ts/runtime';
import { idle, quietLogs, withNode } from './helpers.ts';

type Status = { status: string };
const isStatus = (m: unknown): m is Status => typeof m === 'object' && m !== null && 'status' in m;

test('docs/runtime.md example: a status request through a monitor alias; a late answer is dropped', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      // Answers at once, or only once told to go; then tells the test it has answered.
      const statusServer = (hold: boolean): ProcessFn => async (c) => {
        const req = (await c.receive()) as { replyTo: Ref };
        if (hold) await c.receive((m) => m === 'go');
        c.send(req.replyTo, { status: 'fine' });
        c.send(me, 'answered');
      };
      for (const [hold, wait, expected] of [[false, 30_000, 'fine'], [true, 1, 'timeout']] as const) {
        const server = ctx.spawn(statusServer(hold));
        // The example's code, as in the docs (with `wait` for its 1000):
        const alias = ctx.monitor(server, { alias: 'replyDemonitor' });
        ctx.send(server, { replyTo: alias, ask: 'status' });
        const answer = await ctx.receive((m) => isStatus(m) || isDown(m, alias), wait);
        if (answer === TIMEOUT) {
          ctx.unalias(alias);
          ctx.demonitor(alias, { flush: true });
        }
        assert.equal(answer === TIMEOUT ? 'timeout' : (answer as Status).status, expected);
        if (hold) ctx.send(server, 'go');
        assert.equal(await ctx.receive((m) => m === 'answered', 30_000), 'answered');
        assert.equal(ctx.receiveNow((m) => isStatus(m)), TIMEOUT, 'no answer left in the mailbox: a late one was dropped');
      }
    });
  });
});

test('docs/runtime.md example: spawn with maxMailbox', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const worker = idle;
      // The example's code, as in the docs:
      const pid = ctx.spawn(worker, { maxMailbox: 10_000 });
      ctx.spawn(worker, { maxMailbox: { size: 10_000, kill: false } });
      assert.equal(ctx.isAlive(pid), true);
    });
  });
});

test('docs/runtime.md example: message isolation', async () => {
  const was = setMessageIsolation(true);
  try {
    await withNode(async (node) => {
      await node.run(async (ctx) => {
        const pid = ctx.spawn(idle);
        // The example's code, as in the docs:
        const order = { items: ['book'] };
        ctx.send(pid, order);
        assert.throws(() => order.items.push('pen'), TypeError);
      });
    });
  } finally {
    setMessageIsolation(was);
  }
});

type Call = { op: 'get' } | { op: 'add'; n: number };
type Cast = { op: 'reset' };
const counter: GenServer<number, Call, Cast, number, number> = {
  name: 'counter',
  init: (start) => ok(start),
  handleCall: (req, _from, n) => (req.op === 'add' ? reply(n + req.n, n + req.n) : reply(n, n)),
  handleCast: () => noreply(0),
  codeChange: (_oldVsn, n) => n,
};

test('docs/behaviours.md example: enterLoop', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      // The example's code, as in the docs:
      const pid = ctx.spawn(async (c) => {
        c.trapExit(true);
        await genServer.enterLoop(c, counter, 0, { name: 'counter' });
      }, { name: 'counter' });
      assert.equal(await genServer.call(ctx, 'counter', { op: 'add', n: 2 }), 2);
      assert.equal(ctx.whereis('counter'), pid);
    });
  });
});
