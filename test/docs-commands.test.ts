// The command lines of the generated READMEs run as written in a generated project: `npx otp shell`
// (with the README's line typed in, then q()), `npx otp test`, `npx otp release`, `npx tsc --noEmit`.
// `npm install` is the one line not run: the project is generated inside the repository's _build/,
// where the workspace's node_modules already hold what it would install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPortMapper } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

for (const [template, name] of [['app', 'docrun_app'], ['lib', 'docrun_lib'], ['umbrella', 'docrun_umb']] as const) {
  test(`the generated ${template} README's command lines run as written`, { timeout: 400_000 }, async () => {
    mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
    const base = mkdtempSync(join(repo, '_build', 'e2e', `${name}-`));
    const port = await freePort();
    const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'docs_commands', NO_COLOR: '1' };
    try {
      assert.equal(spawnSync(process.execPath, [bin, 'new', template, name, '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
      const dir = join(base, name);
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      const block = /<!-- not-runnable: [^\n]*-->\n```\n([\s\S]*?)```/.exec(readme)?.[1];
      assert.ok(block, 'the README shows its commands in a block');
      const lines = block.split('\n').map((l) => l.replace(/\s+#\s.*$/, '').trim()).filter((l) => l !== '');
      assert.ok(lines.length >= 3, block);
      // Until npm install has run, npx otp is not the project's otp (npx would fetch another package of that name).
      assert.equal(lines[0], 'npm install', "the README's commands start with npm install");
      for (const line of lines) {
        if (line === 'npm install') continue;
        const argv = line.split(/\s+/);
        assert.equal(argv[0], 'npx', `${line}: the README's commands run through npx`);
        const shell = argv[1] === 'otp' && argv[2] === 'shell';
        // The README's shell line, typed in as written (after the REPL's prompt), then q().
        const typed = shell ? `${/REPL: (.+)$/m.exec(readme)?.[1] ?? ''}\nq()\n` : '';
        const command = argv[1] === 'otp' ? [bin, ...argv.slice(2)] : [join(repo, 'node_modules', 'typescript', 'bin', argv[1]!), ...argv.slice(2)];
        const r = spawnSync(process.execPath, command, { cwd: dir, env, input: typed, encoding: 'utf8', timeout: 300_000 });
        assert.equal(r.status, 0, `${line}:\n${r.stdout}${r.stderr}`);
        if (shell) assert.match(r.stdout, /otp> 1\n/, `${line}: the README's shell line answers 1`);
      }
      if (template !== 'lib') assert.ok(existsSync(join(dir, '_build', 'prod', 'rel', name, 'bin', name)), 'npx otp release built the release');
    } finally {
      // otp shell started a port mapper on the test's port, as erl starts epmd: it outlives the shell.
      await killPortMapper('127.0.0.1', port).catch(() => false);
      rmSync(base, { recursive: true, force: true });
    }
  });
}
