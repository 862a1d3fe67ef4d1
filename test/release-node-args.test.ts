// config/node.args is read by the node at boot: otp release reads it the same way before it builds, so a flag
// without its value, a misspelt flag or a word that is no flag stops the build, naming the project's file and the
// fix, instead of a release that is built, shipped and then refuses to boot. A ${VAR} unset on the build machine
// may be set where the node boots, so it is let through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, type Run } from './support/cli.ts';
import { scratchProject } from './support/files.ts';

// Runs `otp ARGS..` in the project `cwd`.
const otp = (cwd: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 110_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number | null }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const app = `import { supervisor, type ApplicationModule, type Supervisor } from '@otp-ts/runtime';
const top: Supervisor = { init: () => ({ flags: { strategy: 'oneForOne' }, children: [] }) };
export default { start: (_t, _a, ctx) => supervisor.startLink(ctx, top, undefined) } satisfies ApplicationModule;
`;

// A project whose config/node.args is `nodeArgs`.
function project(nodeArgs: string): string {
  const dir = scratchProject('kiosk', { 'src/kiosk_app.ts': app, 'otp.config.ts': `export default { releases: { kiosk: { applications: ['kiosk'] } } };\n`, 'config/node.args': nodeArgs });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'kiosk', version: '0.1.0', private: true, type: 'module', otp: { mod: 'src/kiosk_app.ts' } }));
  return dir;
}

const refused: Array<[string, string, RegExp]> = [
  ['--name without its value', '--name\n', /node\.args:1: --name needs a value, e\.g\. --name shop@127\.0\.0\.1$/m],
  ['--setcookie without its value (its example a cookie, not a node name)', '--name kiosk@127.0.0.1 --setcookie\n', /node\.args:1: --setcookie needs a value, e\.g\. --setcookie a-long-random-secret$/m],
  ['a misspelt --name', '--nmae kiosk@127.0.0.1\n', /node\.args:1: 'kiosk@127\.0\.0\.1' is not a flag \(--nmae is no flag of node\.args: did you mean --name\?\)/],
  ['a node name that is not name@host', '--name kiosk\n', /node\.args: 'kiosk' is not a node name: use name@host/],
];

for (const [what, nodeArgs, message] of refused) {
  test(`config/node.args with ${what}: otp release says so naming the file, exit 2, and builds no release`, { timeout: 120_000 }, async () => {
    const dir = project(nodeArgs);
    const r = await otp(dir, 'release');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^otp: ${join(dir, 'config', 'node.args').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:1)?: `));
    assert.match(r.stderr, message);
    assert.equal(existsSync(join(dir, '_build', 'prod', 'rel', 'kiosk')), false, 'no release root');
  });
}

test('config/node.args naming a ${VAR} unset on the build machine is built (the node reads it where it boots)', { timeout: 120_000 }, async () => {
  const dir = project('--name ${KIOSK_NODE_NAME_UNSET_HERE}\n');
  const r = await otp(dir, 'release');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(dir, '_build', 'prod', 'rel', 'kiosk', 'releases', '0.1.0', 'node.args')));
});

test('otp shell reads config/node.args as the release does: a misspelt --name is refused, exit 2, instead of a shell silently left unnamed', { timeout: 120_000 }, async () => {
  const dir = project('--nmae kiosk@127.0.0.1\n');
  const r = await otp(dir, 'shell');
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /node\.args:1: 'kiosk@127\.0\.0\.1' is not a flag \(--nmae is no flag of node\.args: did you mean --name\?\)/);
  assert.doesNotMatch(r.stdout, /otp-ts shell/);
});
