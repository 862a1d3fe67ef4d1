// A release root copied elsewhere (cp -a) while its node runs shares that node's name: a command run from the copy
// must not act on the original root's node. stop, upgrade, rpc, eval, pid and daemon refuse (exit 1) naming the
// other root and the fixes; ping answers, naming the root its node was started from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test("a copy of a running release's root refuses to act on the original root's node (stop, upgrade, rpc, daemon), naming that root; ping and versions name it (versions still showing what runs)", { timeout: 240_000 }, async () => {
  const project = releaseProject('depot', { prefix: 'relcopy-' });
  const { base, rel } = project;
  const copy = join(base, 'elsewhere');
  const original = (args: string[]) => project.run(args);
  const copied = (args: string[]) => run(join(copy, 'bin', 'depot'), args, copy);
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    await ok(original(['daemon']), 'daemon');
    cpSync(rel, copy, { recursive: true, verbatimSymlinks: true });
    const otherRoot = new RegExp(`started from another release root, ${rel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    for (const args of [['stop'], ['upgrade', '0.1.0'], ['rpc', 'otp', 'processCount'], ['pid'], ['eval', '1 + 1']]) {
      const r = await copied(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.out}`);
      assert.match(r.stderr, otherRoot, args.join(' '));
      assert.match(r.stderr, /give this copy another node name \(--name in releases\/0\.1\.0\/node\.args\)/, args.join(' '));
    }
    const daemon = await copied(['daemon']);
    assert.equal(daemon.status, 1, daemon.out);
    assert.match(daemon.stderr, otherRoot);
    assert.match(daemon.stderr, /bin\/depot stop\), or give this copy another node name/);
    const ping = await copied(['ping']);
    assert.equal(ping.status, 0, ping.out);
    assert.equal(ping.stdout, 'pong');
    assert.match(ping.stderr, otherRoot);
    // versions lists the copy's own versions with the "(running)" note the original shows, marked as the other root's.
    const versions = await copied(['versions']);
    assert.equal(versions.status, 0, versions.out);
    assert.equal(versions.stdout, `0.1.0        permanent (running from ${rel}, not from this root)`);
    assert.match(versions.stderr, otherRoot);
    assert.match(versions.stderr, /what it runs is marked as that root's; run .*bin\/depot versions for its own/);
    assert.match(await ok(original(['versions']), 'versions'), /^0\.1\.0 +permanent \(running\)$/m);
    // The original root's node still runs, and its own commands act on it without a word about another root.
    assert.equal(await ok(original(['ping']), 'ping'), 'pong');
    assert.equal((await original(['ping'])).stderr, '');
    assert.equal(await ok(original(['stop']), 'stop'), 'stopped');
  } finally {
    await project.remove();
  }
});
