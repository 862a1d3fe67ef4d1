// bin/<name> remote (the release's remote shell) fed a statement over several lines (`bin/shop remote < checks.js`,
// or a paste): like otp remote, a line cut short (`[1, 2, 3].reduce((sum, x) => {`) is joined with the lines that complete it and
// runs once whole. Before, each line was sent on its own: 'the code does not parse: Unexpected end of input'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

await privatePortMapper();

test('bin/<name> remote with piped input: statements over several lines run whole inside the node', { timeout: 180_000 }, async () => {
  const project = releaseProject('relremsh');
  try {
    await project.create();
    await ok(project.otp(['release']), 'otp release');
    await ok(project.run(['daemon']), 'daemon');
    const lines = ['[1, 2, 3].reduce((sum, x) => {', '  return sum + x * x;', '}, 0)', '40 +', '2', '[1,', '  2, 3].length', 'q()'];
    const remote = await project.run(['remote'], process.env, `${lines.join('\n')}\n`);
    assert.equal(remote.status, 0, remote.out);
    assert.doesNotMatch(remote.out, /does not parse|\*\*/, remote.out);
    assert.equal(remote.stdout, '14\n42\n3', remote.out);
  } finally {
    await project.remove();
  }
});
