// Why a daemon's node did not start, read from its log past the size the log had before the boot: a log holding
// characters of more than one byte (an upgrade's "0.1.0 → 0.2.0") is cut at that byte, not that many characters later;
// said in one line, the stack frames left in the log.
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
    assert.equal(said, 'shop@127.0.0.1 did not start: no version of shop is permanent: boot one by name (os pid 4242 exited with code 2); its full log is log/shop.log');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a daemon's boot failure is one line without stack frames: the uncaught error's own line, the full log and the crash dump", () => {
  const dir = mkdtempSync(join(tmpdir(), 'boot-failure-'));
  try {
    const log = join(dir, 'shop.log');
    writeFileSync(log, 'started shop 0.1.0 as shop@127.0.0.1: shop\n');
    const offset = statSync(log).size;
    appendFileSync(log, [
      'crash dump written to /srv/shop/otp_crash.dump',
      '/srv/shop/lib/shop-0.1.0/src/shop_app.js:1',
      '"use strict";var s=Object.defineProperty;',
      '                  ^',
      '',
      'TypeError: the cache went away',
      '    at Timeout._onTimeout (/srv/shop/src/shop_app.ts:9:58)',
      '    at listOnTimeout (node:internal/timers:581:17)',
      '',
      'Node.js v20.20.2',
      '',
    ].join('\n'));
    assert.equal(bootFailure('shop@127.0.0.1', 'shop', 4242, { code: 1, signal: null }, log, offset), 'shop@127.0.0.1 did not start: TypeError: the cache went away (os pid 4242 exited with code 1); its full log is log/shop.log and its crash dump /srv/shop/otp_crash.dump');
    // Nothing said: how it exited, and where to look.
    assert.equal(bootFailure('shop@127.0.0.1', 'shop', 4243, { code: 3, signal: null }, join(dir, 'none.log'), 0), 'shop@127.0.0.1 did not start: os pid 4243 exited with code 3; its full log is log/shop.log');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
