// A wrong cookie that came from a file names that file: the user's ~/.otp-ts.cookie (HOME a temp folder here, never
// the real one) or the project's config/node.args, for otp ping, otp remote and otp trace, so the operator fixes the
// stale file rather than reach for --cookie; a wrong --cookie or OTP_COOKIE still says so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { peerNode } from './support/shell-session.ts';

const NODE = 'ckfrom@127.0.0.1';
const peer = await peerNode(NODE, 'the_right_cookie');
const base = mkdtempSync(join(tmpdir(), 'cookie-from-'));
after(async () => {
  await peer.stop();
  rmSync(base, { recursive: true, force: true });
});
const home = join(base, 'home');
mkdirSync(home);
const homeFile = join(home, '.otp-ts.cookie');
writeFileSync(homeFile, 'a_stale_cookie\n', { mode: 0o600 });
// A project of its own: otp.config.ts marks it, config/node.args sets a cookie for its nodes.
const project = join(base, 'proj');
mkdirSync(join(project, 'config'), { recursive: true });
writeFileSync(join(project, 'otp.config.ts'), 'export default {};\n');
const projectFile = join(project, 'config', 'node.args');
writeFileSync(projectFile, `--name ${NODE}\n--setcookie the_projects_stale_cookie\n`);
const env: NodeJS.ProcessEnv = { ...peer.env, HOME: home, USERPROFILE: home };
delete env.OTP_COOKIE;

const commands: Array<[string, string[], string?]> = [
  ['otp ping', ['ping', NODE]],
  ['otp remote', ['remote', NODE], 'q()\n'],
  ['otp trace', ['trace', NODE, 'code:*', '--time', '1']],
];

for (const [what, args, input] of commands) {
  test(`${what} with a wrong cookie names the file it came from: ~/.otp-ts.cookie, the project's node.args`, { timeout: 120_000 }, async () => {
    const fromHome = await run(process.execPath, [bin, ...args], home, env, input);
    assert.notEqual(fromHome.status, 0, fromHome.out);
    assert.match(fromHome.stderr, /wrong cookie/, fromHome.out);
    assert.ok(fromHome.stderr.includes(`came from the cookie file ${homeFile}: write the node's cookie there`), fromHome.out);
    const fromProject = await run(process.execPath, [bin, ...args], project, env, input);
    assert.notEqual(fromProject.status, 0, fromProject.out);
    assert.ok(fromProject.stderr.includes(`came from the project's ${projectFile}: write the node's cookie there`), fromProject.out);
    const fromEnv = await run(process.execPath, [bin, ...args], home, { ...env, OTP_COOKIE: 'wrong_too' }, input);
    assert.notEqual(fromEnv.status, 0, fromEnv.out);
    assert.match(fromEnv.stderr, /came from OTP_COOKIE/, fromEnv.out);
    for (const r of [fromHome, fromProject, fromEnv]) assert.doesNotMatch(r.out, /stale_cookie|wrong_too|the_right_cookie/, 'no cookie is ever printed');
  });
}
