// The check of node.args' Node.js flags, shared by otp release, unpack, upgrade and the boot: it asks Node.js without
// leaving what a flag writes as Node.js starts, and refuses only what Node.js refuses as an option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusedNodeFlag } from '../src/node-flags.ts';

test('asking Node.js about --prof and --cpu-prof leaves no profile where the command runs; a --require that fails there is no refused flag', () => {
  const here = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'node-flags-'));
  try {
    process.chdir(dir);
    assert.equal(refusedNodeFlag(['--prof', '--cpu-prof']), undefined);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(refusedNodeFlag(['--require', './setup-at-boot.js']), undefined);
    assert.deepEqual(refusedNodeFlag(['--bogus-flag']), { flag: '--bogus-flag', why: 'bad option: --bogus-flag' });
  } finally {
    process.chdir(here);
    rmSync(dir, { recursive: true, force: true });
  }
});
