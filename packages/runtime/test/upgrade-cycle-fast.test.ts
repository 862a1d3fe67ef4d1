// An upgrade of modules in an import cycle holds their export tables behind getters while it evaluates them; after
// it, V8 must keep each table in fast mode, or every later call from another module into them is a slower lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runWithNatives } from './helpers.ts';

const main = fileURLToPath(new URL('./fixtures/cycle-fast-table.ts', import.meta.url));

test('after an upgrade of two modules importing each other, V8 keeps both export tables in fast mode', async () => {
  const { code, out, err } = await runWithNatives(main);
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { answer: 'a2', fast: { 'app/a': true, 'app/b': true } });
});
