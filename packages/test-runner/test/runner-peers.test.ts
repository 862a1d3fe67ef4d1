import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { runFixture, removeCopy, type FixtureRun } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

// A private port mapper: workers and peers inherit OTP_EPMD_PORT, so nothing is left running on 4369.
const epmd = new EpmdServer();
const runs: FixtureRun[] = [];
before(async () => {
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
});
after(async () => {
  runs.forEach((r) => removeCopy(r.root));
  await epmd.close();
});

// A killed child of a terminated worker thread may stay a zombie until the runner exits: dead all the same.
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('a suite starts peer nodes as OS processes, partitions them (NodeDown, noconnection) and heals them', async () => {
  const run = await runFixture('peers');
  runs.push(run);
  for (const name of ['connected', 'partitionGivesNodeDown', 'peersPartitionEachOther', 'startedInCase', 'stoppedWithItsCase']) {
    assert.equal(run.find(name).status, 'passed', `${name}: ${run.find(name).failure?.text}\n${run.result.files[0]?.output}`);
  }
  assert.equal(run.text.trimEnd().split('\n').at(-1), '5 passed, 0 failed');
});

test('peers are killed when their file ends, even when a case hangs and its worker is terminated', async () => {
  const run = await runFixture('peers-timeout');
  runs.push(run);
  assert.equal(run.find('hangsWithPeers').status, 'failed');
  const pids = [...run.result.files[0]!.output.matchAll(/peer-pid (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 2, run.result.files[0]!.output);
  // Killed with the file's end: each peer's OS process is gone soon after (a deadline, not a fixed wait).
  await waitFor('the peers of the timed-out file are gone', () => pids.filter(alive).length === 0).catch(() => assert.deepEqual(pids.filter(alive), []));
});
