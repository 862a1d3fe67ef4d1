// End to end: the examples in the --help of the commands that work on a running node run as written against the
// application `otp new app shop` generates, started with `otp shell --name shop@127.0.0.1` (what a reader has after
// the getting-started steps). Only the bounds that keep the run short are added (a trace's or profile's --time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { providers } from '@otp-ts/cli';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

// The words of an example as a shell would split them: single and double quotes group.
const words = (line: string): string[] => [...line.matchAll(/'([^']*)'|"((?:\\.|[^"])*)"|(\S+)/g)].map((m) => m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);

// Examples that need what a reader supplies (TLS files, a file written here, long profiles) are left out.
const runnable = (command: string): boolean => command.includes('shop@127.0.0.1') && !/--proto tls|--snapshot|--html|--cpuprofile|</.test(command);

function shortened(argv: string[]): string[] {
  if (argv[1] === 'trace' && !argv.includes('--dry-run') && !argv.includes('--time')) return [...argv, '--time', '1000'];
  if (argv[1] === 'profile' && !argv.includes('--time')) return [...argv, '--time', '1s'];
  return argv;
}

const run = (args: string[], cwd: string): Promise<{ status: number; out: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OTP_COOKIE: 'help-examples', NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });

test("the --help examples of trace, info, procs, tree, top, rpc, profile and heap run against a generated app's node", { timeout: 600_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'help-'));
  const env = { ...process.env, OTP_COOKIE: 'help-examples', NO_COLOR: '1' };
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'shop', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'shop');
    const shell = spawn(process.execPath, [bin, 'shell', '--name', 'shop@127.0.0.1'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitFor('the shop shell to start', () => /started shop/.test(out), { ms: 180_000 });
      const names = ['trace', 'info', 'procs', 'tree', 'top', 'rpc', 'profile', 'heap'];
      const examples = providers.filter((p) => names.includes(p.name)).flatMap((p) => p.examples.map((e) => e.command)).filter(runnable);
      assert.ok(examples.length >= 15, examples.join('\n'));
      const failed: string[] = [];
      for (const example of examples) {
        const argv = shortened(words(example));
        const r = await run(argv.slice(1), dir);
        if (r.status !== 0) failed.push(`${example} → exit ${r.status}: ${r.out.trim().split('\n').slice(-2).join(' ')}`);
      }
      assert.deepEqual(failed, [], failed.join('\n'));
    } finally {
      shell.kill('SIGKILL');
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
