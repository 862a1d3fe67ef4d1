// Process helpers of the release suite: run a command, time a spawn until it prints a line, sizes on disk.
import { spawn } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command to its end: { status, stdout, stderr, ms } (wall time from spawn to exit). */
export function exec(cmd, args, { cwd, env = process.env, timeout = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status: status ?? signal, stdout: stdout.trim(), stderr: stderr.trim(), ms: performance.now() - started });
    });
  });
}

/** Runs a command that must succeed; rejects with its output otherwise. */
export async function must(cmd, args, options = {}) {
  const r = await exec(cmd, args, options);
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ').slice(0, 200)} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Spawns a command and measures the ms until a stdout line matches `pattern`, then sends SIGTERM and
 * waits for the process to exit (SIGKILL after `grace` ms). Rejects if it exits or times out first.
 */
export function timeToLine(cmd, args, { cwd, pattern, timeout = 60_000, grace = 20_000 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let seen;
    let killer;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (c) => {
      out += c;
      const line = seen === undefined ? out.split('\n').find((l) => pattern.test(l)) : undefined;
      if (line === undefined) return;
      seen = { ms: performance.now() - started, line };
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), grace);
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (seen) resolve(seen);
      else reject(new Error(`${cmd} ${args.join(' ')} exited (${status}) before printing ${pattern}:\n${out.slice(-2000)}`));
    });
  });
}

/** Best (lowest) of `n` runs of an async measurement returning a number, or an object compared by `key`. */
export async function bestOf(n, measure, key = (r) => r) {
  let best;
  for (let i = 0; i < n; i++) {
    const r = await measure(i);
    if (best === undefined || key(r) < key(best)) best = r;
  }
  return best;
}

/** Bytes of the files under `path` (symbolic links counted as links, not followed). */
export function sizeOf(path) {
  const s = lstatSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0) : s.size;
}
