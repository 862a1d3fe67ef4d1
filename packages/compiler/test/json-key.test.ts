// Where a key is written in a package.json, for diagnostics that point at its line: the key at the right depth,
// not one of the same name deeper or inside a string, and the last of a repeated key (the one JSON.parse keeps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonErrorPlace, keyPlace } from '../src/json-key.ts';

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

// JSON.parse's error for `text`, and where jsonErrorPlace says it is as `line:column` (1-based, as an editor shows it).
function placeOfError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    const { line, column, reason } = jsonErrorPlace(text, error);
    assert.doesNotMatch(reason, /position|is not valid JSON/);
    return `${line}:${column + 1}`;
  }
  return 'valid';
}

test('jsonErrorPlace gives the line and column of a fault, where Node.js names an offset and where it names none', () => {
  assert.equal(placeOfError('{\n  "a": 1\n  "b": 2\n}'), '3:3');
  assert.equal(placeOfError('{\n  "a": [1, 2,]\n}'), '2:14');
  assert.equal(placeOfError('{\n  // note\n  "a": 1\n}'), '2:3');
  assert.equal(placeOfError('{\r\n  "a": undefined\r\n}'), '2:8');
  assert.equal(placeOfError('{\n  "a": 1,\n'), '3:1');
  assert.equal(placeOfError(''), '1:1');
  assert.equal(placeOfError('{"a": "\\q"}'), '1:9');
  assert.equal(placeOfError('{} x'), '1:4');
  assert.equal(placeOfError('['.repeat(100_000)), '1:100001');
});
