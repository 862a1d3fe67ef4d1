// The operator's path through bin/<name> upgrade and downgrade, second wave: a downgrade's refusals name downgrade,
// --probe-ms given twice or past its one-hour cap is refused in one line with nothing changed (on the node too, for
// any rpc caller), and an upgrade to a higher version racing a downgrade to a lower one ends with exactly one of
// them installed, the other refused in one line, the node running and permanent on that one release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type Ran } from './support/run.ts';
import { fileReleaseProject } from './support/release-project.ts';
import { replaceOrFail } from './support/wait.ts';

const NAME = 'opsway';
const project = await fileReleaseProject(NAME);
const { dir } = project;

const which = (word: string): string => `export function which(): string {\n  return '${word}';\n}\n`;
const bump = (from: string, to: string): void => {
  const pkg = join(dir, 'package.json');
  writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), `"version": "${from}"`, `"version": "${to}"`));
};
const oneLine = (r: Ran, what: string): void => assert.equal(r.stderr.split('\n').length, 1, `${what}: ${r.stderr}`);
const statuses = (): Record<string, string> =>
  Object.fromEntries((JSON.parse(readFileSync(join(project.rel, 'releases', 'RELEASES.json'), 'utf8')) as { releases: Array<{ vsn: string; status: string }> }).releases.map((r) => [r.vsn, r.status]));
// What the node itself says it runs, and whether an install is still under way.
const nodeState = async (): Promise<{ running: string; installing?: unknown }> => JSON.parse(await ok(project.run(['rpc', 'release_handler', 'versions']), 'rpc versions')) as { running: string; installing?: unknown };

test('a downgrade names downgrade, --probe-ms is refused twice or past its cap, and a racing upgrade and downgrade leave one release', { timeout: 600_000 }, async () => {
  await project.create();
  writeFileSync(join(dir, 'src', 'which.ts'), which('one'));
  await ok(project.otp(['release']), 'otp release 0.1.0');
  await ok(project.run(['daemon']), 'daemon');
  writeFileSync(join(dir, 'src', 'which.ts'), which('two'));
  bump('0.1.0', '0.2.0');
  await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');

  // '.', '..' and '' as the version of a downgrade: exit 2, naming downgrade and never upgrade (one line, but for the usage error's hint).
  for (const vsn of ['.', '..', '']) {
    const r = await project.run(['downgrade', vsn]);
    assert.equal(r.status, 2, `downgrade '${vsn}': ${r.out}`);
    if (vsn !== '') oneLine(r, `downgrade '${vsn}'`);
    assert.doesNotMatch(r.stderr, /\bupgrade\b/, `downgrade '${vsn}'`);
  }
  // The node's own refusal of a bad label, asked as a downgrade, names downgrade too.
  const rpcDown = await ok(project.run(['rpc', 'release_handler', 'install', '[".", {"expect": "down"}]']), 'rpc install .');
  assert.match(rpcDown, /run bin\/opsway downgrade VSN/);

  // --probe-ms twice: refused, not the last one silently kept; past the cap (1e12 ms): refused, naming the cap.
  for (const args of [['upgrade', '0.2.0', '--probe-ms', '0', '--probe-ms', '5000'], ['downgrade', '0.1.0', '--probe-ms=1', '--probe-ms=2']]) {
    const r = await project.run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.out}`);
    assert.match(r.stderr, /--probe-ms was given 2 times/);
  }
  for (const verb of ['upgrade', 'downgrade']) {
    const r = await project.run([verb, '0.2.0', '--probe-ms', '1000000000000']);
    assert.equal(r.status, 2, `${verb} --probe-ms 1e12: ${r.out}`);
    oneLine(r, `${verb} --probe-ms 1e12`);
    assert.match(r.stderr, new RegExp(`^${NAME}: --probe-ms 1000000000000 is longer than the cap of 3600000 ms \\(one hour\\).*${verb} 0\\.2\\.0 --probe-ms 60000`));
  }
  // Any rpc caller is held to the same cap by the node.
  const rpcHuge = await ok(project.run(['rpc', 'release_handler', 'install', '["0.2.0", {"probeMs": 1000000000000}]']), 'rpc install probeMs 1e12');
  assert.match(rpcHuge, /from 0 to 3600000 \(one hour/);
  assert.deepEqual(statuses(), { '0.1.0': 'permanent', '0.2.0': 'unpacked' });
  const before = await nodeState();
  assert.equal(before.running, '0.1.0');
  assert.equal(before.installing, undefined);

  // 0.2.0 installed; 0.3.0 built from it: the node runs 0.2.0 between a lower 0.1.0 (old) and a higher 0.3.0 (unpacked).
  await ok(project.run(['upgrade', '0.2.0', '--probe-ms', '0']), 'upgrade 0.2.0');
  writeFileSync(join(dir, 'src', 'which.ts'), which('three'));
  bump('0.2.0', '0.3.0');
  await ok(project.otp(['release', '--upgrade-from', '0.2.0']), 'otp release 0.3.0');

  // Both at once: one wins, the other is refused in one line; the node runs, permanently, the winner's release.
  const [up, down] = await Promise.all([project.run(['upgrade', '0.3.0', '--probe-ms', '200']), project.run(['downgrade', '0.1.0', '--probe-ms', '200'])]);
  const report = `upgrade: ${up.status} ${up.out}\ndowngrade: ${down.status} ${down.out}`;
  assert.equal([up, down].filter((r) => r.status === 0).length, 1, report);
  const [winner, loser, vsn] = up.status === 0 ? [up, down, '0.3.0'] : [down, up, '0.1.0'];
  assert.match(winner.stdout, new RegExp(`(up|down)graded 0\\.2\\.0 → ${vsn.replace(/\./g, '\\.')}`), report);
  // The loser of a race exits 1 whether it found the winner installing (busy) or arrived after it (another install won).
  assert.equal(loser.status, 1, report);
  // Refused in one line; when it came while the winner held the root's lock, a progress notice ("waiting for the
  // running node's install …") precedes that line.
  assert.equal(loser.stderr.split('\n').filter((l) => !/: waiting for the running node's install/.test(l)).length, 1, `the refused one: ${loser.stderr}`);
  const node = await nodeState();
  assert.equal(node.running, vsn, report);
  assert.equal(node.installing, undefined, report);
  assert.equal(statuses()[vsn], 'permanent', report);
  assert.equal(Object.values(statuses()).filter((s) => s === 'permanent').length, 1, report);
});
