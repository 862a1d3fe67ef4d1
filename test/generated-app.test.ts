// End to end through the built binary on a freshly generated application: otp new, otp test (and a
// failing test making it exit 1), otp compile and otp shell talking to the generated server.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages
// the way an installed project resolves its node_modules.
import { test } from 'node:test';
import { waitFor } from './support/wait.ts';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('a generated app: its tests pass through otp test, a broken one fails it, and otp shell talks to its server', async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'gen-'));
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', 'kiwi', '--quiet'], { cwd: base, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const dir = join(base, 'kiwi');
    const ok = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/);

    const testFile = join(dir, 'test', 'kiwi_server.test.ts');
    writeFileSync(testFile, `${readFileSync(testFile, 'utf8')}\nexport function brokenTest(): void {\n  throw new Error('broken on purpose');\n}\n`);
    const bad = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /broken on purpose/);
    assert.match(bad.stdout.trim().split('\n').pop()!, /^\d+ passed, 1 failed$/);

    // The shell boots with config/sys.config.json (${VAR}s substituted) and the dev profile's env over it.
    writeFileSync(join(dir, 'config', 'sys.config.json'), JSON.stringify({ kiwi: { initialCounts: { pears: 1 }, label: 'shelf ${KIWI_SHELF:-A}' } }));
    writeFileSync(join(dir, 'otp.config.ts'), `import { defineConfig } from '@otp-ts/cli';\nexport default defineConfig({ profiles: { dev: { env: { kiwi: { initialCounts: { apples: 7 } } } } } });\n`);
    const shell = spawn(process.execPath, [bin, 'shell'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // A deadline, not a count of 10 ms turns (15 s): a shell's compile and boot take longer on a loaded machine.
    const until = async (re: RegExp) => {
      await waitFor(`the shell to print ${re}`, () => re.test(out), { ms: 120_000 }).catch(() => undefined);
      assert.match(out, re);
    };
    try {
      await until(/started kiwi/);
      shell.stdin.write("String(whereis('kiwi_server'))\n");
      await until(/'<0\.\d+\.0>'/);
      shell.stdin.write("JSON.stringify([await application.getEnv('kiwi', 'label'), await application.getEnv('kiwi', 'initialCounts')])\n");
      await until(/'\["shelf A",\{"apples":7\}\]'/);
      shell.stdin.write('q()\n');
      assert.equal(await new Promise((r) => shell.once('exit', r)), 0, out);
    } finally {
      shell.kill('SIGKILL');
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('every other template works through the binary: lib and umbrella compile, pass otp test, and the umbrella boots in the shell', async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'tpl-'));
  try {
    for (const [template, name] of [['lib', 'textlib'], ['umbrella', 'stall']] as const) {
      const created = spawnSync(process.execPath, [bin, 'new', template, name, '--quiet'], { cwd: base, encoding: 'utf8' });
      assert.equal(created.status, 0, created.stderr);
      const dir = join(base, name);
      const compiled = spawnSync(process.execPath, [bin, 'compile'], { cwd: dir, encoding: 'utf8' });
      assert.equal(compiled.status, 0, compiled.stderr);
      assert.match(compiled.stdout, new RegExp(`compiled ${name} 0\\.1\\.0`));
      const tested = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert.equal(tested.status, 0, tested.stdout + tested.stderr);
      assert.match(tested.stdout.trim().split('\n').pop()!, /^[1-9]\d* passed, 0 failed$/);
    }
    const shell = spawnSync(process.execPath, [bin, 'shell'], { cwd: join(base, 'stall'), input: "String(whereis('stall_sup'))\nq()\n", encoding: 'utf8', timeout: 60_000 });
    assert.equal(shell.status, 0, shell.stdout + shell.stderr);
    assert.match(shell.stdout, /started stall/);
    assert.match(shell.stdout, /'<0\.\d+\.0>'/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp test --cover reports coverage of the TypeScript sources and enforces a threshold', async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'cov-'));
  try {
    spawnSync(process.execPath, [bin, 'new', 'app', 'meter', '--quiet'], { cwd: base, encoding: 'utf8' });
    const dir = join(base, 'meter');
    // A function no test calls: its lines must show up as uncovered.
    writeFileSync(join(dir, 'src', 'meter_server.ts'), `${readFileSync(join(dir, 'src', 'meter_server.ts'), 'utf8')}\nexport function neverCalled(x: number): number {\n  return x * 2;\n}\n`);
    const r = spawnSync(process.execPath, [bin, 'test', '--cover', '--cover-threshold', '100'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /meter_server\.ts\s+\|/);
    assert.doesNotMatch(r.stdout, /\.test\.ts\s+\|/, 'tests are not counted as sources');
    assert.match(r.stderr, /coverage is below its threshold: lines [\d.]+% \(threshold 100%\)$/m);
    assert.match(r.stdout.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/, 'the closing line stays last');
    // Thresholds from otp.config.ts (here the test profile's), with no flag.
    writeFileSync(join(dir, 'otp.config.ts'), `import { defineConfig } from '@otp-ts/cli';\nexport default defineConfig({ test: { cover: { lines: 1 } }, profiles: { test: { test: { cover: { functions: 100 } } } } });\n`);
    const fromConfig = spawnSync(process.execPath, [bin, 'test', '--cover'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(fromConfig.status, 1, fromConfig.stdout + fromConfig.stderr);
    assert.match(fromConfig.stderr, /coverage is below its threshold: functions [\d.]+% \(threshold 100%\)$/m);
    assert.ok(existsSync(join(dir, '_build', 'test', 'coverage', 'lcov.info')));
    assert.ok(existsSync(join(dir, '_build', 'test', 'coverage', 'index.html')));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp test --bail starts no file after a failure and counts the files not run as skipped', () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'bail-'));
  try {
    spawnSync(process.execPath, [bin, 'new', 'app', 'gate', '--quiet'], { cwd: base, encoding: 'utf8' });
    const dir = join(base, 'gate');
    writeFileSync(join(dir, 'test', 'aaa_first.test.ts'), "export function failsTest(): void {\n  throw new Error('first file fails');\n}\n");
    const r = spawnSync(process.execPath, [bin, 'test', '--bail', '--jobs', '1'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /first file fails/);
    assert.match(r.stdout.trim().split('\n').pop()!, /^0 passed, 1 failed, [1-9]\d* skipped$/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('--watch: otp test runs again when a source changes, and otp shell hot-loads a saved edit', async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'watch-'));
  const children: ReturnType<typeof spawn>[] = [];
  const run = (args: string[], cwd: string) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    const out = { text: '' };
    child.stdout!.on('data', (c: Buffer) => (out.text += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out.text += c.toString()));
    return { child, out };
  };
  // A deadline, not a count of 10 ms turns (20 s): a compile and a test run take longer on a loaded machine.
  const until = async (out: { text: string }, re: RegExp, what: string) => {
    await waitFor(what, () => re.test(out.text), { ms: 120_000 }).catch(() => undefined);
    assert.match(out.text, re, what);
  };
  try {
    spawnSync(process.execPath, [bin, 'new', 'app', 'watched', '--quiet'], { cwd: base, encoding: 'utf8' });
    const dir = join(base, 'watched');
    const server = join(dir, 'src', 'watched_server.ts');

    const tests = run(['test', '--watch'], dir);
    await until(tests.out, /watching for changes/, 'the first run ends and watching starts');
    writeFileSync(server, `${readFileSync(server, 'utf8')}\n// touched\n`);
    await until(tests.out, /passed, 0 failed[\s\S]*passed, 0 failed/, 'a second run after the edit');
    tests.child.kill('SIGKILL');

    const shell = run(['shell', '--watch'], dir);
    await until(shell.out, /watching src\//, 'the shell watches');
    writeFileSync(server, `${readFileSync(server, 'utf8')}\nexport const added = 1;\n`);
    await until(shell.out, /reloaded watched\/watched_server/, 'the saved edit is hot-loaded');
    shell.child.stdin!.write('q()\n');
    assert.equal(await new Promise((r) => shell.child.once('exit', r)), 0, shell.out.text);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});
