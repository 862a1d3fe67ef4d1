// Finds Erlang/OTP for side-by-side runs, installing Debian's erlang-nox when it is missing and we may.
import { spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Returns the OTP release (e.g. "25"), installing erlang-nox if needed; null (with a reason printed) if impossible. */
export function ensureErlang() {
  if (!has('erl') || !has('erlc')) {
    const root = process.getuid?.() === 0;
    const sudo = !root && has('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0;
    if (!has('apt-get') || (!root && !sudo)) {
      console.log('  Erlang/OTP is not installed and cannot be installed here: install erlang-nox for the BEAM column.');
      return null;
    }
    console.log('  installing Erlang/OTP (Debian erlang-nox) for the side-by-side runs…');
    const pre = sudo ? 'sudo -n ' : '';
    const r = spawnSync('sh', ['-c', `${pre}apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${pre}apt-get install -y -qq erlang-nox`], { stdio: 'inherit' });
    if (r.status !== 0 || !has('erl')) {
      console.log('  installing erlang-nox failed: the BEAM column stays empty.');
      return null;
    }
  }
  const r = spawnSync('erl', ['-noshell', '-eval', 'io:format("~s", [erlang:system_info(otp_release)]), halt().'], { encoding: 'utf8' });
  return r.stdout.trim() || null;
}
