// The start script bin/<name> as sh runs it, before its program: which Node.js it runs the release with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScript } from '../../src/index.ts';

// A release root whose program says it ran, and a PATH holding one `node` that reports `version` and runs as the real one.
function rootWithNode(version: string): { root: string; path: string } {
  const root = mkdtempSync(join(tmpdir(), 'otp-start-script-'));
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'kiosk'), startScript('kiosk'), { mode: 0o755 });
  writeFileSync(join(root, 'bin', 'kiosk.mjs'), "console.log('ran', process.argv.slice(2).join(' '));\n");
  const path = join(root, 'path');
  mkdirSync(path);
  writeFileSync(join(path, 'node'), `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; exit 0; fi\nexec '${process.execPath}' "$@"\n`);
  chmodSync(join(path, 'node'), 0o755);
  return { root, path };
}

test('a Node.js on PATH older than 20.19 is named with the fix, exit 2, and the release does not run; 20.19 and later run it', (t) => {
  for (const [version, runs] of [['18.20.4', false], ['20.18.3', false], ['20.19.0', true], ['22.1.0', true], ['100.0.0', true]] as const) {
    const { root, path } = rootWithNode(version);
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const r = spawnSync(join(root, 'bin', 'kiosk'), ['ping'], { encoding: 'utf8', env: { PATH: path } });
    if (runs) {
      assert.equal(r.status, 0, `${version}: ${r.stderr}`);
      assert.equal(r.stdout, 'ran ping\n', version);
    } else {
      assert.equal(r.status, 2, version);
      assert.equal(r.stdout, '', version);
      assert.equal(r.stderr, `kiosk: the Node.js on PATH (${join(path, 'node')}) is ${version}, too old: this release needs Node.js 20.19 or later; install a newer one, or rebuild with otp release --include-node\n`);
    }
  }
});
