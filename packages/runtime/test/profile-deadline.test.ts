// `otp profile NODE --time T` profiles for T: the node takes its deadline as soon as the profiler starts, so
// the work it does after (its log notice, the monitor of the client) comes out of T, not on top of it, and the
// duration it reports is the one measured around the profiler. A fake clock makes the notice take all of T.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, loggerOf, rpc } from '../src/index.ts';
import { EpmdServer, PROFILE_RPC_MODULE, type ProfileResult } from '../src/tools.ts';
import { profileClock } from '../src/trace/profile.ts';

test('a profile whose start-up notice takes its whole --time stops at once and reports the time it profiled', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode({ onCrash: () => {} });
  const realNow = profileClock.now;
  const limit = 60_000;
  let offset = 0;
  let noticed = false;
  try {
    await node.startDistribution({ name: 'profile_deadline@127.0.0.1', cookie: 'k', epmdPort, log: () => {} });
    const logger = loggerOf(node);
    logger.removeHandler('default');
    // The notice the node logs once the profiler runs: on the fake clock it takes the whole limit.
    logger.addHandler({
      id: 'slow',
      log: (e) => {
        if (e.meta.module !== PROFILE_RPC_MODULE || noticed) return;
        noticed = true;
        offset += limit;
      },
    });
    profileClock.now = () => realNow() + offset;
    const profiling = node.run((ctx) => rpc.call(ctx, node.name, PROFILE_RPC_MODULE, 'run', [limit, undefined, 1000], limit * 2)) as Promise<ProfileResult>;
    // Without a deadline taken at the profiler's start, the node would wait the full minute after the notice.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), limit / 2)));
    const result = await Promise.race([profiling, late]).finally(() => clearTimeout(timer));
    assert.notEqual(result, 'late', 'the profile ran past its deadline: the time after the notice was not counted');
    const done = result as ProfileResult;
    assert.ok(done.ok, done.ok ? '' : done.error);
    assert.ok(noticed, 'the profile logged its notice');
    assert.ok(done.ms >= limit, `the reported duration (${done.ms} ms) leaves out the time the notice took while profiling`);
  } finally {
    profileClock.now = realNow;
    node.shutdown();
    await epmd.close();
  }
});
