// Many observers of one node: each keeps its own sampling window however many ask in turn, and one past the
// most the node keeps is refused in a sentence rather than taking the window of one still asking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observerRpcModule } from '@otp-ts/runtime/tools';
import { withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Sample = { delay: { p99: number } | null; reductionsPerS: number | null };

test('40 observers asking a node in turn each keep their own window: after its first sample, each sample of each is measured (no rates or delay dropping back to not measured)', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: (viewer?: string) => Promise<Sample> };
    const viewers = Array.from({ length: 40 }, (_, i) => `observer-${i}`);
    for (const v of viewers) assert.equal((await observer.overview(v)).reductionsPerS, null, `${v}'s first sample`);
    // Until the one delay timer has sampled at least once for every viewer (every 100 ms).
    await waitFor('a delay sample', async () => (await observer.overview(viewers[0])).delay !== null, { ms: 30_000, everyMs: 150 });
    for (let round = 0; round < 3; round++) {
      for (const v of viewers) {
        const s = await observer.overview(v);
        assert.equal(typeof s.reductionsPerS, 'number', `${v}, round ${round}: ${JSON.stringify(s)}`);
      }
    }
  });
});

test('an observer past the most a node keeps (256) is refused in one sentence, and the ones it keeps go on being measured', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: (viewer?: string) => Promise<Sample> };
    for (let i = 0; i < 256; i++) await observer.overview(`kept-${i}`);
    await assert.rejects(observer.overview('one-too-many'), (e: unknown) => {
      assert.match(String((e as Error).message), new RegExp(`^${node.name.replace(/[.]/g, '\\.')} already keeps the samples of 256 observers, the most it does: close another observer of it`));
      return true;
    });
    assert.equal(typeof (await observer.overview('kept-0')).reductionsPerS, 'number');
  });
});
