// `otp shell < data.js` (or a paste) with a statement of thousands of lines, an object literal or a template
// literal: the shell joins the lines as it reads them and runs the statement once whole. Before, joining parsed
// the whole pending statement again at every line, so 5000 lines kept the shell busy for minutes before it
// answered (the test's run is killed after 180 s, well before both statements below were joined that way).
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
const NAME = 'pastesh';
const epmdPort = await privatePortMapper();
const LINES = 5000;

test('otp shell with a piped 5000-line object literal and template literal runs each whole and answers', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${NAME}-`));
  const env = { ...process.env, OTP_EPMD_PORT: String(epmdPort), OTP_COOKIE: 'pastesh_cookie', NO_COLOR: '1' };
  try {
    const created = spawnSync(process.execPath, [bin, 'new', 'app', NAME, '--quiet'], { cwd: base, env, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const lines = [
      'const big = {',
      // Values holding brackets, quotes and comment marks, which must not end (or keep open) the statement.
      ...Array.from({ length: LINES }, (_, i) => `  k${i}: { n: ${i}, s: "}) // ${i}", r: /[}\\]]/.source }, // {`),
      '};',
      'Object.keys(big).length + big.k4999.n',
      'const text = `first',
      ...Array.from({ length: LINES }, (_, i) => `row ${i} { ( [ ' " ${'${'}${i} % 7}`),
      '`;',
      "text.split('\\n').length * 1000 + text.split('\\n')[5000].length",
      '6 * 7 + 1',
    ];
    const shell = await run(process.execPath, [bin, 'shell'], join(base, NAME), env, `${lines.join('\n')}\n`);
    // The REPL prints a '... ' prompt for each continued line (ahead of the answers, as the lines come at once):
    // shown as one in a failure's message.
    const shown = shell.out.replace(/(\.\.\. )+/g, '… ');
    assert.equal(shell.status, 0, `the shell ends with its input, exit 0:\n${shown}`);
    assert.doesNotMatch(shell.out, /SyntaxError|is not defined|Uncaught/, shown);
    assert.match(shell.out, /(?:otp>|\.\.\.) 9999\n/, `the object's 5000 keys, and the last one's value:\n${shown}`);
    assert.match(shell.out, new RegExp(`(?:otp>|\\.\\.\\.) ${5002 * 1000 + 'row 4999 { ( [ \' " 1'.length}\\n`), `the template's 5002 lines, and the last one's text:\n${shown}`);
    assert.match(shell.out, /(?:otp>|\.\.\.) 43\n/, `the line after them runs:\n${shown}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
