// Docs that run: every fenced block of README.md, docs/*.md and the templates' READMEs is checked, or
// marked as not runnable with a reason (`<!-- not-runnable: why -->` on the line before the fence):
// - ```ts blocks are type-checked, strict, in one tsc run with the @otp-ts packages resolvable; a block
//   without imports is a fragment, checked inside an async function given `ctx` and `node` with the
//   runtime's API, defineConfig and fast-check imported; a block after `<!-- continues -->` is checked
//   after the block before it; `<!-- given: CODE -->` adds what the text around a block implies;
//   a self-contained block that prints (console.log) is run, and a `// value` comment on a printing
//   line is compared with what it printed;
// - ```json blocks parse; ```text blocks are output or layouts shown, not examples;
// - ```sh, ```bash and bare blocks are command lines: every `otp` command (also as `npx otp`) is
//   parsed and checked against the commands' tables as otp would before running it; a line that is
//   not an otp command needs the block marked. Every --help example of every command is checked too,
//   and the release start script's --help examples name its commands with their required arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCommandLine, providers } from '@otp-ts/cli';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** One fenced block of a markdown file. */
interface Block {
  file: string;
  /** The fence's line, 1-based. */
  line: number;
  lang: string;
  body: string;
  /** Why it is not runnable, when marked so. */
  notRunnable?: string;
  /** Checked after the block before it in the same file. */
  continues: boolean;
  /** Code the text around the block implies (`<!-- given: let server!: Pid; -->`), checked before it. */
  given: string[];
}

function docFiles(): string[] {
  const docs = readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const templates = readdirSync(join(repo, 'templates')).map((t) => `templates/${t}/README.md`);
  return ['README.md', ...docs.sort(), ...templates.filter((f) => readdirSync(join(repo, f, '..')).includes('README.md'))];
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(repo, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    // The HTML comments just above the fence say how the block is checked.
    const markers: string[] = [];
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    for (; before >= 0 && /^<!--.*-->$/.test(lines[before]!.trim()); before--) markers.push(lines[before]!.trim());
    const notRunnable = markers.map((m) => /^<!-- not-runnable: (.+?) -->$/.exec(m)?.[1]).find((r) => r !== undefined);
    const given = markers.map((m) => /^<!-- given: (.+?) -->$/.exec(m)?.[1]).filter((g): g is string => g !== undefined);
    blocks.push({ file, line: i + 1, lang: open[1]!, body: lines.slice(i + 1, end).join('\n'), ...(notRunnable ? { notRunnable } : {}), continues: markers.includes('<!-- continues -->'), given });
    i = end;
  }
  return blocks;
}

const where = (b: Block): string => `${b.file}:${b.line}`;

// Words of a command line, as a POSIX shell splits them (quotes kept together, no expansion).
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  return out;
}

// The otp command lines of a block (without `npx`, prompts, comments and redirections), or the first line that is not one.
function commandLines(b: Block): { commands: string[][]; other?: string } {
  const commands: string[][] = [];
  for (const raw of b.body.split('\n')) {
    const line = raw.replace(/^\s*\$ /, '').replace(/\s+#\s.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    for (const part of line.split(/\s*(?:&&|\|\||;)\s*/)) {
      const command = part.split(/\s+[<>|]|\s+>>/)[0]!.trim();
      const argv = words(command);
      const start = argv[0] === 'npx' && argv[1] === 'otp' ? 2 : argv[0] === 'otp' ? 1 : -1;
      if (start < 0) return { commands, other: part };
      commands.push(argv.slice(start));
    }
  }
  return { commands };
}

// Every value and type the runtime exports, for fragments: read from its entry's export lists.
function runtimeNames(): { values: string[]; types: string[] } {
  const source = readFileSync(join(repo, 'packages', 'runtime', 'src', 'index.ts'), 'utf8');
  const values = new Set<string>();
  const types = new Set<string>();
  for (const m of source.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const item of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
      const typeOnly = m[1] !== undefined || item.startsWith('type ');
      const name = item.replace(/^type /, '').split(/\s+as\s+/).pop()!;
      (typeOnly ? types : values).add(name);
    }
  }
  for (const m of source.matchAll(/export \* as (\w+)/g)) values.add(m[1]!);
  return { values: [...values], types: [...types].filter((t) => !values.has(t)) };
}

const blocks = docFiles().flatMap(blocksOf);

test('every fenced block of the docs is checked or marked not runnable, with a reason', () => {
  const unknown = blocks.filter((b) => !b.notRunnable && !['ts', 'json', 'text', 'sh', 'bash', ''].includes(b.lang));
  assert.deepEqual(unknown.map(where), [], 'a block in a language the doc test does not check: mark it <!-- not-runnable: why -->');
  const empty = blocks.filter((b) => b.notRunnable !== undefined && b.notRunnable.trim().length < 4);
  assert.deepEqual(empty.map(where), [], 'a not-runnable marker needs a reason');
});

test('json blocks parse', () => {
  for (const b of blocks.filter((x) => x.lang === 'json' && !x.notRunnable)) assert.doesNotThrow(() => JSON.parse(b.body), where(b));
});

test('every otp command line in the docs and every --help example parses and passes the checks otp makes before running it', async () => {
  const failures: string[] = [];
  const check = async (argv: string[], at: string): Promise<void> => {
    try {
      await checkCommandLine(argv, providers);
    } catch (error) {
      failures.push(`${at}: otp ${argv.join(' ')}: ${(error as Error).message}`);
    }
  };
  for (const b of blocks.filter((x) => ['sh', 'bash', ''].includes(x.lang) && !x.notRunnable)) {
    const { commands, other } = commandLines(b);
    if (other !== undefined) failures.push(`${where(b)}: '${other}' is not an otp command: make the block \`\`\`text if it is output, or mark it <!-- not-runnable: why -->`);
    for (const argv of commands) await check(argv, where(b));
  }
  for (const p of providers) for (const e of p.examples) await check(words(e.command.split(/\s+[<>|]/)[0]!).slice(1), `otp ${p.name} --help`);
  assert.deepEqual(failures, []);
});

test('ts blocks type-check (strict, one tsc run) and those that print run and print what their comments say', { timeout: 240_000 }, () => {
  const dir = join(repo, '_build', 'doc-test');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { values, types } = runtimeNames();
  const fragmentPrelude = [`import { ${values.join(', ')} } from '@otp-ts/runtime';`, `import type { ${types.join(', ')} } from '@otp-ts/runtime';`, `import { defineConfig } from '@otp-ts/cli';`, `import fc from 'fast-check';`];
  const files = new Map<string, { block: Block; offset: number }>();
  const ts = blocks.filter((b) => b.lang === 'ts' && !b.notRunnable);
  const toRun: Array<{ block: Block; file: string }> = [];
  for (const [i, b] of ts.entries()) {
    // A continuing block is checked after the blocks it continues (their text first).
    let body = b.body;
    for (let j = i, k = i - 1; ts[j]!.continues && k >= 0 && ts[k]!.file === b.file; j = k, k--) body = `${ts[k]!.body}\n${body}`;
    body = [...b.given, body].join('\n');
    const lines = body.split('\n');
    const isModule = lines.some((l) => /^import\s/.test(l));
    const name = `${b.file.replace(/[/.]/g, '_')}_L${b.line}.ts`;
    let text: string;
    let offset: number;
    if (isModule) {
      // A module's code may use a process context and a node as the text around it does (`ctx`, `node`).
      const given = ['ctx', 'node'].filter((n) => !new RegExp(`^(const|let|var|function|async function) ${n}\\b`, 'm').test(body));
      const head = given.length ? [`import type { ProcessContext as DocContext, OtpNode as DocNode } from '@otp-ts/runtime';`, ...given.map((n) => `declare const ${n}: ${n === 'ctx' ? 'DocContext' : 'DocNode'};`)] : [];
      text = `${[...head, body].join('\n')}\nexport {};\n`;
      offset = head.length + body.split('\n').length - b.body.split('\n').length;
    } else {
      // A fragment: inside an async function with a process context and a node, the runtime's API imported.
      const inner = lines.map((l) => l.replace(/^(\s*)export default /, '$1const _default = ').replace(/^(\s*)export /, '$1'));
      text = [...fragmentPrelude, 'export async function fragment(ctx: ProcessContext, node: OtpNode): Promise<void> {', ...inner, '}', ''].join('\n');
      offset = fragmentPrelude.length + 1 + (lines.length - b.body.split('\n').length);
    }
    writeFileSync(join(dir, name), text);
    files.set(name, { block: b, offset });
    if (isModule && /console\.log\(/.test(b.body) && !b.continues) toRun.push({ block: b, file: name });
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, allowImportingTsExtensions: true, declaration: false, noUnusedLocals: false, noUnusedParameters: false }, include: ['*.ts', '../../packages/*/src/**/*.d.ts'] }),
  );
  const checked = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: repo, encoding: 'utf8', timeout: 200_000 });
  const errors = checked.stdout
    .split('\n')
    .filter((l) => /doc-test[/\\][^/\\(]+\.ts\(\d+,\d+\): error/.test(l))
    .map((l) => {
      const [, file, line, rest] = /([^/\\(]+\.ts)\((\d+),\d+\): (.*)$/.exec(l)!;
      const at = files.get(file!)!;
      return `${at.block.file}:${at.block.line + Number(line) - at.offset}: ${rest}`;
    });
  if (process.env.DOC_TEST_ERRORS) writeFileSync(process.env.DOC_TEST_ERRORS, errors.join('\n'));
  assert.deepEqual(errors, [], `docs' TypeScript does not type-check (the line is the doc's):\n${errors.join('\n')}`);
  // Errors in the packages' own sources are npm run typecheck's business (and may be someone's work in progress).
  assert.ok(checked.status === 0 || (checked.status === 2 && !/doc-test[/\\][^(]+\.ts\(/.test(checked.stdout)), checked.stdout + checked.stderr);

  for (const { block, file } of toRun) {
    const ran = spawnSync(process.execPath, ['--import', join(repo, 'scripts', 'register-ts.mjs'), join(dir, file)], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    assert.equal(ran.status, 0, `${where(block)} ran and failed:\n${ran.stderr}`);
    // The values the comments of its console.log lines promise (`// 144`, `// 2: why`), found in order
    // among the lines it printed (spaces and quotes aside: util.inspect spaces arrays, log prints strings bare).
    const bare = (text: string): string => text.replace(/[\s'"]/g, '');
    const promised = block.body
      .split('\n')
      .filter((l) => /console\.log\(/.test(l))
      .map((l) => /\/\/\s*(.+)$/.exec(l)?.[1]?.split(/: | \(| — /)[0])
      .filter((v): v is string => v !== undefined);
    const printed = ran.stdout.split('\n').map(bare);
    let at = 0;
    for (const value of promised) {
      const found = printed.indexOf(bare(value), at);
      assert.ok(found >= 0, `${where(block)} promises ${value}, printed after it:\n${ran.stdout}`);
      at = found + 1;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the doc test knows every doc: each file it reads exists', () => {
  for (const f of docFiles()) assert.ok(relative(repo, join(repo, f)) === f);
});

test("the release start script's --help examples name its commands with the arguments they take", () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-doc-script-'));
  try {
    mkdirSync(join(root, 'releases'));
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'docs', releases: [] }));
    const help = spawnSync(process.execPath, [join(repo, 'packages', 'release', 'dist', 'control.js'), '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', OTP_RELEASE_ROOT: root } });
    assert.equal(help.status, 0, help.stderr);
    const [usage, examples] = help.stdout.split('\nExamples:\n');
    assert.ok(examples, help.stdout);
    // Each command of the list, with how many words its arguments take at least (the required ones).
    // The list reads `  bin/docs COMMAND ARGS   description`; the examples `  bin/docs COMMAND ARGS   what it does`.
    const known = new Map([...usage!.matchAll(/^ {2}bin\/docs (\S+)(.*?) {2,}/gm)].map((m) => [m[1]!, m[2]!.replace(/\[[^\]]*\]/g, '').split(' ').filter((w) => w !== '').length]));
    assert.ok(known.has('upgrade') && known.get('rpc') === 2, `the command list is read: ${[...known].join(' ')}`);
    const lines = examples.split('\n').filter((l) => l.startsWith('  bin/docs '));
    assert.ok(lines.length >= 5, examples);
    for (const line of lines) {
      for (const part of line.trim().split(/\s{2,}/)[0]!.split('&&')) {
        const [script, command, ...rest] = part.trim().split(/\s+/);
        assert.equal(script, 'bin/docs', line);
        assert.ok(known.has(command!), `${line}: ${command} is not a command of the start script`);
        assert.ok(rest.filter((w) => !w.startsWith('-')).length >= known.get(command!)!, `${line}: ${command} needs its arguments`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
