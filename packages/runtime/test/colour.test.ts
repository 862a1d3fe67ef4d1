import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourEnabled, colours } from '../src/colour.ts';

test('colour is on for a terminal, off for a pipe; NO_COLOR turns it off, FORCE_COLOR on (and wins, as in Node)', () => {
  const tty = { isTTY: true };
  const pipe = {};
  assert.equal(colourEnabled(tty, {}), true);
  assert.equal(colourEnabled(pipe, {}), false);
  assert.equal(colourEnabled(tty, { NO_COLOR: '1' }), false);
  assert.equal(colourEnabled(tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR is not set (no-color.org)');
  assert.equal(colourEnabled(tty, { TERM: 'dumb' }), false);
  assert.equal(colourEnabled(pipe, { FORCE_COLOR: '1' }), true);
  assert.equal(colourEnabled(pipe, { FORCE_COLOR: '' }), true);
  assert.equal(colourEnabled(tty, { FORCE_COLOR: '0' }), false);
  assert.equal(colourEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
});

test('styles wrap the text only when colour is on', () => {
  assert.equal(colours({}, {}).red('x'), 'x');
  assert.equal(colours({}, { FORCE_COLOR: '1' }).red('x'), '\x1b[31mx\x1b[39m');
  assert.equal(colours({}, { FORCE_COLOR: '1' }).bold(''), '');
});
