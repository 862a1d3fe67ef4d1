// The stateful, model-based example of docs/testing.md: fast-check generates sequences of commands,
// runs each against a real supervised gen_server and against a model (a Map), and after every step
// checks that the two agree; a failing sequence is shrunk to the shortest one that still fails.
import fc from 'fast-check';
import { createNode, genServer, ok, reply, supervisor, type GenServer, type ProcessContext, type ServerRef } from '@otp-ts/runtime';

type Call = { op: 'put'; key: string; value: number } | { op: 'get'; key: string } | { op: 'delete'; key: string };
type Store = Map<string, number>;

/** A key-value server; `forgetful` ignores deletes once it holds more than two keys (the bug to find). */
export const kv = (forgetful: boolean): GenServer<Store, Call, never, number | undefined, void> => ({
  init: () => ok(new Map()),
  handleCall: (req, _from, store) => {
    if (req.op === 'get') return reply(store.get(req.key), store);
    const next = new Map(store);
    if (req.op === 'put') next.set(req.key, req.value);
    else if (!(forgetful && store.size > 2)) next.delete(req.key);
    return reply(undefined, next);
  },
});

const KV = 'kv' as ServerRef<Call, never, number | undefined>;
type Real = { ctx: ProcessContext };

class Put implements fc.AsyncCommand<Store, Real> {
  constructor(readonly key: string, readonly value: number) {}
  check = () => true;
  async run(model: Store, { ctx }: Real) {
    await genServer.call(ctx, KV, { op: 'put', key: this.key, value: this.value });
    model.set(this.key, this.value);
  }
  toString = () => `put(${this.key}, ${this.value})`;
}

class Get implements fc.AsyncCommand<Store, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Store, { ctx }: Real) {
    const got = await genServer.call(ctx, KV, { op: 'get', key: this.key });
    if (got !== model.get(this.key)) throw new Error(`get(${this.key}) answered ${got}, the model says ${model.get(this.key)}`);
  }
  toString = () => `get(${this.key})`;
}

class Delete implements fc.AsyncCommand<Store, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Store, { ctx }: Real) {
    await genServer.call(ctx, KV, { op: 'delete', key: this.key });
    model.delete(this.key);
  }
  toString = () => `delete(${this.key})`;
}

/** Kills the server: its supervisor restarts it empty, so the model empties too. */
class Crash implements fc.AsyncCommand<Store, Real> {
  check = () => true;
  async run(model: Store, { ctx }: Real) {
    const before = ctx.whereis('kv')!;
    ctx.exit(before, 'kill');
    while (ctx.whereis('kv') === undefined || ctx.whereis('kv') === before) await ctx.sleep(1);
    model.clear();
  }
  toString = () => 'crash()';
}

const key = fc.constantFrom('a', 'b', 'c', 'd');
const put = fc.tuple(key, fc.integer({ min: 0, max: 9 })).map(([k, v]) => new Put(k, v));
// Weights: puts most often and crashes rarely, so sequences build up some state between crashes.
const commands = fc.commands(
  [
    fc.oneof(
      { weight: 4, arbitrary: put },
      { weight: 3, arbitrary: key.map((k) => new Get(k)) },
      { weight: 2, arbitrary: key.map((k) => new Delete(k)) },
      { weight: 1, arbitrary: fc.constant(new Crash()) },
    ),
  ],
  { maxCommands: 40, size: 'medium' },
);

/** Whatever the sequence of puts, gets, deletes and crashes, the supervised server answers as the model does. */
export const propKvMatchesItsModel = (forgetful: boolean) =>
  fc.asyncProperty(commands, async (cmds) => {
    const node = createNode();
    try {
      await node.run(async (ctx) => {
        const flags = { strategy: 'oneForOne' as const, intensity: 100, period: 1 };
        const start = (c: ProcessContext) => genServer.startLink(c, kv(forgetful), undefined, { name: 'kv' });
        await supervisor.startLink(ctx, { init: () => ({ flags, children: [supervisor.worker('kv', start)] }) }, undefined);
        await fc.asyncModelRun(() => ({ model: new Map(), real: { ctx } }), cmds);
      });
    } finally {
      node.shutdown();
    }
  });
