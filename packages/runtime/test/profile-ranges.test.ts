// otp_profile over rpc (`otp rpc NODE otp_profile heap '[0]'`, a script) took any number and cut it down unseen:
// heap(0) listed 1 process, heap(5000) 1000, run(0) profiled for 10 s, run(400000) for 5 min and a 5 µs sampling
// interval became 100 µs, snapshotOpen(100) kept a 1 MB limit while the error said otherwise. Each is now refused
// in one sentence naming the argument, the option it comes from, the range and what to give, as otp_trace's procs is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, rpc } from '@otp-ts/runtime';
import { EpmdServer, HEAP_MAX_TOP, PROFILE_MAX_MS, PROFILE_RPC_MODULE, SNAPSHOT_MIN_BYTES, type HeapReport, type ProfileResult } from '@otp-ts/runtime/tools';

test('otp_profile heap, run and snapshotOpen refuse counts out of range in one sentence, never cut them down', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'profile_ranges@127.0.0.1', cookie: 'k', epmdPort, log: () => {} });
  try {
    await node.run(async (ctx) => {
      const call = (fn: string, args: unknown[]) => rpc.call(ctx, node.name, PROFILE_RPC_MODULE, fn, args, 30_000);
      for (const top of [0, HEAP_MAX_TOP + 1, 2.5, '5']) {
        await assert.rejects(call('heap', [top]), new RegExp(`failed: heap lists from 1 to ${HEAP_MAX_TOP} processes and tables \\(otp heap --top\\), got ${JSON.stringify(top).replace('.', '\\.')}: give a whole number in that range, e.g\\. 20$`), `heap ${String(top)}`);
      }
      // In range, and the default, still answer.
      assert.equal(((await call('heap', [HEAP_MAX_TOP])) as HeapReport).node, node.name);
      assert.ok(((await call('heap', [])) as HeapReport).processes.length <= 20);

      for (const ms of [0, PROFILE_MAX_MS + 1, 1.5]) {
        const r = (await call('run', [ms, undefined, 1000])) as ProfileResult;
        assert.deepEqual(r, { ok: false, badInput: true, error: `run profiles for a whole number of milliseconds from 1 to ${PROFILE_MAX_MS} (otp profile --time, at most 5m), got ${ms}: give e.g. 10000` });
      }
      for (const us of [5, 100_001]) {
        const r = (await call('run', [50, undefined, us])) as ProfileResult;
        assert.deepEqual(r, { ok: false, badInput: true, error: `run samples every 100 to 100000 µs, a whole number, got ${us}: give e.g. 1000` });
      }
      // Nothing was left running by the refusals.
      assert.equal(await call('running', []), null);

      for (const max of [100, 0, SNAPSHOT_MIN_BYTES - 1, '2GB']) {
        const r = await call('snapshotOpen', ['a test', max]);
        assert.deepEqual(r, { ok: false, error: `snapshotOpen takes a limit (otp heap --snapshot-max) of a whole number of bytes from ${SNAPSHOT_MIN_BYTES} (1MB) up, got ${JSON.stringify(max)}: give e.g. 2147483648 (2GB)` });
      }
    });
  } finally {
    node.shutdown();
    await epmd.close();
  }
});
