// `--dir=~/x` reaches otp with its ~ (a shell expands ~ only at the start of a word): otp reads it as the home
// folder, as rebar3 and npm users expect, instead of making a folder named ~ in the working directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './support/run.ts';
import { bin } from './support/cli.ts';

test('a leading ~ in a path flag (--dir=~/x, --dump=~/f) is the home folder', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'otp-home-'));
  const cwd = mkdtempSync(join(tmpdir(), 'otp-cwd-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const env = { ...process.env, HOME: home };
  const made = await run(process.execPath, [bin, 'new', 'app', 'kiosk', '--dir=~/work/kiosk', '--quiet'], cwd, env);
  assert.equal(made.status, 0, made.out);
  assert.ok(existsSync(join(home, 'work', 'kiosk', 'package.json')), made.out);
  assert.equal(existsSync(join(cwd, '~')), false, 'a folder named ~ was made');
  // A FILE flag: the refusal names the expanded file, the one the user meant.
  const dump = await run(process.execPath, [bin, 'observer', '--dump=~/gone.dump'], cwd, env);
  assert.equal(dump.status, 2, dump.out);
  assert.ok(dump.stderr.includes(join(home, 'gone.dump')), dump.stderr);
});
