import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessTable } from '../src/process-table.ts';
import { createNode } from '../src/create.ts';
import { Pid } from '../src/pid.ts';

// An entry as the node's process records are: a pid's number and serial, and whether it has ended.
class Entry {
  dead = false;
  constructor(readonly pid: { id: number; serial: number }) {}
}

function spawnInto(table: ProcessTable<Entry>): Entry {
  const e = new Entry({ id: table.take(), serial: table.serial });
  table.add(e);
  return e;
}

test('numbers of live processes never share a slot, through growth and churn, and each is found by number and serial', () => {
  const table = new ProcessTable<Entry>();
  const longLived: Entry[] = [];
  // Every 7th process lives on while the others end: the long-lived ones sit in slots the numbers come round to.
  for (let i = 0; i < 60_000; i++) {
    const e = spawnInto(table);
    if (i % 7 === 0) longLived.push(e);
    else {
      e.dead = true;
      table.delete(e);
    }
  }
  assert.equal(table.size, longLived.length);
  for (const e of longLived) assert.equal(table.get(e.pid.id, e.pid.serial), e);
  const ids = new Set(longLived.map((e) => e.pid.id));
  assert.equal(ids.size, longLived.length, 'two live processes got the same number');
  assert.equal(table.values().length, longLived.length);
  assert.equal(table.get(longLived[0]!.pid.id, longLived[0]!.pid.serial + 1), undefined, 'a pid of another serial is not this process');
});

test('a process ended during iteration is not visited after it, and a removed entry is not found', () => {
  const table = new ProcessTable<Entry>();
  const all = Array.from({ length: 10 }, () => spawnInto(table));
  const seen: Entry[] = [];
  table.forEach((e) => {
    seen.push(e);
    if (e === all[0]) {
      all[5]!.dead = true;
      table.delete(all[5]!);
    }
  });
  assert.equal(seen.length, 9);
  assert.ok(!seen.includes(all[5]!));
  assert.equal(table.get(all[5]!.pid.id, all[5]!.pid.serial), undefined);
});

test('past number 2^31 - 1 numbers start again at 1 with the next serial, skipping the slots still taken', () => {
  const table = new ProcessTable<Entry>(0x7fffffff - 2);
  const before = [spawnInto(table), spawnInto(table), spawnInto(table)];
  assert.deepEqual(before.map((e) => [e.pid.id, e.pid.serial]), [[0x7fffffff - 2, 0], [0x7fffffff - 1, 0], [0x7fffffff, 0]]);
  const after = spawnInto(table);
  assert.deepEqual([after.pid.id, after.pid.serial], [1, 1]);
  for (const e of [...before, after]) assert.equal(table.get(e.pid.id, e.pid.serial), e);
});

// A trace of `new` or `existing` processes keeps the mark instead of a set of every live process: the mark must
// order after every pid handed out before it and at or before every one after, through the wrap past 2^31 - 1.
test('the pid mark orders every earlier pid before it and every later one at or after it, across the wrap', () => {
  const table = new ProcessTable<Entry>(0x7fffffff - 2);
  const before = (e: Entry, m: { serial: number; id: number }) => e.pid.serial < m.serial || (e.pid.serial === m.serial && e.pid.id < m.id);
  const first = spawnInto(table);
  const middle = table.mark;
  // The last number before the wrap: the mark taken after it is past every number, and the next pid wraps.
  const older = [first, spawnInto(table), spawnInto(table)];
  assert.equal(older[2]!.pid.id, 0x7fffffff);
  const mark = table.mark;
  const newer = [spawnInto(table), spawnInto(table)];
  assert.deepEqual(newer.map((e) => e.pid.serial), [1, 1], 'the newer pids run past the wrap');
  assert.ok(older.every((e) => before(e, mark)));
  assert.ok(newer.every((e) => !before(e, mark)));
  assert.ok(before(first, middle) && [...older.slice(1), ...newer].every((e) => !before(e, middle)));
});

test('a node keeps its long-lived processes reachable by a pid rebuilt from number and serial while thousands come and go', async () => {
  const node = createNode();
  try {
    const kept: Pid[] = [];
    await node.run(async (ctx) => {
      for (let round = 0; round < 20; round++) {
        kept.push(ctx.spawn((c) => c.receive()));
        const gone = Array.from({ length: 2_000 }, () => ctx.spawn(() => undefined));
        await ctx.sleep(0);
        assert.ok(gone.every((p) => !ctx.isAlive(p)));
      }
    });
    assert.equal(node.processCount, kept.length);
    for (const p of kept) {
      // A pid from the wire or the shell has no link to its record: the table finds it by number and serial.
      const rebuilt = new Pid(0, p.id, p.serial);
      assert.ok(node.isAlive(rebuilt), `${p} not found by its number`);
      assert.ok(!node.isAlive(new Pid(0, p.id, p.serial + 1)));
    }
    assert.deepEqual(new Set(node.processes().map(String)), new Set(kept.map(String)));
  } finally {
    node.shutdown();
  }
});
