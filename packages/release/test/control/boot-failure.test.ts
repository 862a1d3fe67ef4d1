// Why a daemon's node did not start, read from its log past the size the log had before the boot: a log holding
// characters of more than one byte (an upgrade's "0.1.0 → 0.2.0") is cut at that byte, not that many characters later;
// said in one line, the stack frames left in the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootFailure, lastWords } from '../../src/control/node-process.ts';

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

test("a node's death during an upgrade is read as an uncaught error only when Node.js closed its print; a crash report before a kill is no reason", () => {
  const dir = mkdtempSync(join(tmpdir(), 'boot-failure-'));
  try {
    const log = join(dir, 'shop.log');
    writeFileSync(log, 'started shop 0.1.0 as shop@127.0.0.1: shop\nTypeError: an old crash, before the upgrade\n');
    const offset = statSync(log).size;
    // A child's crash reported (and restarted) during the install, then the node killed: no reason of its death.
    appendFileSync(log, ['=ERROR REPORT==== shop_server crashed', 'TypeError: x is not a function', '    at handleCall (/srv/shop/lib/shop-0.2.0/src/server.js:3:9)', ''].join('\n'));
    assert.deepEqual(lastWords('shop', 4242, log, offset), { last: 'TypeError: x is not a function' });
    // An uncaught error ends it: Node.js prints the error, its frames and its version line.
    appendFileSync(log, ['crash dump written to /srv/shop/otp_crash.dump', 'RangeError: Maximum call stack size exceeded', '    at f (/srv/shop/x.js:1:1)', '', 'Node.js v20.20.2', ''].join('\n'));
    assert.deepEqual(lastWords('shop', 4242, log, offset), { uncaught: 'RangeError: Maximum call stack size exceeded', last: 'RangeError: Maximum call stack size exceeded', dump: '/srv/shop/otp_crash.dump' });
    // Its own last words, tagged with its OS pid, come first; another process's are not its.
    appendFileSync(log, 'shop (os pid 9999): not this one\nshop (os pid 4242): the swap of shop_server failed\n');
    assert.equal(lastWords('shop', 4242, log, offset).own, 'the swap of shop_server failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
