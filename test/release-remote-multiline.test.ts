// bin/<name> remote (the release's remote shell) fed a statement over several lines (`bin/shop remote < checks.js`,
// or a paste): like otp remote, a line cut short (`[1, 2, 3].reduce((sum, x) => {`) is joined with the lines that complete it and
// runs once whole. Before, each line was sent on its own: 'the code does not parse: Unexpected end of input'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('bin/<name> remote with piped input: statements over several lines run whole inside the node', { timeout: 180_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'relremsh-'));
  const dir = join(base, 'relremsh');
  const rel = join(dir, '_build', 'prod', 'rel', 'relremsh');
  const script = join(rel, 'bin', 'relremsh');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'relremsh', '--quiet'], base), 'otp new');
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
    await ok(run(script, ['daemon'], rel), 'daemon');
    const lines = ['[1, 2, 3].reduce((sum, x) => {', '  return sum + x * x;', '}, 0)', '40 +', '2', '[1,', '  2, 3].length', 'q()'];
    const remote = await run(script, ['remote'], rel, process.env, `${lines.join('\n')}\n`);
    assert.equal(remote.status, 0, remote.out);
    assert.doesNotMatch(remote.out, /does not parse|\*\*/, remote.out);
    assert.match(remote.stdout, /> 14\n.*> 42\n.*> 3\n/s, remote.out);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], rel);
    rmSync(base, { recursive: true, force: true });
  }
});
