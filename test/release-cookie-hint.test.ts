// A start script whose cookie differs from its node's (node.args' --setcookie ${VAR}, the variable set otherwise in
// this shell than at boot) said to fix it with --cookie, OTP_COOKIE or ~/.otp-ts.cookie, none of which the script
// reads: the refusal now names where its cookie comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileReleaseProject } from './support/release-project.ts';
import { ok } from './support/run.ts';

const NAME = 'ckhint';
const project = await fileReleaseProject(NAME);

test("a start script refused for another cookie than its node's names node.args' --setcookie, not the otp command's cookie sources", { timeout: 300_000 }, async () => {
  // The boot's value, which the file's cleanup (a stop) uses too should an assertion fail with the node up.
  project.env.CKHINT_COOKIE = 'at_boot';
  await project.create();
  writeFileSync(join(project.dir, 'config', 'node.args'), `--name ${NAME}@127.0.0.1\n--setcookie \${CKHINT_COOKIE}\n`);
  await ok(project.otp(['release']), 'otp release');
  await ok(project.run(['daemon']), 'daemon');
  const refused = await project.run(['ping'], { ...project.env, CKHINT_COOKIE: 'in_this_shell' });
  assert.equal(refused.stdout, 'pang', refused.out);
  assert.match(refused.stderr, /wrong cookie \(both nodes need the same cookie: this script uses the --setcookie of releases\/0\.1\.0\/node\.args, with this shell's \$\{VAR\}s\)/, refused.out);
  assert.doesNotMatch(refused.stderr, /OTP_COOKIE|otp-ts\.cookie/, refused.out);
  // bin/<name> remote is refused the same way, naming the same file.
  const remote = await project.run(['remote'], { ...project.env, CKHINT_COOKIE: 'in_this_shell' }, 'q()\n');
  assert.notEqual(remote.status, 0, remote.out);
  assert.match(remote.stderr, /wrong cookie \(both nodes need the same cookie: this script uses the --setcookie of releases\/0\.1\.0\/node\.args/, remote.out);
  assert.doesNotMatch(remote.stderr, /OTP_COOKIE|otp-ts\.cookie/, remote.out);
  await ok(project.run(['stop']), 'stop with the boot cookie');
});
