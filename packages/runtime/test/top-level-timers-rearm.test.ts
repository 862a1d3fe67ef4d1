// A timer a module's top level started belongs to that version, and so do the timers its callback starts (a setTimeout
// that re-arms itself, a setInterval's tick starting a timeout): a purge stops the whole chain, as it kills the
// processes running that version. A chain of a version still loaded runs on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

const log = globalThis as unknown as { rearmTicks?: string[] };

// Version v: a 1 ms timeout that re-arms itself from its callback, and a 1 ms interval whose tick starts a 1 ms
// timeout; each run is logged with the version. Both end themselves after 5000 runs, so no test leaves them running.
const version = (v: number) =>
  compileModule(
    't/rearm',
    `
const ticks = ((globalThis as any).rearmTicks ??= []);
let runs = 0;
function tick() { ticks.push('timeout${v}'); if (++runs < 5000) setTimeout(tick, 1); }
setTimeout(tick, 1);
let beats = 0;
const i = setInterval(() => { if (++beats > 5000) clearInterval(i); else setTimeout(() => ticks.push('beat${v}'), 1); }, 1);
export const v = ${v};`,
    String(v),
  );

// Resolves once `count` more entries matching `re` are logged (a deadline, not a guess at how long it takes).
async function more(re: RegExp, count: number): Promise<void> {
  const have = () => log.rearmTicks!.filter((t) => re.test(t)).length;
  const want = have() + count;
  const deadline = Date.now() + 5000;
  while (have() < want) {
    if (Date.now() > deadline) throw new Error(`no ${count} more ${re} runs in 5 s: ${log.rearmTicks!.slice(-5).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test("a purge stops the timers a version's timer callbacks started (a timeout re-arming itself), not only its top level's", async () => {
  log.rearmTicks = [];
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(version(1));
    await more(/^timeout1$/, 3);
    await more(/^beat1$/, 3);
    await code.load(version(2));
    await code.load(version(3)); // purges version 1
    const at = log.rearmTicks!.length;
    // Version 3's chains run on: had version 1's survived, they would have run as often meanwhile.
    await more(/^timeout3$/, 20);
    await more(/^beat3$/, 20);
    const after = log.rearmTicks!.slice(at);
    assert.deepEqual(
      after.filter((t) => t.endsWith('1')),
      [],
      'no timer of version 1 ran after its purge',
    );
    assert.ok(after.some((t) => t.endsWith('2')), 'version 2, old but not purged, runs on');
    code.purge('t/rearm'); // purges version 2
    code.delete('t/rearm');
    code.purge('t/rearm'); // purges version 3
  });
});
