// The Erlang side of the release suite: a minimal OTP release (bench_release: an application, its
// supervisor and one gen_server) made into a boot script by systools, and bench/code's
// sys:suspend/change_code/resume of N gen_servers as the upgrade anchor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { must } from './proc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modules = ['bench_release_app', 'bench_release_sup', 'bench_release_server'];

// The versions of erts, kernel and stdlib a .rel must name.
async function baseVersions() {
  const expr = 'io:format("~s ~s ~s", [erlang:system_info(version)] ++ [element(2, application:get_key(A, vsn)) || A <- [kernel, stdlib]]), halt().';
  const [erts, kernel, stdlib] = (await must('erl', ['-noshell', '-eval', expr])).stdout.split(' ');
  return { erts, kernel, stdlib };
}

const appFile = () => `{application, bench_release, [
  {description, "the Erlang anchor of bench/release"}, {vsn, "0.1.0"},
  {modules, [${modules.join(', ')}]}, {registered, [bench_release_sup, bench_release_server]},
  {applications, [kernel, stdlib]}, {mod, {bench_release_app, []}}]}.
`;

const relFile = (v) => `{release, {"bench_release", "0.1.0"}, {erts, "${v.erts}"},
  [{kernel, "${v.kernel}"}, {stdlib, "${v.stdlib}"}, {bench_release, "0.1.0"}]}.
`;

/** Compiles the anchor app into `dir`/ebin and makes `dir`/bench_release.boot; returns the boot file's base path. */
export async function buildErlangRelease(dir) {
  const ebin = join(dir, 'ebin');
  mkdirSync(ebin, { recursive: true });
  await must('erlc', ['-o', ebin, ...modules.map((m) => join(here, 'erl', `${m}.erl`))]);
  writeFileSync(join(ebin, 'bench_release.app'), appFile());
  writeFileSync(join(dir, 'bench_release.rel'), relFile(await baseVersions()));
  const make = `case systools:make_script("bench_release", [local, {path, ["${ebin}"]}]) of ok -> halt(0); E -> io:format("~p~n", [E]), halt(1) end.`;
  await must('erl', ['-noshell', '-eval', make], { cwd: dir });
  return join(dir, 'bench_release');
}

/** The erl arguments that boot the anchor release (`name`: start distribution under that node name too). */
export function erlBootArgs(boot, name) {
  return ['-boot', boot, '-noshell', ...(name ? ['-name', name, '-setcookie', 'bench_release'] : [])];
}

/** Compiles bench/code's bench_code.erl into `dir`. */
export async function buildUpgradeAnchor(dir) {
  await must('erlc', ['-o', dir, join(here, '..', 'code', 'bench_code.erl')]);
}

/** OTP suspending, changing (code_change) and resuming `n` gen_servers, as bench/code measures it, `rounds` times in one VM: µs of each. */
export async function beamUpgrades(dir, n, rounds) {
  const r = await must('erl', ['+S', '1', '-noshell', '-pa', dir, '-run', 'bench_code', 'main', String(n), String(rounds)], { timeout: 600_000 });
  return JSON.parse(r.stdout.trim().split('\n').pop()).rounds;
}

/** The anchor's assembly on OTP: erlc, systools:make_script and make_tar (without erts); wall ms and tarball bytes. */
export async function assembleErlangRelease(dir) {
  const started = performance.now();
  const boot = await buildErlangRelease(dir);
  const tar = `case systools:make_tar("bench_release", [{path, ["${join(dir, 'ebin')}"]}]) of ok -> halt(0); E -> io:format("~p~n", [E]), halt(1) end.`;
  await must('erl', ['-noshell', '-eval', tar], { cwd: dir });
  return { ms: performance.now() - started, boot, tarball: `${boot}.tar.gz` };
}
