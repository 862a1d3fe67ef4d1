// The bash completion script, sourced in a real bash and asked as bash asks it (COMP_WORDS, COMP_CWORD): after an
// option that takes a value it offers that value's choices, folders, files or nothing, never the option names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionScript, globalOptions, providers } from '../src/index.js';

const script = completionScript('bash', providers, globalOptions);

// What bash would offer for the words typed so far (the last one, maybe empty, is completed); undefined without bash.
function complete(words: readonly string[], cwd: string): string[] | undefined {
  const line = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _otp_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', line], { cwd, encoding: 'utf8' });
  if (r.error !== undefined) return undefined;
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((w) => w !== '');
}

test('bash completion offers a value where one belongs: folders after --dir, files after --ssl-cert, nothing after --name', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'otp-completion-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(join(cwd, 'apps'));
  writeFileSync(join(cwd, 'ca.pem'), '');
  if (complete(['otp', ''], cwd) === undefined) return t.skip('no bash on this machine');
  assert.deepEqual(complete(['otp', 'new', 'app', 'shop', '--dir', ''], cwd), ['apps']);
  assert.deepEqual(complete(['otp', 'new', 'app', 'shop', '-d', 'a'], cwd), ['apps']);
  assert.deepEqual(complete(['otp', 'shell', '--name', ''], cwd), []);
  assert.deepEqual(complete(['otp', 'test', '--shard', ''], cwd), []);
  assert.deepEqual(complete(['otp', 'release', '-n', ''], cwd), []);
  assert.deepEqual(complete(['otp', 'ping', '--ssl-ca', 'c'], cwd), ['ca.pem']);
  assert.deepEqual(complete(['otp', 'test', '--reporter', 'j'], cwd), ['json', 'junit']);
  // `--flag=VALUE`: bash splits the word at the =.
  assert.deepEqual(complete(['otp', 'shell', '--name', '=', ''], cwd), []);
  assert.deepEqual(complete(['otp', 'top', '--by', '=', 'm'], cwd), ['memory', 'mailbox']);
  // Where a flag goes, the flags still come.
  assert.ok(complete(['otp', 'shell', '--name', 'shop', '--'], cwd)!.includes('--watch'));
});
