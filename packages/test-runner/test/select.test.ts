import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseShard, shardFiles, shuffleWithSeed } from '../src/run/select.ts';
import { discoverTestFiles } from '../src/run/discover.ts';

test('parseShard accepts i/n with 1 ≤ i ≤ n and says why otherwise', () => {
  assert.deepEqual(parseShard('2/4'), { ok: true, shard: { index: 2, count: 4 } });
  assert.equal(parseShard('0/4').ok, false);
  assert.equal(parseShard('5/4').ok, false);
  assert.match((parseShard('x') as { error: string }).error, /not of the form i\/n/);
});

test('the shards of a file list partition it, whatever the input order', () => {
  fc.assert(fc.property(fc.uniqueArray(fc.string()), fc.integer({ min: 1, max: 6 }), (files, n) => {
    const shards = Array.from({ length: n }, (_, i) => shardFiles(files, { index: i + 1, count: n }));
    assert.deepEqual(shards.flat().sort(), [...files].sort());
    assert.deepEqual(shardFiles([...files].reverse(), { index: 1, count: n }), shards[0]);
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }));
});

test('shuffleWithSeed is a permutation that the same seed replays', () => {
  fc.assert(fc.property(fc.array(fc.integer()), fc.nat(), (xs, seed) => {
    const a = shuffleWithSeed(xs, seed);
    assert.deepEqual([...a].sort(), [...xs].sort());
    assert.deepEqual(shuffleWithSeed(xs, seed), a);
  }));
});

test('paths may hold * and ? in folder names, as an umbrella lists its apps\' test folders; a pattern matching nothing is named', () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-discover-'));
  try {
    for (const f of ['apps/cart/test/cart.test.ts', 'apps/web/test/web.suite.ts', 'apps/web/src/web.ts', 'apps/.hidden/test/h.test.ts', 'test/root.test.ts']) {
      mkdirSync(join(root, dirname(f)), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    assert.deepEqual(discoverTestFiles(root, ['apps/*/test']).map((f) => relative(root, f)), ['apps/cart/test/cart.test.ts', 'apps/web/test/web.suite.ts']);
    assert.deepEqual(discoverTestFiles(root, ['apps/c?rt/test', 'test']).map((f) => relative(root, f)), ['apps/cart/test/cart.test.ts', 'test/root.test.ts']);
    assert.throws(() => discoverTestFiles(root, ['libs/*/test']), /libs\/\*\/test matches no file or folder/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
