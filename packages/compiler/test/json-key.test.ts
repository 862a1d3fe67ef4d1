// Where a key is written in a package.json, for diagnostics that point at its line: the key at the right depth,
// not one of the same name deeper or inside a string, and the last of a repeated key (the one JSON.parse keeps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPlace } from '../src/json-key.ts';

const text = [
  '{',
  '  "name": "kiosk",',
  '  "description": "a \\"mod\\": { trap } [",',
  '  "otp": {',
  '    "env": { "mod": 1, "list": [{ "mod": 2 }] },',
  '    "mod": "src/kiosk_app.ts"',
  '  },',
  '  "mod": "top level",',
  '  "name": "kiosk2"',
  '}',
].join('\n');

test('keyPlace finds the key at its path, past same-named keys deeper, in arrays or inside strings', () => {
  assert.deepEqual(keyPlace(text, ['otp', 'mod']), { line: 6, column: 4 });
  assert.deepEqual(keyPlace(text, ['otp', 'env', 'mod']), { line: 5, column: 13 });
  assert.deepEqual(keyPlace(text, ['mod']), { line: 8, column: 2 });
  assert.deepEqual(keyPlace(text, ['otp']), { line: 4, column: 2 });
});

test('keyPlace gives the last of a repeated key, and line 1 for a key that is not there', () => {
  assert.deepEqual(keyPlace(text, ['name']), { line: 9, column: 2 });
  assert.deepEqual(keyPlace(text, ['otp', 'registered']), { line: 1, column: 0 });
  assert.deepEqual(keyPlace('not json', ['otp']), { line: 1, column: 0 });
});
