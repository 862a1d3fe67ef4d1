// A release whose node name another node on this host holds (an older copy of it, another project named alike):
// `bin/<name> daemon` exits 1 with the port mapper's refusal and the fixes a release has (its stop command, or
// another name in node.args), not the flags of the otp command, which a start script does not take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '@otp-ts/runtime';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test("bin/<name> daemon whose node name a running node holds names the release's fixes: its stop command, or another name in node.args", { timeout: 180_000 }, async () => {
  const project = releaseProject('kiosk', { prefix: 'reltaken-' });
  const holder = createNode({ onCrash: () => {} });
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    // Another cookie: the daemon's check that no node answers under its name passes, and its node meets the taken name.
    await holder.startDistribution({ name: 'kiosk@127.0.0.1', cookie: 'holder', log: () => {} });
    const r = await project.run(['daemon']);
    assert.equal(r.status, 1, r.out);
    const first = r.stderr.split('\n')[0]!;
    assert.match(first, /^kiosk: kiosk@127\.0\.0\.1 did not start: the port mapper refused to register 'kiosk': the name is taken by a running node \(listening on port \d+\); /);
    assert.match(first, /stop that node \(bin\/kiosk stop, if it is this release already running\), or give this release another node name: --name in config\/node\.args, then otp release \(releases\/0\.1\.0\/node\.args in a release already built\)/);
    assert.doesNotMatch(first, /give this one another name \(--sname or --name\)/);
  } finally {
    holder.shutdown();
    await project.remove();
  }
});
