// Adversarial cases for sys debug functions (OTP's sys:install): a JavaScript user writes them async.
// OTP removes a debug function that fails; an async one that rejects must be removed the same way, not
// end the Node.js process with an unhandled rejection, and its state is what its promise resolves to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, sys, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const WAIT = 30_000;

const counter: GenServer<number, 'bump', never, number> = {
  init: () => ok(0),
  handleCall: (_req, _from, n) => reply(n + 1, n + 1),
};

// Waits until `check` holds, polling the event loop, or fails after WAIT.
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('sys_SUITE: install — an async debug function that rejects is removed like one that throws, and the server and the Node.js process run on', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    await withNode((node) =>
      node.run(async (ctx) => {
        const srv = await genServer.start(ctx, counter, undefined);
        let calls = 0;
        let rejected = false;
        const failing = async (): Promise<number> => {
          calls++;
          await Promise.resolve();
          rejected = true;
          throw new Error('the debug function failed');
        };
        await sys.install(ctx, srv, failing, 0);
        assert.equal(await genServer.call(ctx, srv, 'bump'), 1);
        await until(() => rejected, 'the debug function to reject');
        // Give the rejection's handler (or its absence) a turn, then go on: the function is gone.
        await new Promise((resolve) => setImmediate(resolve));
        const before = calls;
        assert.equal(await genServer.call(ctx, srv, 'bump'), 2);
        assert.equal(await genServer.call(ctx, srv, 'bump'), 3);
        assert.ok(calls <= before + 1, 'the rejecting function was removed');
        // An unhandled rejection would show here (under node:test it is reported, in a node it ends the process).
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(unhandled, []);
      }),
    );
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test("sys_SUITE: install — an async debug function's state is what its promise resolves to, and resolving to done removes it", async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      const seen: unknown[] = [];
      await sys.install(
        ctx,
        srv,
        async (n: number) => {
          seen.push(n);
          return n >= 2 ? 'done' : n + 1;
        },
        0,
      );
      for (let i = 0; i < 6; i++) {
        // One call at a time, each letting the previous event's promise settle.
        await genServer.call(ctx, srv, 'bump');
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Each call is two events (in and out); the states thread through numbers, never a promise.
      assert.ok(
        seen.every((s) => typeof s === 'number'),
        `states seen: ${String(seen)}`,
      );
      await until(() => seen.includes(2), 'the state to reach 2');
      const count = seen.length;
      await genServer.call(ctx, srv, 'bump');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(seen.length, count, 'removed after resolving to done');
    }),
  );
});

test('sys_SUITE: install — an id is a term: remove with an equal tuple removes the function installed under it, and installing under an equal id replaces it (OTP compares ids by value)', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      const seen: string[] = [];
      await sys.install(ctx, pid, (s: string, e) => (e.type === 'in' ? (seen.push(s), s) : s), 'first', { id: ['counter', 1] });
      await sys.install(ctx, pid, (s: string, e) => (e.type === 'in' ? (seen.push(s), s) : s), 'second', { id: ['counter', 1] });
      await genServer.call(ctx, pid, 'bump');
      assert.deepEqual(seen, ['second'], 'one function under the id: the second replaced the first');
      await sys.remove(ctx, pid, ['counter', 1]);
      await genServer.call(ctx, pid, 'bump');
      assert.deepEqual(seen, ['second'], 'removed by an equal id');
      await genServer.stop(ctx, pid);
    });
  });
});
