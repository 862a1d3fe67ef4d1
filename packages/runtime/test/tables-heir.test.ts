import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDown, isTableTransfer, Pid, TIMEOUT, type RuntimeError, type Table, type TableTransfer } from '@otp-ts/runtime';
import { inProcess, idle } from './helpers.ts';

type Row = [key: string, value: number];

const badarg = (e: unknown): boolean => (e as RuntimeError).code === 'badarg';

test('ets_SUITE heir: the heir inherits the table with the heir data, before the DOWN of the owner', async () => {
  await inProcess(async (ctx) => {
    const heir = ctx.self();
    const [founder, ref] = ctx.spawnMonitor(async (c) => {
      const t = c.newTable<Row>({ name: 'inherited', access: 'private', heir: { pid: heir, data: 'heir data' } });
      t.insert(['key', 1]);
      assert.equal(t.info().heir, heir);
      c.send(heir, 'filled');
    });
    assert.equal(await ctx.receive((m) => m === 'filled'), 'filled');
    const first = await ctx.receive((m) => isTableTransfer(m) || isDown(m, ref));
    assert.ok(isTableTransfer(first), 'the transfer comes before the DOWN');
    const transfer = first as TableTransfer<Row>;
    assert.equal(transfer.from, founder);
    assert.equal(transfer.data, 'heir data');
    assert.deepEqual(transfer.table.lookup('key'), [['key', 1]]);
    transfer.table.insert(['key', 2]);
    assert.deepEqual(ctx.table<Row>('inherited').lookup('key'), [['key', 2]]);
    const info = transfer.table.info();
    assert.equal(info.owner, heir);
    assert.equal(info.heir, heir, 'the heir setting stays, so the table dies with its new owner');
    await ctx.receive((m) => isDown(m, ref));
  });
});

test('ets_SUITE heir: a table whose heir is dead is deleted with its owner', async () => {
  await inProcess(async (ctx) => {
    const [deadHeir, heirRef] = ctx.spawnMonitor(async () => {});
    await ctx.receive((m) => isDown(m, heirRef));
    const [, ref] = ctx.spawnMonitor(async (c) => {
      c.newTable<Row>({ name: 'orphan', heir: { pid: deadHeir, data: 0 } }).insert(['k', 1]);
    });
    await ctx.receive((m) => isDown(m, ref));
    assert.throws(() => ctx.table('orphan'), badarg);
    assert.equal(await ctx.receive(isTableTransfer, 0), TIMEOUT, 'no transfer was sent');
  });
});

test('ets_SUITE heir: the owner being its own heir, or heir none, deletes the table', async () => {
  await inProcess(async (ctx) => {
    const [, ref] = ctx.spawnMonitor(async (c) => {
      const self = c.newTable<Row>({ name: 'self-heir', heir: { pid: c.self(), data: 1 } });
      self.insert(['a', 1]);
      const none = c.newTable<Row>({ name: 'no-heir', heir: { pid: c.self() } });
      none.setHeir('none');
      assert.equal(none.info().heir, 'none');
    });
    await ctx.receive((m) => isDown(m, ref));
    assert.throws(() => ctx.table('self-heir'), badarg);
    assert.throws(() => ctx.table('no-heir'), badarg);
  });
});

test('ets_SUITE setopts: only the owner sets the heir, and the heir must be a local pid', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Row>({ name: 'opts', access: 'public' });
    const other = ctx.spawn(async (c) => {
      const handle = c.table<Row>('opts');
      try {
        handle.setHeir({ pid: c.self() });
        c.send(ctx.self(), 'set');
      } catch (e) {
        c.send(ctx.self(), (e as RuntimeError).code);
      }
    });
    assert.equal(await ctx.receive((m) => m === 'badarg' || m === 'set'), 'badarg');
    t.setHeir({ pid: other, data: 'x' });
    assert.equal(t.info().heir, other);
    const remote = new Pid(3, 1, 0);
    assert.throws(() => t.setHeir({ pid: remote }), badarg);
    assert.throws(() => ctx.newTable({ heir: { pid: 'nobody' as unknown as Pid } }), badarg);
  });
});

test('ets_SUITE give_away: the receiver owns the table, may give it back, and it dies with the last owner', async () => {
  await inProcess(async (ctx) => {
    const parent = ctx.self();
    const t: Table<Row> = ctx.newTable<Row>({ name: 'gift', access: 'private' });
    t.insert(['key', 1]);
    const [receiver, ref] = ctx.spawnMonitor(async (c) => {
      const got = await c.receive(isTableTransfer);
      assert.equal(got.from, parent);
      assert.equal(got.data, 'here you are');
      const mine = got.table as Table<Row>;
      assert.deepEqual(mine.lookup('key'), [['key', 1]]);
      mine.insert(['key', 2]);
      mine.giveAway(parent, 'back again');
    });
    t.giveAway(receiver, 'here you are');
    assert.throws(() => t.lookup('key'), (e: unknown) => (e as RuntimeError).code === 'access', 'private to the receiver now');
    const back = await ctx.receive(isTableTransfer);
    assert.equal(back.from, receiver);
    assert.equal(back.data, 'back again');
    assert.deepEqual(t.lookup('key'), [['key', 2]]);
    await ctx.receive((m) => isDown(m, ref));

    const [keeper, ref2] = ctx.spawnMonitor(async (c) => {
      await c.receive(isTableTransfer);
    });
    t.giveAway(keeper, null);
    await ctx.receive((m) => isDown(m, ref2));
    assert.throws(() => t.info(), badarg);
  });
});

test('ets_SUITE give_away: badarg for a non-owner, the owner itself, a dead process or a remote pid', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<Row>({ name: 'refused', access: 'public' });
    const [dead, ref] = ctx.spawnMonitor(async () => {});
    await ctx.receive((m) => isDown(m, ref));
    assert.throws(() => t.giveAway(ctx.self(), 1), badarg);
    assert.throws(() => t.giveAway(dead, 1), badarg);
    assert.throws(() => t.giveAway('pid' as unknown as Pid, 1), badarg);
    const live = ctx.spawn(idle);
    const answer = ctx.spawn(async (c) => {
      try {
        c.table<Row>('refused').giveAway(live, 1);
        c.send(ctx.self(), 'given');
      } catch (e) {
        c.send(ctx.self(), (e as RuntimeError).code);
      }
    });
    assert.ok(answer);
    assert.equal(await ctx.receive((m) => m === 'badarg' || m === 'given'), 'badarg');
    assert.equal(t.info().owner, ctx.self());
    ctx.exit(live, 'kill');
  });
});
