import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyWait } from '../src/distribution/busy-wait.ts';

// Waits until a spell of polling has run out.
async function spellOver(bw: BusyWait): Promise<void> {
  while (bw.polling) await new Promise((r) => setImmediate(r));
}

// `n` spells of polling; in each, more traffic arrives while it polls when `extended` is true, and the
// next comes after `gapMs` of quiet (1 ms: longer than any window, so polling longer would not have helped).
async function spells(bw: BusyWait, n: number, extended: boolean, gapMs = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    bw.touch();
    if (extended) bw.touch();
    await spellOver(bw);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
}

test('polling that traffic does not extend shrinks the window by halves, down to 25 µs', async () => {
  const bw = new BusyWait(200);
  assert.equal(bw.windowUs, 200);
  await spells(bw, 32, false);
  assert.equal(bw.windowUs, 100, 'polling that never paid off costs less');
  await spells(bw, 64, false);
  assert.equal(bw.windowUs, 25);
  await spells(bw, 32, false);
  assert.equal(bw.windowUs, 25, 'never below the floor');
});

test('polling that traffic extends grows the window back to its maximum, and 0 turns it off', async () => {
  const bw = new BusyWait(200);
  await spells(bw, 96, false);
  assert.equal(bw.windowUs, 25);
  await spells(bw, 32, true);
  assert.equal(bw.windowUs, 50);
  await spells(bw, 96, true);
  assert.equal(bw.windowUs, 200, 'back to the maximum, not past it');
  // Traffic that comes back right after a spell ran out (a reply just late for a short window) counts as
  // paid off too: a longer window would have caught it.
  await spells(bw, 96, false);
  assert.equal(bw.windowUs, 25);
  await spells(bw, 96, false, 0);
  assert.equal(bw.windowUs, 200);
  const off = new BusyWait(0);
  off.touch();
  assert.equal(off.polling, false);
});
