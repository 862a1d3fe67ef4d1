// An operator's edit of a release's node.args that Node.js will not start with (an unknown flag, a size that is no
// number): foreground and daemon refuse it in one line naming the file and the flag, exit 2, rather than Node.js'
// own "bad option" lines and its exit 9 (foreground) or a boot failure quoted from the log (daemon); `otp release`
// refuses such a flag in the project's config/node.args the same way, before it writes anything, and upgrade refuses
// to install a version whose node.args has one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

const epmdPort = await privatePortMapper();

test("a node.args flag Node.js refuses is named with its file by foreground and daemon (exit 2, one line), and nothing starts", { timeout: 300_000 }, async () => {
  const project = releaseProject('flagged', { prefix: 'flags-' });
  const { dir, rel } = project;
  const args = join(rel, 'releases', '0.1.0', 'node.args');
  try {
    await project.create();
    // The same check when the release is built: the project's config/node.args, refused before anything is written.
    const projectArgs = join(dir, 'config', 'node.args');
    const projectGood = readFileSync(projectArgs, 'utf8');
    appendFileSync(projectArgs, '--bogus-flag\n');
    const built = await project.otp(['release'], { ...process.env, NO_COLOR: '1' });
    assert.equal(built.status, 2, built.out);
    assert.equal(built.stderr, `otp: ${projectArgs} has a Node.js flag Node.js will not start with, --bogus-flag (bad option: --bogus-flag), so the release was not built: fix or remove it there`);
    assert.equal(existsSync(rel), false);
    writeFileSync(projectArgs, projectGood);
    await ok(project.otp(['release']), 'otp release');
    const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
    const good = readFileSync(args, 'utf8');
    for (const [flag, why] of [
      ['--bogus-flag', 'bad option: --bogus-flag'],
      ['--max-old-space-size=lots', 'illegal value for flag --max-old-space-size=lots of type size_t'],
    ] as const) {
      writeFileSync(args, good);
      appendFileSync(args, `${flag}\n`);
      for (const command of ['foreground', 'daemon']) {
        const r = await project.run([command], env);
        assert.equal(r.status, 2, `${command}: ${r.out}`);
        assert.equal(r.stderr, `flagged: releases/0.1.0/node.args has a Node.js flag Node.js will not start with, ${flag} (${why}), so the node was not started: fix or remove it in ${args}`);
      }
      assert.equal(existsSync(join(rel, 'run', 'flagged.pid')), false);
    }

    // An upgrade to a version whose node.args (edited after it was built) has such a flag is refused before the install:
    // made permanent, every later boot of it would be refused.
    writeFileSync(args, good);
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, readFileSync(pkg, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
    const args2 = join(rel, 'releases', '0.2.0', 'node.args');
    appendFileSync(args2, '--bogus-flag\n');
    await ok(project.run(['daemon'], env), 'daemon');
    const up = await project.run(['upgrade', '0.2.0'], env);
    assert.equal(up.status, 2, up.out);
    assert.equal(up.stderr, `flagged: releases/0.2.0/node.args has a Node.js flag Node.js will not start with, --bogus-flag (bad option: --bogus-flag), so 0.2.0 was not installed, as every boot of it would be refused: fix or remove it in ${args2} and run upgrade 0.2.0 again`);
    assert.match(await ok(project.run(['versions'], env), 'versions'), /0\.1\.0\s+permanent \(running\)\n0\.2\.0\s+unpacked/);
  } finally {
    await project.remove();
  }
});
