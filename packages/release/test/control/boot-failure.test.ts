// Why a daemon's node did not start, read from its log past the size the log had before the boot: a log holding
// characters of more than one byte (an upgrade's "0.1.0 → 0.2.0") is cut at that byte, not that many characters later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootFailure } from '../../src/control/node-process.ts';

test("a daemon's boot failure quotes the node's last words whole when the log before it holds characters of more than one byte", () => {
  const dir = mkdtempSync(join(tmpdir(), 'boot-failure-'));
  try {
    const log = join(dir, 'shop.log');
    writeFileSync(log, 'started shop 0.1.0 as shop@127.0.0.1: shop\n' + 'upgraded 0.1.0 → 0.2.0 in 12 ms\n'.repeat(5));
    const offset = statSync(log).size;
    appendFileSync(log, 'shop (os pid 4242): no version of shop is permanent: boot one by name\n');
    const said = bootFailure('shop@127.0.0.1', 'shop', 4242, { code: 2, signal: null }, log, offset);
    assert.equal(said.split('\n')[0], 'shop@127.0.0.1 did not start: no version of shop is permanent: boot one by name (os pid 4242 exited with code 2)');
    assert.equal(said.split('\n').at(-1), '  | shop (os pid 4242): no version of shop is permanent: boot one by name');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
