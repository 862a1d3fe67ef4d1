// End to end through the built binary: `otp test --watch` reruns only the test files a change affects,
// through the import graph esbuild records when it bundles each test file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { tempProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const dir = tempProject('otp-watch-affected-');

const write = (rel: string, text: string): void => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const testOf = (name: string, from: string): string => `import { ${name} } from '../src/${from}.ts';\nexport function ${name}Test(): void {\n  if (${name}() < 1) throw new Error('${name}');\n}\n`;

write('package.json', JSON.stringify({ name: 'graph', version: '0.1.0', type: 'module', otp: {} }));
write('src/shared.ts', 'export const base = (): number => 1;\n');
write('src/a.ts', "import { base } from './shared.ts';\nexport const a = (): number => base() + 1;\n");
write('src/b.ts', "import { base } from './shared.ts';\nexport const b = (): number => base() + 2;\n");
write('src/unused.ts', 'export const unused = (): number => 0;\n');
write('test/a.test.ts', testOf('a', 'a'));
write('test/b.test.ts', testOf('b', 'b'));

test('otp test --watch reruns the test files that import a changed file, directly or transitively, and only those', async () => {
  const child = spawn(process.execPath, [bin, 'test', '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const until = async (from: number, re: RegExp, what: string): Promise<string> => {
    // A deadline, not a count of 10 ms turns (30 s): a compile and a test run take longer on a loaded machine.
    await waitFor(what, () => re.test(out.slice(from)), { ms: 120_000 }).catch(() => undefined);
    assert.match(out.slice(from), re, what);
    return out.slice(from);
  };
  const closing = /\n\d+ passed, 0 failed\n/;
  // One change: the line saying why, then a run of exactly those files ending with the closing line. What is
  // checked is the text from that line to the first closing line after it, so an extra file event of an earlier
  // change (a rerun of its own, printed with its own line) is not read as this change's run.
  const step = async (change: () => void, why: RegExp, ran: readonly string[], notRan: readonly string[]): Promise<void> => {
    const from = out.length;
    change();
    const pattern = ran.length > 0 ? new RegExp(`${why.source}[\\s\\S]*?${closing.source}`) : why;
    await until(from, pattern, why.source);
    const text = pattern.exec(out.slice(from))![0];
    if (ran.length > 0) assert.match(text, new RegExp(`running ${ran.length} test file\\(s\\)`), text);
    for (const f of ran) assert.match(text, new RegExp(`✔ ${f} \\(`), `${f} reran`);
    for (const f of notRan) assert.doesNotMatch(text, new RegExp(`✔ ${f} \\(`), `${f} did not rerun`);
  };

  await until(0, /watching for changes/, 'the first run ends and watching starts');
  assert.match(out, /running 2 test file\(s\)[\s\S]*\n2 passed, 0 failed\n/);
  await step(() => appendFileSync(join(dir, 'src', 'a.ts'), '// touched\n'), /src\/a\.ts changed: rerunning test\/a\.test\.ts\n/, ['test/a.test.ts'], ['test/b.test.ts']);
  await step(() => appendFileSync(join(dir, 'src', 'b.ts'), '// touched\n'), /src\/b\.ts changed: rerunning test\/b\.test\.ts\n/, ['test/b.test.ts'], ['test/a.test.ts']);
  await step(() => appendFileSync(join(dir, 'src', 'shared.ts'), '// touched\n'), /src\/shared\.ts changed: rerunning test\/a\.test\.ts, test\/b\.test\.ts\n/, ['test/a.test.ts', 'test/b.test.ts'], []);
  await step(() => appendFileSync(join(dir, 'src', 'unused.ts'), '// touched\n'), /src\/unused\.ts changed: no test depends on it\n/, [], ['test/a.test.ts', 'test/b.test.ts']);
  await step(() => appendFileSync(join(dir, 'test', 'a.test.ts'), '// touched\n'), /test\/a\.test\.ts changed: rerunning test\/a\.test\.ts\n/, ['test/a.test.ts'], ['test/b.test.ts']);
  // A new test file runs, and from then on its imports count too.
  await step(() => write('test/c.test.ts', replaceOrFail(testOf('unused', 'unused'), '< 1', '< 0')), /test\/c\.test\.ts added: rerunning test\/c\.test\.ts\n/, ['test/c.test.ts'], ['test/a.test.ts', 'test/b.test.ts']);
  await step(() => appendFileSync(join(dir, 'src', 'unused.ts'), '// touched\n'), /src\/unused\.ts changed: rerunning test\/c\.test\.ts\n/, ['test/c.test.ts'], ['test/a.test.ts']);
  // A deleted test file is dropped: its sources no longer rerun anything.
  await step(() => unlinkSync(join(dir, 'test', 'c.test.ts')), /test\/c\.test\.ts deleted: no longer run\n/, [], []);
  await step(() => appendFileSync(join(dir, 'src', 'unused.ts'), '// touched\n'), /src\/unused\.ts changed: no test depends on it\n/, [], ['test/c.test.ts']);
});
