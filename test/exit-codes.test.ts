// docs/cli.md's one exit-code table, for otp and a release's start script, checked against the code:
// each case runs a command through the built binary (or the start script's program) and expects the
// code its row promises (a cell of "—" promises none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPortMapper } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const control = join(repo, 'packages', 'release', 'dist', 'control.js');

// The table's rows: the command cell and the cells of codes 0, 1 and 2.
function table(): Array<{ command: string; cells: [string, string, string] }> {
  const doc = readFileSync(join(repo, 'docs', 'cli.md'), 'utf8');
  const section = /<!-- exit-codes:start -->\n([\s\S]*?)<!-- exit-codes:end -->/.exec(doc);
  assert.ok(section, 'docs/cli.md has the exit-codes:start/end markers');
  return section[1]!
    .trim()
    .split('\n')
    .slice(2)
    .map((line) => {
      const [command, c0, c1, c2] = line.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, '').trim());
      return { command: command!, cells: [c0!, c1!, c2!] };
    });
}

// A port nothing listens on: no port mapper, so no node is running.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

test("every command's exit code is the one docs/cli.md's table gives it", { timeout: 300_000 }, async () => {
  const rows = table();
  const scratch = mkdtempSync(join(tmpdir(), 'otp-exit-codes-'));
  // A release root with one installed version whose node is not running, and a folder that is none.
  const release = join(scratch, 'rel');
  mkdirSync(join(release, 'releases', '0.1.0'), { recursive: true });
  writeFileSync(join(release, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'exitco', releases: [{ vsn: '0.1.0', status: 'permanent' }] }));
  writeFileSync(join(release, 'releases', '0.1.0', 'node.args'), '--name exitco@127.0.0.1\n--setcookie exit_codes\n');
  const empty = join(scratch, 'empty');
  mkdirSync(join(empty, 'releases'), { recursive: true });
  writeFileSync(join(empty, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'exitco', releases: [] }));
  const port = await freePort();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'exit_codes', NO_COLOR: '1' };
  const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: scratch, env, encoding: 'utf8', timeout: 120_000 });
  const script =
    (root: string) =>
    (...args: string[]) =>
      spawnSync(process.execPath, [control, ...args], { cwd: scratch, env: { ...env, OTP_RELEASE_ROOT: root }, encoding: 'utf8', timeout: 120_000 });
  const cases: Array<[row: string, code: 0 | 1 | 2, run: () => ReturnType<typeof spawnSync>]> = [
    ['`otp`, ', 0, () => otp()],
    ['`otp`, ', 0, () => otp('--version')],
    ['`otp`, ', 2, () => otp('nosuchcommand')],
    ['`otp`, ', 2, () => otp('--nosuchflag')],
    ['`otp new`', 2, () => otp('new', 'app', '1bad')],
    ['`otp compile`', 2, () => otp('compile')],
    ['`otp test`', 2, () => otp('test')],
    ['`otp release`', 2, () => otp('release')],
    ['`otp ping`', 1, () => otp('ping', 'exitco@127.0.0.1')],
    ['`otp ping`', 2, () => otp('ping', 'notanode')],
    ['`otp rpc`', 1, () => otp('rpc', 'exitco@127.0.0.1', 'otp', 'name')],
    ['`otp rpc`', 2, () => otp('rpc', 'exitco@127.0.0.1', 'otp', 'name', 'notjson')],
    ['`otp rpc`', 1, () => otp('procs', 'exitco@127.0.0.1')],
    ['`otp rpc`', 1, () => otp('remote', 'exitco@127.0.0.1')],
    ['`otp nodes`', 0, () => otp('nodes')],
    ['`bin/<name> help`', 0, () => script(release)('--help')],
    ['`bin/<name> ping`', 1, () => script(release)('ping')],
    ['`bin/<name> ping`', 2, () => script(empty)('ping')],
    ['`bin/<name> stop`', 1, () => script(release)('stop')],
    ['`bin/<name> stop`', 2, () => script(release)('rpc')],
    ['`bin/<name> stop`', 2, () => script(release)('eval')],
    ['`bin/<name> unpack`', 2, () => script(release)('unpack')],
    ['`bin/<name> unpack`', 2, () => script(release)('upgrade', '0.2.0', '--probe-ms', 'soon')],
    ['`bin/<name>` anything else', 2, () => script(release)('nosuchcommand')],
    ['`bin/<name>` anything else', 2, () => script(scratch)('ping')],
  ];
  try {
    for (const [rowStart, code, run] of cases) {
      const row = rows.find((r) => r.command.startsWith(rowStart));
      assert.ok(row, `docs/cli.md's table has a row for ${rowStart}`);
      assert.notEqual(row.cells[code], '—', `the row ${row.command} promises exit ${code}`);
      const r = run();
      assert.equal(r.status, code, `${row.command}: ${String(r.stdout)}${String(r.stderr)}`);
    }
  } finally {
    // The tools started a port mapper on the test's port to look the node up, as erl starts epmd: it outlives them.
    await killPortMapper('127.0.0.1', port).catch(() => false);
    rmSync(scratch, { recursive: true, force: true });
  }
});
