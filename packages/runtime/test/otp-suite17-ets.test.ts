// Cases mirroring OTP's ets_SUITE (lib/stdlib/test/ets_SUITE.erl), each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, _, matchSpec, matchSpecRun } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const refused = (code: string) => (e: unknown): boolean => e instanceof RuntimeError && e.code === code;

test('ets_SUITE ets_all: allTables lists every table of the node in creation order, private ones of other processes too; a deleted table and those of an exited owner leave it', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const before = ctx.allTables();
      const mine = ctx.newTable({ name: 'mine' });
      const gone = ctx.newTable();
      let theirs = -1;
      const owner = ctx.spawn(async (c) => {
        theirs = c.newTable({ access: 'private' }).id;
        c.send(ctx.self(), 'made');
        await c.receive((m) => m === 'stop');
      });
      await ctx.receive((m) => m === 'made');
      assert.deepEqual(ctx.allTables(), [...before, mine.id, gone.id, theirs]);
      // Listed, as ets:all/0 lists it, yet still refused to another process, as ets:lookup of it is.
      assert.throws(() => ctx.table(theirs), refused('access'));
      gone.drop();
      assert.deepEqual(ctx.allTables(), [...before, mine.id, theirs]);
      const down = ctx.monitor(owner);
      ctx.send(owner, 'stop');
      await ctx.receive((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === down);
      assert.deepEqual(ctx.allTables(), [...before, mine.id]);
      for (const id of ctx.allTables()) assert.equal(ctx.table(id).info().id, id, 'every listed table opens');
    });
  });
});

test('ets_SUITE privacy: what a process that does not own a table may do, and the RuntimeError code of each refusal (ETS raises badarg for all)', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const made: Record<string, number> = {};
      const owner = ctx.spawn(async (c) => {
        for (const access of ['public', 'protected', 'private'] as const) made[access] = c.newTable<[string, number]>({ access, name: `privacy_${access}` }).id;
        c.table<[string, number]>(made.protected!).insert(['k', 1]);
        c.send(ctx.self(), 'made');
        await c.receive((m) => m === 'stop');
      });
      await ctx.receive((m) => m === 'made');
      const pub = ctx.table<[string, number]>('privacy_public');
      pub.insert(['k', 2]);
      assert.deepEqual(pub.lookup('k'), [['k', 2]]);
      const prot = ctx.table<[string, number]>('privacy_protected');
      assert.deepEqual(prot.lookup('k'), [['k', 1]]);
      assert.throws(() => prot.insert(['k', 3]), refused('access'), 'a protected table written from another process');
      assert.throws(() => prot.drop(), refused('not_owner'), 'a protected table deleted by another process');
      assert.throws(() => prot.giveAway(ctx.self()), refused('badarg'), 'a table given away by another process');
      assert.throws(() => ctx.table('privacy_private'), refused('access'), 'a private table opened by another process');
      assert.deepEqual(prot.lookup('k'), [['k', 1]], 'nothing refused changed the table');
      ctx.send(owner, 'stop');
    });
  });
});

test('ets_SUITE misc misuse: an error about a huge key, name or value is one short sentence, not a dump of the value', async () => {
  const huge = Array.from({ length: 5000 }, (_, i) => `element-${i}`);
  const longName = 'n'.repeat(20_000);
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const t = ctx.newTable<unknown[]>({ name: longName });
      const o = ctx.newTable<[unknown, number]>({ type: 'orderedSet' });
      o.insert([1n, 0]);
      const misuses: Array<[string, () => unknown]> = [
        ['updateCounter of a missing huge key', () => t.updateCounter(huge, 1)],
        ['lookupElement of a missing huge key', () => t.lookupElement(huge, 1)],
        ['next of a huge key not held', () => t.next(huge)],
        ['a second table of a long name', () => ctx.newTable({ name: longName })],
        ['opening a long name nobody holds', () => ctx.table(`${longName}x`)],
        ['a huge table type', () => ctx.newTable({ type: huge.join('') as 'set' })],
        ['a fold given a huge value', () => t.foldl(huge as unknown as () => number, 0)],
        ['selectReplace changing a bigint key', () => o.selectReplace(matchSpec<[unknown, number]>().select((r) => [2n, r[1]]))],
        ['a record without a key in a long-named table', () => t.insert([])],
      ];
      for (const [what, misuse] of misuses) {
        assert.throws(misuse, (e: unknown) => {
          assert.ok(e instanceof RuntimeError, `${what}: a RuntimeError, got ${String(e)}`);
          assert.equal(e.code, 'badarg', what);
          assert.ok(e.message.length <= 400, `${what}: a ${e.message.length}-character message`);
          return true;
        });
      }
      assert.deepEqual(o.toList(), [[1n, 0]], 'the refused selectReplace replaced nothing');
    });
  });
});

test('ets_SUITE select_fail: a select given something other than a match spec (an ETS-style list spec, a number) is badarg naming matchSpec, in every select form', async () => {
  const etsStyle = [[['$1', 22], [], ['$1']]];
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const t = ctx.newTable<[number, number]>();
      t.insert([1, 22]);
      const notSpec = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && /match spec made with matchSpec<Row>\(\)/.test(e.message);
      const anyT = t as unknown as Record<string, (...a: unknown[]) => unknown>;
      for (const form of ['select', 'selectReverse', 'selectCount', 'selectDelete', 'selectReplace']) {
        assert.throws(() => anyT[form]!.call(t, etsStyle), notSpec, `${form} of a list spec`);
        assert.throws(() => anyT[form]!.call(t, 5), notSpec, `${form} of a number`);
      }
      assert.throws(() => t.select(etsStyle as never, 1), notSpec, 'select with a limit');
      assert.throws(() => matchSpecRun([[1, 22]], etsStyle as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
      assert.deepEqual(t.toList(), [[1, 22]], 'no refused call changed the table');
    });
  });
});

test('ets_SUITE badinsert: insertMany and insertNewMany of something other than an array are badarg, not its characters taken as records', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const t = ctx.newTable<unknown[]>({ keyPos: 'length' as never });
      assert.throws(() => t.insertMany('ab' as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /takes an array of records/.test(e.message));
      assert.throws(() => t.insertNewMany(new Set([[1]]) as never), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /takes an array of records/.test(e.message));
      assert.equal(t.size, 0);
    });
  });
});

test('ets_SUITE t_named_select: a continuation of a deleted table is badarg, also on a new table of the same name; after a rename it goes on', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ids = matchSpec<[number, number]>().match([_, 22]).select((r) => r[0]);
      const t = ctx.newTable<[number, number]>({ name: 't_name_tid_select' });
      t.insertMany([[1, 11], [2, 22], [3, 33]]);
      const first = t.select(ids, 1)!;
      assert.deepEqual(first.rows, [2]);
      t.drop();
      assert.throws(() => t.select(first.continuation), refused('badarg'));
      const again = ctx.newTable<[number, number]>({ name: 't_name_tid_select' });
      assert.throws(() => again.select(first.continuation), refused('badarg'));
      again.insertMany([[1, 22], [2, 22], [4, 22]]);
      const two = again.select(ids, 2)!;
      again.rename('abcd');
      const rest = ctx.table<[number, number]>('abcd').select(two.continuation)!;
      assert.equal([...two.rows, ...rest.rows].reduce((a, b) => a + b, 0), 7);
      assert.equal(rest.continuation, undefined);
    });
  });
});

test('ets_SUITE whereis_table: whereisTable answers a named table\'s id, also a private one of another process; undefined once deleted or renamed away, and for a name rename gave an unnamed table', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.equal(ctx.whereisTable('whereis_test'), undefined);
      const t = ctx.newTable({ name: 'whereis_test' });
      assert.equal(ctx.whereisTable('whereis_test'), t.id);
      t.rename('whereis_new');
      assert.equal(ctx.whereisTable('whereis_test'), undefined);
      assert.equal(ctx.whereisTable('whereis_new'), t.id);
      t.drop();
      assert.equal(ctx.whereisTable('whereis_new'), undefined);
      const unnamed = ctx.newTable();
      unnamed.rename('given_later');
      assert.equal(ctx.whereisTable('given_later'), undefined, 'as rename_unnamed: the name is not registered');
      let theirs = -1;
      const owner = ctx.spawn(async (c) => {
        theirs = c.newTable({ name: 'whereis_private', access: 'private' }).id;
        c.send(ctx.self(), 'made');
        await c.receive((m) => m === 'stop');
      });
      await ctx.receive((m) => m === 'made');
      assert.equal(ctx.whereisTable('whereis_private'), theirs);
      assert.throws(() => ctx.whereisTable(5 as unknown as string), refused('badarg'));
      ctx.send(owner, 'stop');
    });
  });
});
