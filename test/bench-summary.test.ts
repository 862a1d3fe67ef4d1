import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error bench/results.mjs is plain JavaScript without type declarations
import { buildSummary, writeSection } from '../bench/results.mjs';

/** The summary's row for `measure` in a RESULTS.md text (or a summary alone). */
function row(text: string, measure: string): string {
  const found = text.split('\n').find((l) => l.startsWith('| ') && l.includes(` ${measure} `));
  assert.ok(found, `no summary row for '${measure}' in:\n${text}`);
  return found;
}

test('the bench summary marks a met goal ✔ and a missed one ✘, for ≥ and ≤ goals alike', () => {
  const summary = buildSummary([
    {
      suite: 'runtime',
      measured: '2026-12-05',
      ratios: [
        { measure: 'ring: otp-ts / bare', value: 0.56, goal: '>= 0.75', source: 'issue 20' },
        { measure: 'ping-pong: otp-ts / BEAM', value: 1.66, goal: '>= 1' },
        { measure: 'bytes per idle process', value: 813, unit: ' B', goal: '<= 1024' },
        { measure: 'longest suspension: otp-ts / BEAM', value: 3.05, goal: '<= 1' },
      ],
    },
  ]);
  assert.match(row(summary, 'ring: otp-ts / bare'), /\| 0\.56× \| ≥ 0\.75× \(issue 20\) \| ✘ \|$/);
  assert.match(row(summary, 'ping-pong: otp-ts / BEAM'), /\| 1\.66× \| ≥ 1× \| ✔ \|$/);
  assert.match(row(summary, 'bytes per idle process'), /\| 813 B \| ≤ 1024 B \| ✔ \|$/);
  assert.match(row(summary, 'longest suspension: otp-ts / BEAM'), /\| 3\.05× \| ≤ 1× \| ✘ \|$/);
  assert.match(summary, /2 of 4 goals met/);
});

test('a missed goal that the bare hand-off itself misses in the same run is shown as beyond reach, with the share of the limit reached', () => {
  const summary = buildSummary([
    {
      suite: 'behaviours',
      measured: '2026-12-07',
      ratios: [
        { measure: 'start 10k idle gen_servers: otp-ts / BEAM', value: 0.53, goal: '>= 1', source: 'issue 20', limit: 0.92 },
        { measure: 'gen_server cast, 1M: otp-ts / BEAM', value: 0.9, goal: '>= 1', limit: 4.16 },
        { measure: 'gen_server call: otp-ts / BEAM', value: 2.6, goal: '>= 2', limit: 1.5 },
      ],
    },
  ]);
  // Beyond reach: the limit (0.92×) misses the goal too; 0.53 is 58 % of it. Still a ✘, and not counted as met.
  assert.match(row(summary, 'start 10k idle gen_servers: otp-ts / BEAM'), /\| 0\.53× \| ≥ 1× \(issue 20\) \| ✘ beyond reach: the limit is 0\.92×, reached 58 % \|$/);
  // Within reach (the limit meets the goal): a plain ✘.
  assert.match(row(summary, 'gen_server cast, 1M: otp-ts / BEAM'), /\| ✘ \|$/);
  // A met goal is ✔ whatever its limit.
  assert.match(row(summary, 'gen_server call: otp-ts / BEAM'), /\| ✔ \|$/);
  assert.match(summary, /1 of 3 goals met\. 1 of the 2 missed lies beyond this design's limit measured in the same run \(start 10k idle gen_servers\)/);
});

test('a bench limit that is not a finite number fails the suite with a message naming the measure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  try {
    assert.throws(() => writeSection('runtime', 'x', [{ measure: 'fan-in', value: 1, goal: '>= 2', limit: 'bare' }], join(dir, 'RESULTS.md')), /the limit of 'fan-in' must be a finite number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('re-running one bench section refreshes its rows of the summary and keeps the other sections\' newest figures', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'RESULTS.md');
  writeSection('runtime', '## runtime\n\nring 0.56×', [{ measure: 'ring: otp-ts / bare', value: 0.56, goal: '>= 0.75' }], file);
  writeSection('behaviours', '## behaviours\n\ncast 0.67×', [{ measure: 'cast: otp-ts / BEAM', value: 0.67, goal: '>= 1' }], file);
  // The runtime suite runs again and its goal is now met; behaviours did not run.
  writeSection('runtime', '## runtime\n\nring 0.8×', [{ measure: 'ring: otp-ts / bare', value: 0.8, goal: '>= 0.75' }], file);
  let text = readFileSync(file, 'utf8');
  assert.ok(text.indexOf('## Summary') < text.indexOf('<!-- runtime:start -->'), 'the summary is at the top');
  assert.match(row(text, 'ring: otp-ts / bare'), /\| 0\.80× \| ≥ 0\.75× \| ✔ \|$/);
  assert.match(row(text, 'cast: otp-ts / BEAM'), /\| 0\.67× \| ≥ 1× \| ✘ \|$/);
  assert.equal(text.split('\n').filter((l) => l.startsWith('| runtime | ring')).length, 1, 'the old runtime row is gone');
  // A section rewritten without its list (a suite that does not expose ratios yet) keeps the list it had.
  writeSection('behaviours', '## behaviours\n\ncast, figures only', undefined, file);
  text = readFileSync(file, 'utf8');
  assert.match(row(text, 'cast: otp-ts / BEAM'), /✘ \|$/);
  assert.match(text, /cast, figures only/);
  assert.match(text, /1 of 2 goals met/);
});

test('a bench goal that is not ">= number" or "<= number" fails the suite with a message naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  try {
    assert.throws(() => writeSection('runtime', 'x', [{ measure: 'ring', value: 1, goal: 'at least 0.75' }], join(dir, 'RESULTS.md')), /bench goal 'at least 0.75' is not/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
