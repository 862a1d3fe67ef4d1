// Cases of OTP's ets_SUITE (lib/stdlib/test/ets_SUITE.erl) the other ets test files do not translate yet,
// each test named after the case it follows. ETS's badarg is a RuntimeError with code 'badarg' here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, _, gt, matchSpec, type ProcessContext, type Table, type TableType } from '@otp-ts/runtime';
import { ended, inProcess } from './helpers.ts';

const badarg = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg';
const TYPES: TableType[] = ['set', 'orderedSet', 'bag', 'duplicateBag'];
const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

type KV = [unknown, ...unknown[]];

test('ets_SUITE setbag: a set keeps the last record of a key, a bag each distinct one, a duplicate bag every copy', async () => {
  await inProcess(async (ctx) => {
    const counts: Record<string, number> = {};
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      t.insert(['k', 1]);
      t.insert(['k', 2]);
      t.insert(['k', 2]);
      counts[type] = t.lookup('k').length;
      if (type === 'set' || type === 'orderedSet') assert.deepEqual(t.lookup('k'), [['k', 2]]);
      t.drop();
    }
    assert.deepEqual(counts, { set: 1, orderedSet: 1, bag: 2, duplicateBag: 3 });
  });
});

test('ets_SUITE verybadnew: a bad type, access, keyPos or name is badarg and creates nothing', async () => {
  await inProcess(async (ctx) => {
    const before = ctx.allTables();
    const bad: unknown[] = [{ type: 'sett' }, { access: 'secret' }, { keyPos: -1 }, { keyPos: 1.5 }, { name: '' }, { name: 42 }, 'set', 7];
    for (const options of bad) assert.throws(() => ctx.newTable(options as never), badarg, JSON.stringify(options));
    assert.deepEqual(ctx.allTables(), before);
  });
});

test('ets_SUITE keypos2: a key at index 1 is looked up, deleted and kept unique there, and a record too short for it is badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type, keyPos: 1 });
      t.insert(['a', 'k', 1]);
      t.insert(['b', 'k', 1]);
      t.insert(['c', 'j', 2]);
      assert.equal(t.lookup('k').length, type === 'set' || type === 'orderedSet' ? 1 : 2, type);
      assert.deepEqual(t.lookup('a'), [], `${type}: the first element is no key`);
      assert.throws(() => t.insert(['only'] as KV), badarg, `${type}: a record without element 1`);
      t.delete('k');
      assert.deepEqual(t.toList(), [['c', 'j', 2]]);
      t.drop();
    }
  });
});

test('ets_SUITE badlookup: lookup in a deleted table or by a name nobody holds is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ name: 'badlookup' });
    t.drop();
    assert.throws(() => t.lookup('k'), badarg);
    assert.throws(() => ctx.table('badlookup'), badarg);
    assert.throws(() => ctx.table(123456789), badarg);
  });
});

test('ets_SUITE delete_elem: delete removes every record of a key and a key not there is no error', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      for (let i = 0; i < 50; i++) t.insert([i % 10, i]);
      t.delete(3);
      t.delete('never');
      assert.equal(t.member(3), false, type);
      assert.equal(t.size, type === 'set' || type === 'orderedSet' ? 9 : 45, type);
      t.drop();
    }
  });
});

test('ets_SUITE delete_tab: a dropped table is gone for every operation and its name is free again', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type, name: 'delete_tab' });
      t.insert([1, 1]);
      t.drop();
      for (const op of [() => t.insert([2, 2]), () => t.get(1), () => t.toList(), () => t.first(), () => t.info(), () => t.size, () => t.drop(), () => t.select(matchSpec<KV>())]) assert.throws(op, badarg, type);
      ctx.newTable({ type, name: 'delete_tab' }).drop();
    }
  });
});

test('ets_SUITE evil_delete: a table dropped inside its own fold or select callback ends the walk with badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      for (let i = 0; i < 20; i++) t.insert([i, i]);
      let seen = 0;
      assert.throws(() => t.foldl((_r, acc: number) => { seen++; if (acc === 3) t.drop(); return acc + 1; }, 0), badarg, type);
      assert.equal(seen, 4, type);
      assert.throws(() => t.lookup(1), badarg);
    }
  });
});

test('ets_SUITE match_delete3: matchDelete with a partly bound pattern on bags removes only the matching records', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      t.insertMany([['a', 1, 'x'], ['a', 2, 'y'], ['b', 1, 'x'], ['c', 1, 'z']]);
      const set = type === 'set' || type === 'orderedSet';
      // In a set ['a', 2, 'y'] replaced ['a', 1, 'x'], so only the 'b' record matches there.
      assert.equal(t.matchDelete([_, 1, 'x']), set ? 1 : 2, type);
      assert.deepEqual(sorted(t.toList()), sorted([['a', 2, 'y'], ['c', 1, 'z']]), type);
      assert.equal(t.matchDelete(['a', _, _]), 1, type);
      assert.deepEqual(t.toList(), [['c', 1, 'z']], type);
      t.drop();
    }
  });
});

test('ets_SUITE firstnext_lookup: a first/next walk reaches every key once and each key looks up', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      for (let i = 0; i < 200; i++) t.insert([i % 150, i]);
      const seen = new Set<unknown>();
      for (let k = t.first(); k !== undefined; k = t.next(k)) {
        assert.ok(!seen.has(k), `${type}: ${String(k)} twice`);
        seen.add(k);
        assert.ok(t.lookup(k).length > 0);
      }
      assert.equal(seen.size, 150, type);
      t.drop();
    }
  });
});

test('ets_SUITE firstnext: first/next/last/prev on an orderedSet go on from a key that is no longer there, with no fix', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ type: 'orderedSet' });
    for (const k of [10, 20, 30, 40]) t.insert([k]);
    t.delete(20);
    assert.equal(t.next(20), 30);
    assert.equal(t.prev(20), 10);
    assert.equal(t.next(25), 30);
    assert.equal(t.prev(35), 30);
    assert.equal(t.next(40), undefined);
    assert.equal(t.prev(10), undefined);
    assert.equal(t.next(100), undefined);
    assert.equal(t.prev(0), undefined);
    t.delete(10);
    t.delete(40);
    assert.equal(t.first(), 30);
    assert.equal(t.last(), 30);
    t.delete(30);
    assert.equal(t.first(), undefined);
    assert.equal(t.last(), undefined);
  });
});

test('ets_SUITE match_object2: matchObject with a partly bound key in an orderedSet answers in key order', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ type: 'orderedSet' });
    for (let i = 9; i >= 0; i--) t.insert([[i % 2, i], i]);
    assert.deepEqual(t.matchObject([[1, _], _]).map((r) => r[1]), [1, 3, 5, 7, 9]);
    assert.deepEqual(t.matchObject([[0, 4], _]), [[[0, 4], 4]]);
    assert.deepEqual(t.matchObject([[2, _], _]), []);
  });
});

test('ets_SUITE ordered_match: match on an orderedSet answers in key order for any pattern', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ type: 'orderedSet' });
    for (const k of [5, 'b', 3, 'a', 1]) t.insert([k, 'v']);
    assert.deepEqual(t.matchObject([_, 'v']).map((r) => r[0]), [1, 3, 5, 'a', 'b']);
    assert.deepEqual(t.select(matchSpec<KV>().match([_, 'v']).select((r) => r[0])), [1, 3, 5, 'a', 'b']);
  });
});

test('ets_SUITE lookup_element_mult: lookupElement of a bag answers each record\'s element; a short record or a missing key is badarg', async () => {
  await inProcess(async (ctx) => {
    const b = ctx.newTable<KV>({ type: 'bag' });
    b.insertMany([['k', 1, 'a'], ['k', 2, 'b']]);
    assert.deepEqual(b.lookupElement('k', 2), ['a', 'b']);
    assert.deepEqual(b.lookupElement('k', 0), ['k', 'k']);
    assert.throws(() => b.lookupElement('k', 3), badarg);
    b.insert(['k', 3]);
    assert.throws(() => b.lookupElement('k', 2), badarg, 'one record too short');
    assert.throws(() => b.lookupElement('none', 1), badarg);
    const s = ctx.newTable<KV>();
    s.insert(['k', 1]);
    assert.equal(s.lookupElement('k', 1), 1);
    assert.throws(() => s.lookupElement('k', 2), badarg);
    assert.throws(() => s.lookupElement('k', -1), badarg);
  });
});

test('ets_SUITE lookup_element_default: a missing key answers the default, a present one its element, a bad position is still badarg', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      t.insert(['k', 1]);
      assert.equal(t.lookupElement('none', 1, { default: 'd' }), 'd', type);
      assert.deepEqual(t.lookupElement('k', 1, { default: 'd' }), type === 'bag' || type === 'duplicateBag' ? [1] : 1, type);
      assert.throws(() => t.lookupElement('k', 5, { default: 'd' }), badarg, type);
      t.drop();
    }
  });
});

test('ets_SUITE foldl_ordered, foldr_ordered: folds over an orderedSet go up and down the keys', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ type: 'orderedSet' });
    for (const k of [3, 1, 4, 2]) t.insert([k]);
    assert.deepEqual(t.foldl((r, acc: unknown[]) => [...acc, r[0]], []), [1, 2, 3, 4]);
    assert.deepEqual(t.foldr((r, acc: unknown[]) => [...acc, r[0]], []), [4, 3, 2, 1]);
  });
});

test('ets_SUITE fold_empty: a fold over an empty table answers the initial accumulator', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      assert.equal(t.foldl(() => 1, 0), 0);
      assert.equal(t.foldr(() => 1, 0), 0);
      t.drop();
    }
  });
});

test('ets_SUITE fold_badarg: a fold over a deleted table, or with no function, is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    t.insert([1]);
    assert.throws(() => t.foldl(42 as never, 0), badarg);
    t.drop();
    assert.throws(() => t.foldl((_r, a) => a, 0), badarg);
    assert.throws(() => t.foldr((_r, a) => a, 0), badarg);
  });
});

test('ets_SUITE t_insert_list_set, t_insert_list_bag, t_insert_list_duplicate_bag: insertMany keeps the semantics of single inserts, last one wins in a set', async () => {
  await inProcess(async (ctx) => {
    const rows: KV[] = [['a', 1], ['b', 1], ['a', 2], ['a', 2], ['b', 1]];
    for (const type of TYPES) {
      const one = ctx.newTable<KV>({ type });
      const many = ctx.newTable<KV>({ type });
      for (const r of rows) one.insert(r);
      many.insertMany(rows);
      assert.deepEqual(sorted(many.toList()), sorted(one.toList()), type);
      if (type === 'set') assert.deepEqual(many.get('a'), ['a', 2]);
      one.drop();
      many.drop();
    }
  });
});

test('ets_SUITE t_insert_list_delete_set: insertMany with a bad record inserts none of the list', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type, keyPos: 1 });
      assert.throws(() => t.insertMany([['x', 1], ['y'] as KV, ['z', 2]]), badarg, type);
      assert.equal(t.size, 0, type);
      t.drop();
    }
  });
});

test('ets_SUITE fixtable_iter_bag: a fixed bag walk goes on after every record of the current key is deleted', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<KV>({ type });
      for (let i = 0; i < 30; i++) { t.insert([i, 'a']); t.insert([i, 'b']); }
      t.safeFixtable(true);
      const seen: unknown[] = [];
      for (let k = t.first(); k !== undefined; k = t.next(k)) {
        seen.push(k);
        t.delete(k);
      }
      t.safeFixtable(false);
      assert.equal(seen.length, 30, type);
      assert.equal(t.size, 0, type);
      t.drop();
    }
  });
});

test('ets_SUITE update_counter: thresholds wrap upward and downward, several ops apply in order, a bag or a non-integer element is badarg', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    t.insert(['c', 0, 10]);
    assert.equal(t.updateCounter('c', { incr: 5, threshold: 4, setValue: 1 }), 1);
    assert.equal(t.updateCounter('c', { incr: 3, threshold: 4, setValue: 1 }), 4, 'equal to the threshold is not past it');
    assert.equal(t.updateCounter('c', { pos: 2, incr: -11, threshold: 0, setValue: 100 }), 100);
    assert.equal(t.updateCounter('c', { pos: 2, incr: -100, threshold: 0, setValue: 7 }), 0);
    assert.deepEqual(t.updateCounter('c', [{ pos: 1, incr: 1 }, { pos: 1, incr: 1 }, { pos: 2, incr: 2 }]), [5, 6, 2]);
    assert.deepEqual(t.get('c'), ['c', 6, 2]);
    assert.throws(() => t.updateCounter('c', { pos: 0, incr: 1 }), badarg, 'the key');
    assert.throws(() => t.updateCounter('c', { pos: 3, incr: 1 }), badarg, 'past the record');
    t.insert(['s', 'text']);
    assert.throws(() => t.updateCounter('s', 1), badarg, 'not an integer');
    t.insert(['f', 1.5]);
    assert.throws(() => t.updateCounter('f', 1), badarg, 'a float');
    assert.throws(() => t.updateCounter('c', [{ pos: 1, incr: 1 }, { pos: 9, incr: 1 }]), badarg);
    assert.deepEqual(t.get('c'), ['c', 6, 2], 'a failed list changes nothing');
    const b = ctx.newTable<KV>({ type: 'bag' });
    b.insert(['c', 1]);
    assert.throws(() => b.updateCounter('c', 1), badarg);
  });
});

test('ets_SUITE update_counter_with_default: a missing key gets the default, its key element replaced, then the increment', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet'] as const) {
      const t = ctx.newTable<KV>({ type });
      assert.equal(t.updateCounter('a', 1, { default: ['whatever', 10] }), 11, type);
      assert.deepEqual(t.get('a'), ['a', 11]);
      assert.equal(t.updateCounter('a', 1, { default: ['whatever', 10] }), 12, 'the default is ignored once the key is there');
      assert.deepEqual(t.updateCounter('b', [{ pos: 1, incr: 1 }, { pos: 2, incr: -1 }], { default: ['b', 0, 0] }), [1, -1]);
      assert.deepEqual(t.get('b'), ['b', 1, -1]);
      t.drop();
    }
  });
});

test('ets_SUITE update_counter_with_default_bad_pos: the key position or one past the default is badarg and inserts nothing', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    assert.throws(() => t.updateCounter('a', { pos: 0, incr: 1 }, { default: ['a', 0] }), badarg);
    assert.throws(() => t.updateCounter('a', { pos: 2, incr: 1 }, { default: ['a', 0] }), badarg);
    assert.equal(t.size, 0);
  });
});

test('ets_SUITE update_counter_with_default_bad_default: a default with a non-integer counter or too short for the key is badarg and inserts nothing', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    assert.throws(() => t.updateCounter('a', 1, { default: ['a', 'x'] }), badarg);
    assert.throws(() => t.updateCounter('a', 1, { default: 'notatuple' as never }), badarg);
    const k2 = ctx.newTable<KV>({ keyPos: 2 });
    assert.throws(() => k2.updateCounter('a', { pos: 1, incr: 1 }, { default: [0, 0] }), badarg, 'no element for the key');
    assert.equal(t.size + k2.size, 0);
  });
});

test('ets_SUITE update_element: several elements change in one write, the key or a position past the record is badarg, a missing key is false', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet'] as const) {
      const t = ctx.newTable<KV>({ type });
      t.insert(['k', 1, 2]);
      assert.equal(t.updateElement('k', [[1, 'a'], [2, 'b'], [1, 'c']]), true);
      assert.deepEqual(t.get('k'), ['k', 'c', 'b'], `${type}: applied in order`);
      assert.equal(t.updateElement('none', [1, 'x']), false);
      assert.throws(() => t.updateElement('k', [0, 'k2']), badarg, 'the key');
      assert.throws(() => t.updateElement('k', [[1, 'z'], [3, 'x']]), badarg, 'past the record');
      assert.deepEqual(t.get('k'), ['k', 'c', 'b'], 'a refused update changes nothing');
      t.drop();
    }
    const b = ctx.newTable<KV>({ type: 'bag' });
    b.insert(['k', 1]);
    assert.throws(() => b.updateElement('k', [1, 2]), badarg);
  });
});

test('ets_SUITE update_element_default: a missing key gets the default with its key replaced, then the updates', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    assert.equal(t.updateElement('k', [1, 'new'], { default: ['other', 'old', 'x'] }), true);
    assert.deepEqual(t.get('k'), ['k', 'new', 'x']);
    assert.throws(() => t.updateElement('m', [5, 'new'], { default: ['m', 'old'] }), badarg);
    assert.equal(t.member('m'), false);
  });
});

test('ets_SUITE partly_bound: a select with a partly bound key in an orderedSet finds only its rows, in order', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[[string, number], number]>({ type: 'orderedSet' });
    for (let i = 0; i < 50; i++) t.insert([[i % 2 === 0 ? 'even' : 'odd', i], i]);
    const odd = t.select(matchSpec<[[string, number], number]>().match([['odd', _], _]).where((r) => gt(r[1], 40)).select((r) => r[1]));
    assert.deepEqual(odd, [41, 43, 45, 47, 49]);
    assert.equal(t.selectCount(matchSpec<[[string, number], number]>().match([['even', _], _])), 25);
    assert.equal(t.selectDelete(matchSpec<[[string, number], number]>().match([['even', _], _])), 25);
    assert.equal(t.size, 25);
  });
});

test('ets_SUITE take: take answers and removes every record of a key, none for a missing key', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      t.insertMany([['k', 1], ['k', 2], ['j', 3]]);
      const taken = t.take('k');
      assert.equal(taken.length, type === 'set' || type === 'orderedSet' ? 1 : 2, type);
      assert.deepEqual(t.take('k'), []);
      assert.deepEqual(t.toList(), [['j', 3]]);
      t.drop();
    }
  });
});

test('ets_SUITE t_insert_new: insertNew refuses a key already there in every type, and insertNewMany is all or nothing', async () => {
  await inProcess(async (ctx) => {
    for (const type of TYPES) {
      const t = ctx.newTable<KV>({ type });
      assert.equal(t.insertNew(['k', 1]), true);
      assert.equal(t.insertNew(['k', 2]), false, type);
      assert.equal(t.insertNewMany([['a', 1], ['k', 3]]), false, type);
      assert.equal(t.member('a'), false, type);
      assert.equal(t.insertNewMany([['a', 1], ['b', 2]]), true);
      assert.equal(t.size, 3);
      t.drop();
    }
  });
});

test('ets_SUITE info: every info field says what the table is', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ type: 'bag', access: 'public', name: 'info_tab', keyPos: 1 });
    t.insertMany([['a', 1], ['b', 1], ['c', 2]]);
    const i = t.info();
    assert.equal(i.id, t.id);
    assert.equal(i.name, 'info_tab');
    assert.equal(i.type, 'bag');
    assert.equal(i.access, 'public');
    assert.equal(i.keyPos, 1);
    assert.equal(i.size, 3);
    assert.ok(i.owner.equals(ctx.self()));
    assert.equal(i.heir, 'none');
    assert.equal(i.fixed, false);
    assert.equal(i.safeFixed, false);
    assert.ok(i.memory > 0);
  });
});

async function otherProcess(ctx: ProcessContext, body: (c: ProcessContext) => void): Promise<void> {
  const me = ctx.self();
  ctx.spawn(async (c) => {
    let result: unknown = 'ok';
    try { body(c); } catch (e) { result = e; }
    c.send(me, { done: result });
  });
  const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'done' in x)) as { done: unknown };
  if (m.done !== 'ok') throw m.done;
}

test('ets_SUITE bad_table: after the owner exits, the table is gone for every process and its name is free', async () => {
  await inProcess(async (ctx) => {
    const me = ctx.self();
    const owner = ctx.spawn(async (c) => {
      c.newTable<KV>({ name: 'bad_table', access: 'public' }).insert([1]);
      c.send(me, 'made');
      await c.receive((m) => m === 'go');
    });
    await ctx.receive((m) => m === 'made');
    const held: Table<KV> = ctx.table<KV>('bad_table');
    assert.deepEqual(held.lookup(1), [[1]]);
    ctx.send(owner, 'go');
    await ended(ctx, owner);
    for (const op of [() => held.lookup(1), () => held.insert([2]), () => held.info(), () => held.drop()]) assert.throws(op, badarg, 'a handle opened before the owner exited');
    assert.throws(() => ctx.table('bad_table'), badarg);
    await otherProcess(ctx, (c) => {
      assert.throws(() => c.table('bad_table'), badarg);
      assert.throws(() => c.table(held.id), badarg);
    });
    ctx.newTable({ name: 'bad_table' });
  });
});

test('ets_SUITE privacy: a protected table reads from another process but refuses its writes of every kind', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>({ name: 'prot', access: 'protected' });
    t.insert(['k', 1]);
    await otherProcess(ctx, (c) => {
      const o = c.table<KV>('prot');
      assert.deepEqual(o.lookup('k'), [['k', 1]]);
      assert.equal(o.select(matchSpec<KV>()).length, 1);
      const writes: Array<() => unknown> = [
        () => o.insert(['j', 1]), () => o.insertNew(['j', 1]), () => o.delete('k'), () => o.deleteObject(['k', 1]),
        () => o.deleteAllObjects(), () => o.updateCounter('k', 1), () => o.updateElement('k', [1, 2]), () => o.take('k'),
        () => o.matchDelete([_, _]), () => o.selectDelete(matchSpec<KV>()), () => o.selectReplace(matchSpec<KV>()),
        () => o.rename('p2'), () => o.setHeir('none'), () => o.insertMany([['j', 1]]), () => o.insertNewMany([['j', 1]]),
      ];
      for (const w of writes) assert.throws(w, (e: unknown) => e instanceof RuntimeError, String(w));
    });
    assert.deepEqual(t.toList(), [['k', 1]]);
    assert.equal(t.name, 'prot');
  });
});

test('ets_SUITE update_element: a position that is no element of the record (an array\'s length, a fraction, an inherited property) is badarg and changes nothing', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<KV>();
    t.insert(['k', 1]);
    for (const pos of ['length', 0.5, '1'] as never[]) {
      assert.throws(() => t.updateElement('k', [pos, 0]), badarg, `updateElement at ${String(pos)}`);
      assert.throws(() => t.updateCounter('k', { pos, incr: 1 }), badarg, `updateCounter at ${String(pos)}`);
      assert.throws(() => t.lookupElement('k', pos), badarg, `lookupElement at ${String(pos)}`);
    }
    assert.deepEqual(t.get('k'), ['k', 1]);
    type Obj = { id: string; n: number };
    const o = ctx.newTable<Obj>({ keyPos: 'id' });
    o.insert({ id: 'k', n: 1 });
    for (const pos of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.throws(() => o.lookupElement('k', pos), badarg, `lookupElement of ${pos}`);
      assert.throws(() => o.updateElement('k', [pos, { polluted: true }]), badarg, `updateElement of ${pos}`);
      assert.throws(() => o.updateCounter('k', { pos, incr: 1 }), badarg, `updateCounter of ${pos}`);
    }
    const stored = o.get('k')!;
    assert.deepEqual(stored, { id: 'k', n: 1 });
    assert.equal(Object.getPrototypeOf(stored), Object.prototype);
  });
});

test('ets_SUITE badinsert: an object record whose key property is only inherited has no key and is badarg', async () => {
  await inProcess(async (ctx) => {
    for (const keyPos of ['toString', 'constructor']) {
      const t = ctx.newTable<object>({ keyPos });
      assert.throws(() => t.insert({ n: 1 }), badarg, keyPos);
      assert.throws(() => t.insertMany([{ [keyPos]: 'own' }, { n: 1 }]), badarg, keyPos);
      assert.equal(t.size, 0);
      t.insert({ [keyPos]: 'own' });
      assert.equal(t.size, 1);
      t.drop();
    }
  });
});

test('ets_SUITE firstnext: prev of a key a set or bag does not hold is badarg naming prev, not next', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<KV>({ type });
      t.insert([1]);
      assert.throws(() => t.prev(9), (e: unknown) => badarg(e) && (e as Error).message.startsWith('prev: key 9'), type);
      assert.throws(() => t.next(9), (e: unknown) => badarg(e) && (e as Error).message.startsWith('next: key 9'), type);
      t.drop();
    }
  });
});
