// What the observer's end-to-end tests share: Debian's chromium for playwright-core, and the built
// `otp observer` started as a child process with the URL (token included) it prints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Debian's chromium, installed by the project's script when missing; `why` it is not there when it cannot be. */
export function chromiumPath(): { path: string } | { why: string } {
  if (!existsSync(CHROMIUM)) {
    const r = spawnSync('bash', [join(root, 'scripts', 'install-chromium.sh')], { encoding: 'utf8' });
    if (!existsSync(CHROMIUM)) return { why: `chromium is not installed and scripts/install-chromium.sh could not install it: ${(r.stdout + r.stderr).trim() || 'no output'}` };
  }
  return { path: CHROMIUM };
}

/** Starts the built `otp observer ARGS`: the child, the URL it prints once it serves, and everything it wrote so far. */
export function startObserver(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; url: Promise<string>; out: () => string } {
  const child = spawn(process.execPath, [bin, 'observer', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const on = (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`otp observer exited with ${code}: ${out}`)));
  });
  return { child, url, out: () => out };
}
