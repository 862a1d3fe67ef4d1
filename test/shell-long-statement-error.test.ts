// `otp shell` given a pasted statement of a few kilobytes with an error some lines back: the joiner parses so long a
// statement only now and then, so it learns late, and lines after the error, that the statement ended there. The
// shell then ran the whole buffer as one statement: one error for all of it, and the lines after the error (a whole
// statement among them) never ran. It now runs the statement up to the error alone and the lines after it afresh,
// as it does when the statement is short and each line is parsed as it comes.
// The project is generated inside the repository's _build/ so it resolves the workspace's packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const NAME = 'longerr';
const epmdPort = await privatePortMapper();

// An array literal of `fill` lines, then a line missing its comma, a whole statement, and the closing bracket.
const paste = (fill: number, tag: string): string[] => [
  `const ${tag} = [`,
  ...Array.from({ length: fill }, (_, i) => `  '${tag} ${i} ${'x'.repeat(50)}',`),
  "  'missing' 'comma',",
  `  '${tag} after the error'.length * 1000 + 7`,
  ']',
];

test('otp shell reports an error a long pasted statement holds at its line, and runs the lines after it, as for a short one', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'longerr_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    // Short: parsed at every line. Long: 40 lines of 60 characters, past the 2 KB parsed at every line.
    const lines = [...paste(2, 'short'), "'-- long --'", ...paste(40, 'long'), '6 * 7 + 1'];
    const shell = await run(process.execPath, [bin, 'shell'], join(base, NAME), env, `${lines.join('\n')}\n`);
    const shown = shell.out.replace(/(\.\.\. )+/g, '… ');
    assert.equal(shell.status, 1, `the shell ends with its input, exit 1 as lines failed:\n${shown}`);
    const [short, long] = shell.out.split("'-- long --'");
    assert.ok(short !== undefined && long !== undefined, shown);
    const errors = (text: string): string[] => text.match(/SyntaxError: .*/g) ?? [];
    assert.deepEqual(errors(long), errors(short), `the long statement's errors are the short one's:\n${shown}`);
    assert.deepEqual(errors(short), ["SyntaxError: Unexpected string", "SyntaxError: Unexpected token ']'"], shown);
    assert.match(short, /(?:otp>|\.\.\.) 21007\n/, `the whole statement after the error runs:\n${shown}`);
    assert.match(long, /(?:otp>|\.\.\.) 20007\n/, `the whole statement after the error runs:\n${shown}`);
    assert.match(long, /(?:otp>|\.\.\.) 43\n/, `the line after them runs:\n${shown}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// node:repl drops the statement it buffered when its input ends: `otp shell < setup.js` missing a closing brace
// printed nothing about it, as if it had run.
test('otp shell says so when its input ends inside a statement, rather than dropping it in silence', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'longerr_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const shell = await run(process.execPath, [bin, 'shell'], join(base, NAME), env, '6 * 7 + 1\nconst settings = {\n  retries: 3,\n');
    // The statement cut short failed: exit 1.
    assert.equal(shell.status, 1, shell.out);
    // Its answer may come after the notice (the line runs as the input ends), on a line of its own.
    assert.match(shell.out, /(?:^|otp> |\.\.\. )43$/m, shell.out);
    assert.match(shell.out, /the input ended inside a statement, which was not run .*: "const settings = \{\\n {2}retries: 3,/, shell.out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// A long pasted statement with an error, then whole statements and an open template literal as the input ends: the
// scan, inside the template, cannot see that the statement ended at the error, and only a parse at the input's end
// cuts it there. otp shell said all of it was not run, where otp remote (and a short paste) ran the whole statements.
test('otp shell runs, in order, the whole statements held after a long statement\'s error when its input ends, and says only the last was cut short', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'longerr_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const lines = [...paste(40, 'held').slice(0, -2), "  'a'.length + 40", "  throw new Error('held thrown')", '  6 * 7', '`never closed'];
    const shell = await run(process.execPath, [bin, 'shell'], join(base, NAME), env, `${lines.join('\n')}\n`);
    const shown = shell.out.replace(/(\.\.\. )+/g, '… ');
    assert.equal(shell.status, 1, shown);
    assert.match(shell.out, /SyntaxError: Unexpected string/, shown);
    const ran = [...shell.out.matchAll(/^(?:otp> |… |\.\.\. )*(41|Uncaught Error: held thrown|42)$/gm)].map((m) => m[1]);
    assert.deepEqual(ran, ['41', 'Uncaught Error: held thrown', '42'], `the whole statements after the error run, in order:\n${shown}`);
    assert.match(shell.out, /the input ended inside a statement, which was not run .*: "`never closed"\n/, shown);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
