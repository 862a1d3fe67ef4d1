// writeReleases renames a temporary file over RELEASES.json: when that fails, the temporary file goes too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReleases } from '@otp-ts/runtime/tools';

test('writeReleases that cannot rename its temporary file over RELEASES.json throws and leaves no RELEASES.json.tmp behind', async () => {
  const root = mkdtempSync(join(tmpdir(), 'releases-write-'));
  try {
    // A folder (not empty) where RELEASES.json goes: the rename over it fails.
    mkdirSync(join(root, 'releases', 'RELEASES.json', 'in-the-way'), { recursive: true });
    await assert.rejects(writeReleases(root, { name: 'shop', releases: [{ vsn: '0.1.0', status: 'permanent', applications: [] }] }));
    assert.deepEqual(readdirSync(join(root, 'releases')), ['RELEASES.json']);
    assert.equal(existsSync(join(root, 'releases', 'RELEASES.json.tmp')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
