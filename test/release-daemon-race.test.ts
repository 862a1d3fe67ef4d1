// Two `bin/<name> daemon` started at once in one release root (a deploy script run twice, a unit restarted
// while it starts): one starts the node, the other waits for its outcome and says in one line that the node
// is already running, naming its pid, without booting a node of its own (no crash dump, no lines of the log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('of two bin/<name> daemon at once, the loser says the node is already running (its os pid) and boots no node: no crash dump, no log lines', { timeout: 240_000 }, async () => {
  const project = releaseProject('twice', { prefix: 'relrace-' });
  const { rel } = project;
  const script = (args: string[]) => project.run(args);
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all([script(['daemon']), script(['daemon'])]);
      const winner = results.find((r) => r.status === 0);
      const loser = results.find((r) => r.status !== 0);
      assert.ok(winner && loser, results.map((r) => r.out).join('\n---\n'));
      const pid = /\(os pid (\d+)\)/.exec(winner.stdout)![1];
      assert.deepEqual([loser.status, loser.stdout, loser.stderr.trim()], [1, '', `twice: twice@127.0.0.1 is already running (os pid ${pid}): stop it first (bin/twice stop)`]);
      assert.deepEqual(readdirSync(rel).filter((e) => e.includes('crash')), []);
      assert.equal(await ok(script(['pid']), 'pid'), pid);
      assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
      assert.equal(existsSync(join(rel, 'run', 'twice.starting')), false, 'the start lock is released');
    }
  } finally {
    await project.remove();
  }
});
