// Compile-time checks: the type checker (run by npm test) fails this file if a server's types stop
// flowing from its callback module to its clients. The runtime part only keeps node:test happy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, ok, reply, noreply, type GenServer } from '@otp-ts/runtime';
import { inProcess } from './helpers.ts';

type Call = { op: 'get' } | { op: 'add'; n: number };
type Cast = { op: 'reset' };
const counter: GenServer<number, Call, Cast, number, number> = {
  init: (n) => ok(n),
  handleCall: (req, _from, n) => (req.op === 'add' ? reply(n + req.n, n + req.n) : reply(n, n)),
  handleCast: () => noreply(0),
};

test('a server started from a typed module is called with its request type and answers its reply type', async () => {
  const total = await inProcess(async (ctx) => {
    const srv = await genServer.startLink(ctx, counter, 1);
    const n: number = await genServer.call(ctx, srv, { op: 'add', n: 2 });
    genServer.cast(ctx, srv, { op: 'reset' });
    if (Math.random() < 0) {
      // @ts-expect-error a request outside Call is refused by the compiler
      await genServer.call(ctx, srv, { op: 'mul', n: 2 });
      // @ts-expect-error the reply is a number, not a string
      const s: string = await genServer.call(ctx, srv, { op: 'get' });
      // @ts-expect-error a cast outside Cast is refused
      genServer.cast(ctx, srv, { op: 'explode' });
      // @ts-expect-error init's argument must be a number
      await genServer.startLink(ctx, counter, 'one');
      void s;
    }
    return n;
  });
  assert.equal(total, 3);
});

test('callbacks are checked against the module\'s state and reply types', () => {
  // @ts-expect-error handleCall must reply with a number
  const bad: GenServer<number, Call, Cast, number, number> = { init: (n) => ok(n), handleCall: (_r, _f, n) => reply('text', n) };
  // @ts-expect-error init must produce the state type
  const bad2: GenServer<number, Call, Cast, number, number> = { init: () => ok('not a number') };
  assert.ok(bad && bad2);
});
