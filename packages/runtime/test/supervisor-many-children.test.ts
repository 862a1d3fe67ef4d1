import { test } from 'node:test';
import assert from 'node:assert/strict';
import { supervisor, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const idle = async (ctx: ProcessContext): Promise<void> => {
  await ctx.receive(() => false);
};

// A supervisor's reports name it by its registered name or pid. Reading that through processInfo builds a snapshot of
// the supervisor, its links included (one per child): starting each child of a pool then cost O(children), its n
// children O(n²) (10,000 children took seconds to start, restarts of a big pool likewise).
test('a supervisor starting and restarting children does not snapshot itself (processInfo, O(children)) for each one', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const sup = (await supervisor.startLink(ctx, { init: () => ({ flags: { strategy: 'simpleOneForOne', intensity: 1000 }, children: [supervisor.worker('w', (c: ProcessContext) => c.spawnLink(idle))] }) }, undefined)) as Pid;
      const original = node.processInfo.bind(node);
      let snapshots = 0;
      node.processInfo = (pid: Pid) => {
        if (pid.equals(sup)) snapshots++;
        return original(pid);
      };
      try {
        const children: Pid[] = [];
        for (let i = 0; i < 200; i++) children.push((await supervisor.startChild(ctx, sup, [])) as Pid);
        ctx.exit(children[0]!, 'boom');
        for (const deadline = Date.now() + 5000; (await supervisor.countChildren(ctx, sup)).active !== 200 || ctx.isAlive(children[0]!); ) {
          assert.ok(Date.now() < deadline, 'the crashed child is restarted');
          await ctx.sleep(5);
        }
      } finally {
        node.processInfo = original;
      }
      assert.equal(snapshots, 0, 'no snapshot of the supervisor per child started or restarted');
      ctx.unlink(sup);
      ctx.exit(sup, 'shutdown');
    });
  });
});
