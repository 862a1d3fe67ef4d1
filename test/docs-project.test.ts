// The guides' code as a newcomer uses it: a ```ts block marked `<!-- file: PATH -->` is a file of the
// project `otp new app shop` makes, saved there and type-checked by that project's own tsconfig (its tsc,
// as `npx tsc --noEmit` in its README); a ```text block marked `<!-- shell: … -->` is an otp shell
// transcript in that project: each `otp> ` line is typed, and what it prints must be the lines under it.
// test/docs.test.ts type-checks every block in the repository's setting; this walks them in a project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

await privatePortMapper();
const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface Marked {
  at: string;
  kind: 'file' | 'shell';
  /** The file's path in the project (file blocks). */
  path: string;
  body: string;
}

// The marked blocks of docs/*.md: the `file:` or `shell:` comment stands just above the fence.
function markedBlocks(): Marked[] {
  const found: Marked[] = [];
  for (const name of readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).sort()) {
    const lines = readFileSync(join(repo, 'docs', name), 'utf8').split('\n');
    for (let i = 1; i < lines.length; i++) {
      const mark = /^<!-- (file|shell): (.+?) -->$/.exec(lines[i - 1]!.trim());
      if (!mark || !/^```(ts|text)\s*$/.test(lines[i]!.trim())) continue;
      let end = i + 1;
      while (end < lines.length && lines[end]!.trim() !== '```') end++;
      found.push({ at: `docs/${name}:${i + 1}`, kind: mark[1] as 'file' | 'shell', path: mark[2]!, body: lines.slice(i + 1, end).join('\n') });
    }
  }
  return found;
}

// Types each `otp> ` line of a transcript at the prompt and collects what it printed before the next prompt.
async function replay(dir: string, transcripts: Marked[]): Promise<{ failures: string[]; out: string }> {
  const child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const prompt = async (from: number): Promise<boolean> => {
    for (let i = 0; i < 6000 && !out.slice(from).endsWith('otp> ') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
    return out.slice(from).endsWith('otp> ');
  };
  const failures: string[] = [];
  try {
    if (!(await prompt(0))) return { failures: ['otp shell did not start'], out };
    for (const t of transcripts) {
      const lines = t.body.split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.startsWith('otp> ')) continue;
        const expected: string[] = [];
        for (let j = i + 1; j < lines.length && !lines[j]!.startsWith('otp> '); j++) expected.push(lines[j]!);
        const mark = out.length;
        child.stdin.write(`${lines[i]!.slice(5)}\n`);
        if (!(await prompt(mark))) return { failures: [...failures, `${t.at}: '${lines[i]}' did not come back to the prompt`], out };
        const printed = out.slice(mark, -'otp> '.length).trimEnd();
        if (printed !== expected.join('\n').trimEnd()) failures.push(`${t.at}: '${lines[i]}' printed ${JSON.stringify(printed)}, the doc shows ${JSON.stringify(expected.join('\n'))}`);
      }
    }
    child.stdin.write('q()\n');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    return { failures, out };
  } finally {
    child.kill('SIGKILL');
  }
}

test("the guides' project files type-check in a generated project and their shell transcripts answer as shown", { timeout: 240_000 }, async () => {
  const blocks = markedBlocks();
  const files = blocks.filter((b) => b.kind === 'file');
  assert.ok(files.some((b) => b.at.startsWith('docs/behaviours.md') && b.path === 'src/counter.ts'), "behaviours.md's gen_server example is a file of the project, src/counter.ts");
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'docs-project-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'shop', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'shop');
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), `${f.body}\n`);
    }
    const checked = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 200_000 });
    assert.equal(checked.status, 0, `the docs' project files do not type-check in the project (${files.map((f) => `${f.path} from ${f.at}`).join(', ')}):\n${checked.stdout}${checked.stderr}`);
    const { failures, out } = await replay(dir, blocks.filter((b) => b.kind === 'shell'));
    assert.deepEqual(failures, [], out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
