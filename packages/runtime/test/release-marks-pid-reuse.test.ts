// A node killed -9 mid-install leaves releases/installing.json (and maybe the root's lock) naming its pid; once the OS gives
// that pid to another process, the marks must still read as stale: each records its process's start time, compared on read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearStaleInstall, installInProgress, osProcessStart, releasesLockHolder, withReleasesLock } from '@otp-ts/runtime/tools';

const linux = existsSync(`/proc/${process.pid}/stat`);

test('an installing.json or a lock naming a live pid with another start time (the pid reused) is stale: the mark is removed with one sentence, the lock taken over', { skip: !linux && 'no /proc here' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'marks-reuse-'));
  const mark = join(root, 'releases', 'installing.json');
  try {
    mkdirSync(join(root, 'releases'));
    const started = osProcessStart(process.pid);
    assert.match(String(started), /^\d+$/);

    // The live install's own mark (this process, its own start time): kept, and reported.
    writeFileSync(mark, JSON.stringify({ pid: process.pid, started, from: '0.1.0', to: '0.2.0' }));
    assert.equal(installInProgress(root)?.to, '0.2.0');
    assert.equal(clearStaleInstall(root), undefined);
    assert.ok(existsSync(mark));

    // The dead node's mark, its pid now this process's (started at another time): no install runs.
    writeFileSync(mark, JSON.stringify({ pid: process.pid, started: '1', from: '0.1.0', to: '0.2.0' }));
    assert.equal(installInProgress(root), undefined);
    const said = clearStaleInstall(root);
    assert.match(String(said), /^removed .*installing\.json, the mark of an install \(the install of 0\.2\.0 over 0\.1\.0 by os pid \d+\) whose node no longer runs \(killed while it installed\)[^\n]*$/);
    assert.equal(existsSync(mark), false);
    assert.equal(clearStaleInstall(root), undefined, 'nothing left to remove');

    // A mark cut short (killed while written by an older runtime) is stale too.
    writeFileSync(mark, '{"pid": 12');
    assert.match(String(clearStaleInstall(root)), /^removed /);

    // The root's lock left by a killed holder whose pid is reused: not a holder, and taken over at once.
    writeFileSync(join(root, 'releases', 'RELEASES.json.lock'), `${process.pid}\nthe running node's install\n1\n`);
    assert.equal(releasesLockHolder(root), undefined);
    assert.equal(await withReleasesLock(root, async () => releasesLockHolder(root)?.pid, { waitMs: 0 }), process.pid);
    assert.equal(existsSync(join(root, 'releases', 'RELEASES.json.lock')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
