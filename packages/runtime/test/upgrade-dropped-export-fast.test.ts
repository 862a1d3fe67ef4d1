// A new version that drops exports makes the code server delete them from the module's export table, which V8 then
// keeps in dictionary mode: every later call from another module into it would be a slower lookup, for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runWithNatives } from './helpers.ts';

const main = fileURLToPath(new URL('./fixtures/dropped-export-fast-table.ts', import.meta.url));

test('after a load and an upgrade that drop exports, V8 keeps the export table in fast mode', async () => {
  const { code, out, err } = await runWithNatives(main);
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { answer: 'e3', keys: ['a', 'e'], before: true, afterLoad: true, afterUpgrade: true });
});
