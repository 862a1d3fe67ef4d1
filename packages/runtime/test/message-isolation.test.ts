// Message isolation: the BEAM copies a message into the receiver's heap, so a change the sender makes after
// sending never reaches the receiver. In the dev and test profiles otp-ts deep-freezes each local message
// as it is delivered, so such a change throws where it is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Ref} from '@otp-ts/runtime';
import { genServer, messageIsolation, ok, profileIsolation, reply, setMessageIsolation, sys, isDown, Pid, TIMEOUT, type GenServer } from '@otp-ts/runtime';
import { idle, withNode } from './helpers.ts';

const WAIT = 30_000;

async function isolated<T>(body: () => Promise<T>): Promise<T> {
  const was = setMessageIsolation(true);
  try {
    return await body();
  } finally {
    setMessageIsolation(was);
  }
}

test('isolation on: changing a message after sending it throws at the change, and the receiver keeps what was sent', async () => {
  await isolated(() =>
    withNode(async (node) => {
      await node.run(async (ctx) => {
        const me = ctx.self();
        const pid = ctx.spawn(async (c) => c.send(me, ['got', await c.receive()]));
        const order = { items: [{ sku: 'a', qty: 1 }], note: 'first' };
        ctx.send(pid, order);
        assert.throws(() => order.items.push({ sku: 'b', qty: 2 }), TypeError);
        assert.throws(() => {
          order.items[0]!.qty = 99;
        }, TypeError);
        assert.throws(() => {
          order.note = 'changed';
        }, TypeError);
        const got = (await ctx.receive(null, WAIT)) as [string, typeof order];
        assert.deepEqual(got[1], { items: [{ sku: 'a', qty: 1 }], note: 'first' });
      });
    }),
  );
});

test('isolation on: the request of a call and the reply are frozen, the wrappers and the server state untouched', async () => {
  type S = { seen: string[] };
  const server: GenServer<S, { word: string }, never, string[]> = {
    init: () => ok({ seen: [] }),
    // Replies with a fresh array; keeps its own state mutable.
    handleCall: (req, _from, s) => {
      assert.ok(Object.isFrozen(req), 'the request arrives frozen');
      s.seen.push(req.word);
      return reply([...s.seen], s);
    },
  };
  await isolated(() =>
    withNode(async (node) => {
      await node.run(async (ctx) => {
        const pid = await genServer.start(ctx, server, undefined);
        const request = { word: 'one' };
        const answer = await genServer.call(ctx, pid, request);
        assert.deepEqual(answer, ['one']);
        assert.ok(Object.isFrozen(answer), 'the reply is frozen');
        assert.ok(Object.isFrozen(request));
        assert.deepEqual(await genServer.call(ctx, pid, { word: 'two' }), ['one', 'two'], 'the server changed its own state freely');
      });
    }),
  );
});

test('isolation on: pids, refs, Maps, Buffers and class instances in a message are left alone and keep working', async () => {
  class Counter {
    n = 0;
  }
  await isolated(() =>
    withNode(async (node) => {
      await node.run(async (ctx) => {
        const me = ctx.self();
        const worker = ctx.spawn(idle);
        const pid = ctx.spawn(async (c) => c.send(me, await c.receive()));
        const map = new Map([['k', 1]]);
        const buf = Buffer.from('abc');
        const counter = new Counter();
        const ref = ctx.makeRef();
        ctx.send(pid, { worker, ref, map, buf, counter, bytes: new Uint8Array(2) });
        const got = (await ctx.receive(null, WAIT)) as { worker: Pid; ref: Ref };
        assert.ok(got.worker instanceof Pid && !Object.isFrozen(got.worker));
        assert.ok(!Object.isFrozen(got.ref));
        map.set('k', 2);
        buf[0] = 0x41;
        counter.n++;
        // A pid that travelled in a message still ends cleanly (its process slot is written at exit).
        const mref = ctx.monitor(worker);
        ctx.exit(worker, 'kill');
        assert.notEqual(await ctx.receive((m) => isDown(m, mref), WAIT), TIMEOUT);
        assert.equal(ctx.isAlive(worker), false);
      });
    }),
  );
});

test('isolation off (prod): messages are shared as they are, mutable after sending', async () => {
  const was = setMessageIsolation(false);
  try {
    await withNode(async (node) => {
      await node.run(async (ctx) => {
        const pid = ctx.spawn(idle);
        const m = { n: 1 };
        ctx.send(pid, m);
        m.n = 2;
        assert.equal(Object.isFrozen(m), false);
      });
    });
  } finally {
    setMessageIsolation(was);
  }
});

test('the profile decides: OTP_PROFILE dev or test turns isolation on, prod or none leaves it off; OTP_MESSAGE_ISOLATION overrides', () => {
  assert.equal(profileIsolation({ OTP_PROFILE: 'test' }), true);
  assert.equal(profileIsolation({ OTP_PROFILE: 'dev' }), true);
  assert.equal(profileIsolation({ OTP_PROFILE: 'prod' }), false);
  assert.equal(profileIsolation({}), false);
  assert.equal(profileIsolation({ OTP_PROFILE: 'prod', OTP_MESSAGE_ISOLATION: 'on' }), true);
  assert.equal(profileIsolation({ OTP_PROFILE: 'test', OTP_MESSAGE_ISOLATION: 'off' }), false);
  // A Node.js process started with the test profile has it on from the first import.
  const probe = "import { messageIsolation } from '@otp-ts/runtime'; console.log(messageIsolation());";
  const register = fileURLToPath(new URL('../../../scripts/register-ts.mjs', import.meta.url));
  const run = (env: Record<string, string>): string =>
    spawnSync(process.execPath, ['--import', register, '--input-type=module', '-e', probe], { env: { ...process.env, OTP_MESSAGE_ISOLATION: '', ...env }, encoding: 'utf8' }).stdout.trim();
  assert.equal(run({ OTP_PROFILE: 'test' }), 'true');
  assert.equal(run({ OTP_PROFILE: 'prod' }), 'false');
  assert.equal(typeof messageIsolation(), 'boolean');
});

test('isolation on: a sys request answers with the process state unfrozen (OTP copies it), so the server keeps changing its state', async () => {
  type S = { seen: string[] };
  const server: GenServer<S, string, never, number> = {
    init: () => ok({ seen: [] }),
    handleCall: (word, _from, s) => {
      s.seen.push(word);
      return reply(s.seen.length, s);
    },
  };
  await isolated(() =>
    withNode(async (node) => {
      await node.run(async (ctx) => {
        const pid = await genServer.start(ctx, server, undefined);
        await genServer.call(ctx, pid, 'one');
        const state = await sys.getState<S>(ctx, pid);
        assert.equal(Object.isFrozen(state.seen), false);
        assert.equal(await genServer.call(ctx, pid, 'two'), 2, 'the server changes its state after sys.getState');
      });
    }),
  );
});
