// Two `bin/<name> daemon` started at once in one release root (a deploy script run twice, a unit restarted
// while it starts): one starts the node, the other waits for its outcome and says in one line that the node
// is already running, naming its pid, without booting a node of its own (no crash dump, no lines of the log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('of two bin/<name> daemon at once, the loser says the node is already running (its os pid) and boots no node: no crash dump, no log lines', { timeout: 240_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'relrace-'));
  const dir = join(base, 'twice');
  const rel = join(dir, '_build', 'prod', 'rel', 'twice');
  const script = (args: string[]) => run(join(rel, 'bin', 'twice'), args, rel);
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'twice', '--quiet'], base), 'otp new');
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
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
    await script(['stop']).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  }
});
