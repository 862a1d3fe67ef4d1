// The interleaving explorer example of docs/testing.md: fast-check's scheduler decides in which order the
// processes' steps run, and finds the lost update of a read-then-write counter.
import fc from 'fast-check';
import { createNode, genServer, ok, reply, noreply, TIMEOUT, type GenServer, type Pid, type ProcessContext, type ServerPid } from '@otp-ts/runtime';

type Call = { op: 'get' } | { op: 'inc' };
type Cast = { op: 'set'; value: number };

/** A counter whose clients read, add and write back: two clients at once can lose an update. */
export const counter: GenServer<number, Call, Cast, number, void> = {
  init: () => ok(0),
  handleCall: (req, _from, n) => (req.op === 'inc' ? reply(n + 1, n + 1) : reply(n, n)),
  handleCast: (req, _n) => noreply(req.value),
};

type Increment = (ctx: ProcessContext, srv: Pid, step: () => Promise<void>) => Promise<void>;

/** Read, then write back plus one, with a scheduling point before each message: racy. */
export const readThenWrite: Increment = async (ctx, srv, step) => {
  await step();
  const n = await genServer.call(ctx, srv as ServerPid<Call, Cast, number>, { op: 'get' });
  await step();
  genServer.cast(ctx, srv as ServerPid<Call, Cast, number>, { op: 'set', value: n + 1 });
};

/** One atomic request: no interleaving can lose it. */
export const atomic: Increment = async (ctx, srv, step) => {
  await step();
  await genServer.call(ctx, srv as ServerPid<Call, Cast, number>, { op: 'inc' });
};

/** After two concurrent increments the counter is 2, whatever order the scheduler runs their steps in. */
export const twoIncrementsAddTwo = (increment: Increment) => fc.asyncProperty(fc.scheduler(), async (s) => {
  const node = createNode();
  try {
    return await node.run(async (ctx) => {
      const srv = await genServer.start(ctx, counter, undefined);
      const me = ctx.self();
      for (let i = 0; i < 2; i++) {
        ctx.spawn(async (c) => {
          await increment(c, srv, () => s.schedule(Promise.resolve()));
          c.send(me, 'done');
        });
      }
      // The scheduler releases one pending step at a time, in the order it chooses, until both clients are done.
      // After each released step the other processes run until they block again, so the next choice
      // is made among every step that is really pending.
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      let done = 0;
      while (done < 2) {
        if (s.count() > 0) await s.waitOne();
        for (let i = 0; i < 3; i++) await settle();
        while (ctx.receiveNow((m) => m === 'done') !== TIMEOUT) done++;
      }
      return (await genServer.call(ctx, srv, { op: 'get' })) === 2;
    });
  } finally {
    node.shutdown();
  }
});
