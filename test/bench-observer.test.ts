// bench/observer's figures: the observed node's event-loop delay is how late its loop ran, not the sampling interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistogram } from 'node:perf_hooks';
import { DELAY_RESOLUTION_MS, delayFigures } from '../bench/observer/delay.ts';

test("bench/observer's event-loop delay leaves out its 5 ms sampling interval: an idle loop reads about 0 ms, a held turn its lateness", () => {
  const idle = createHistogram();
  for (const late of [0.1, 0.2, 0.3]) idle.record(Math.round((DELAY_RESOLUTION_MS + late) * 1e6));
  const d = delayFigures(idle);
  assert.ok(d.max > 0.25 && d.max < 0.35, `an idle loop is 0.3 ms late at most, not ${d.max} ms`);
  assert.ok(d.p99 < 0.35, `p99 ${d.p99} ms`);
  const held = createHistogram();
  held.record(Math.round((DELAY_RESOLUTION_MS + 40) * 1e6));
  assert.ok(Math.abs(delayFigures(held).max - 40) < 0.5, `a turn held 40 ms past its timer is 40 ms late: ${JSON.stringify(delayFigures(held))}`);
});
