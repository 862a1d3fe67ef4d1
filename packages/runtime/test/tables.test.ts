import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _, type RuntimeError, type Table } from '@otp-ts/runtime';
import { withNode, inProcess, tick } from './helpers.ts';

type User = [name: string, age: number, role: string];

test('a set keeps one record per key; insertNew refuses an existing key', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<User>();
    t.insert(['ann', 30, 'admin']);
    t.insert(['ann', 31, 'admin']);
    t.insertMany([['bob', 25, 'user'], ['cid', 40, 'user']]);
    assert.deepEqual(t.lookup('ann'), [['ann', 31, 'admin']]);
    assert.equal(t.insertNew(['bob', 1, 'x']), false);
    assert.equal(t.insertNew(['dan', 1, 'x']), true);
    assert.equal(t.size, 4);
    t.delete('dan');
    assert.equal(t.member('dan'), false);
    assert.equal(t.get('zed'), undefined);
  });
});

test('a bag keeps many distinct records per key', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>({ type: 'bag' });
    t.insert(['k', 1]);
    t.insert(['k', 2]);
    t.insert(['k', 1]);
    assert.deepEqual(t.lookup('k'), [['k', 1], ['k', 2]]);
    t.deleteObject(['k', 1]);
    assert.deepEqual(t.lookup('k'), [['k', 2]]);
    assert.equal(t.size, 1);
  });
});

test('an orderedSet iterates in key order and supports first, last, next and prev', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number | string, string]>({ type: 'orderedSet' });
    for (const k of [5, 1, 'b', 3, 'a', 10]) t.insert([k, `v${k}`]);
    assert.deepEqual(t.toList().map((r) => r[0]), [1, 3, 5, 10, 'a', 'b']);
    assert.equal(t.first(), 1);
    assert.equal(t.last(), 'b');
    assert.equal(t.next(5), 10);
    assert.equal(t.next(4), 5);
    assert.equal(t.prev(5), 3);
    assert.equal(t.next('b'), undefined);
    assert.equal(t.prev(1), undefined);
    t.delete(3);
    assert.deepEqual([...t].map((r) => r[0]), [1, 5, 10, 'a', 'b']);
  });
});

test('composite keys compare structurally', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[[string, number], string]>({ type: 'orderedSet' });
    t.insert([['user', 2], 'two']);
    t.insert([['user', 1], 'one']);
    assert.deepEqual(t.lookup(['user', 1]), [[['user', 1], 'one']]);
    assert.deepEqual(t.first(), ['user', 1]);
    const s = ctx.newTable<[{ id: number }, string]>();
    s.insert([{ id: 7 }, 'seven']);
    assert.equal(s.get({ id: 7 })?.[1], 'seven');
  });
});

test('object records use a named key position', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<{ id: string; visits: number }>({ keyPos: 'id' });
    t.insert({ id: 'home', visits: 1 });
    assert.equal(t.updateCounter('home', 5, { pos: 'visits' }), 6);
    assert.deepEqual(t.get('home'), { id: 'home', visits: 6 });
  });
});

test('updateCounter increments, uses a default for a missing key, and never mutates a record readers hold', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[string, number]>();
    t.insert(['hits', 1]);
    const held = t.get('hits')!;
    assert.equal(t.updateCounter('hits', 2), 3);
    assert.deepEqual(held, ['hits', 1]);
    assert.equal(t.updateCounter('new', 1, { default: ['new', 10] }), 11);
    assert.throws(() => t.updateCounter('missing', 1), (e: RuntimeError) => e.code === 'badarg');
  });
});

test('match and matchDelete use _ as a wildcard and objects as partial patterns', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<User>();
    t.insertMany([['ann', 30, 'admin'], ['bob', 25, 'user'], ['cid', 30, 'user']]);
    assert.deepEqual(t.match([_, 30, _]).map((r) => r[0]).sort(), ['ann', 'cid']);
    assert.deepEqual(t.match(['bob', _, _]), [['bob', 25, 'user']]);
    assert.deepEqual(t.select((r) => r[1] < 30), [['bob', 25, 'user']]);
    assert.equal(t.matchDelete([_, _, 'user']), 2);
    assert.deepEqual(t.toList(), [['ann', 30, 'admin']]);
    const o = ctx.newTable<{ id: number; tags: { color: string; size: number } }>({ keyPos: 'id' });
    o.insert({ id: 1, tags: { color: 'red', size: 2 } });
    o.insert({ id: 2, tags: { color: 'blue', size: 2 } });
    assert.deepEqual(o.match({ tags: { color: 'red' } }).map((r) => r.id), [1]);
  });
});

test('access rules: protected tables are read-only to others, private ones closed, public ones open', async () => {
  await withNode(async (node) => {
    await node.run(async (owner) => {
      const prot = owner.newTable<[string, number]>({ name: 'prot' });
      owner.newTable<[string, number]>({ name: 'priv', access: 'private' });
      const pub = owner.newTable<[string, number]>({ name: 'pub', access: 'public' });
      prot.insert(['a', 1]);
      const me = owner.self();
      owner.spawn(async (other) => {
        const out: string[] = [];
        const p = other.table<[string, number]>('prot');
        out.push(String(p.get('a')?.[1]));
        try {
          p.insert(['b', 2]);
        } catch (e) {
          out.push((e as RuntimeError).code);
        }
        try {
          other.table('priv');
        } catch (e) {
          out.push((e as RuntimeError).code);
        }
        other.table<[string, number]>('pub').insert(['c', 3]);
        other.send(me, out);
      });
      const errors = await owner.receive();
      assert.deepEqual(errors, ['1', 'access', 'access']);
      assert.deepEqual(pub.get('c'), ['c', 3]);
    });
  });
});

test('a table is deleted when its owner exits, and its name is freed', async () => {
  await withNode(async (node) => {
    let handle!: Table<[string, number]>;
    const owner = node.spawn(async (ctx) => {
      handle = ctx.newTable({ name: 'cache', access: 'public' });
      handle.insert(['k', 1]);
      await ctx.receive();
    });
    await tick();
    node.exit(owner, 'kill');
    await node.run(async (ctx) => {
      assert.throws(() => ctx.table('cache'), /no table named 'cache'/);
      ctx.newTable({ name: 'cache' });
    });
  });
});

test('info reports size, type, access, owner and a memory estimate; drop is for the owner', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<[number, string]>({ type: 'orderedSet', name: 'big' });
    for (let i = 0; i < 1000; i++) t.insert([i, 'x'.repeat(100)]);
    const info = t.info();
    assert.equal(info.size, 1000);
    assert.equal(info.type, 'orderedSet');
    assert.equal(info.access, 'protected');
    assert.equal(info.owner, ctx.self());
    assert.ok(info.memory > 100_000, `memory ${info.memory}`);
    t.drop();
    assert.throws(() => t.size, /no longer exists/);
  });
});

test('bad records and options are refused with badarg and a sentence', async () => {
  await inProcess(async (ctx) => {
    const t = ctx.newTable<unknown>();
    assert.throws(() => t.insert(42), /stores tuples or objects/);
    assert.throws(() => t.insert([]), /no key at position 0/);
    assert.throws(() => ctx.newTable({ type: 'hash' as never }), /unknown table type 'hash'/);
    ctx.newTable({ name: 'dup' });
    assert.throws(() => ctx.newTable({ name: 'dup' }), /already exists/);
  });
});

test('ets:new keypos: a keyPos that is no index >= 0 or property name is badarg naming it, and no table is made', async () => {
  await inProcess(async (ctx) => {
    for (const keyPos of [-1, 1.5, Number.NaN, Infinity, '', true as never]) {
      assert.throws(() => ctx.newTable({ name: 'keypos', keyPos: keyPos as number }), (e: unknown) => (e as RuntimeError).code === 'badarg' && /keyPos must be an index >= 0 or a property name/.test((e as Error).message) && (e as Error).message.includes(String(keyPos)), String(keyPos));
    }
    // No table was made: the name is free.
    const t = ctx.newTable<[string, string, number]>({ name: 'keypos', keyPos: 1 });
    t.insert(['a', 'k', 1]);
    assert.deepEqual(t.lookup('k'), [['a', 'k', 1]]);
  });
});

test('info reads no record for its memory estimate, and the estimate comes back to the empty figure once every record is gone', async () => {
  await inProcess(async (ctx) => {
    for (const type of ['set', 'orderedSet', 'bag', 'duplicateBag'] as const) {
      const t = ctx.newTable<[number, unknown]>({ type });
      const empty = t.info().memory;
      let reads = 0;
      const watched = new Proxy([1, { payload: 'y'.repeat(50) }] as [number, unknown], {
        get: (target, key, receiver) => {
          reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      t.insert(watched);
      for (let i = 2; i < 200; i++) t.insert([i, 'x'.repeat(i)]);
      const filled = t.info().memory;
      assert.ok(filled > empty + 200 * 20, `${type}: memory ${filled} counts the records`);
      reads = 0;
      for (let i = 0; i < 5; i++) assert.equal(t.info().memory, filled);
      assert.equal(reads, 0, `${type}: info read a record ${reads} times`);
      t.insert([2, 'replaced']);
      t.insert([3, 'x'.repeat(3)]);
      t.deleteObject([4, 'x'.repeat(4)]);
      assert.equal(t.take(5).length, 1);
      if (type === 'set' || type === 'orderedSet') t.updateElement(6, [1, 'u']);
      for (let i = 1; i < 200; i++) t.delete(i);
      assert.equal(t.info().memory, empty, `${type}: every record gone`);
    }
  });
});
