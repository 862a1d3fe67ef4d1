// End to end through the built binary: `otp test` bundles test files under _build/ yet keeps import.meta.url,
// .dirname and .filename the source file's, as expressions only: the same words in a string, a template literal or a
// comment are the test's own text and stay verbatim, and a failing assertion's stack still names its source line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scratchProject } from './support/files.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const Q = '`';
const dir = scratchProject('import-meta', {
  // The module source a test builds (for a child process, say) holds the text `import.meta.url`: it must stay text.
  'test/meta.test.ts': [
    "import { writeFileSync } from 'node:fs';",
    "import { helperUrl } from './helper.ts';",
    "const inString = 'console.log(import.meta.url, import.meta.dirname, import.meta.filename)';",
    `const inTemplate = ${Q}x import.meta.url \${import.meta.url} import.meta.filename${Q};`,
    '// import.meta.url in a comment stays a comment',
    'export function metaTest(): void {',
    "  writeFileSync(new URL('../seen.json', import.meta.url), JSON.stringify({ inString, inTemplate, url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename, helperUrl }));",
    '}',
    'export function lineTenTest(): void {',
    "  throw new Error('on line 10 of ' + import.meta.filename);",
    '}',
    '',
  ].join('\n'),
  'test/helper.ts': "export const helperUrl: string = import.meta.url;\n",
});

test("import.meta in a test file: the expression is the source file's, the same text in a string or template literal is kept", () => {
  const r = spawnSync(process.execPath, [bin, 'test', '--reporter', 'json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const source = join(dir, 'test', 'meta.test.ts');
  const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(seen, {
    inString: 'console.log(import.meta.url, import.meta.dirname, import.meta.filename)',
    inTemplate: `x import.meta.url ${pathToFileURL(source).href} import.meta.filename`,
    url: pathToFileURL(source).href,
    dirname: join(dir, 'test'),
    filename: source,
    helperUrl: pathToFileURL(join(dir, 'test', 'helper.ts')).href,
  });
  const json = JSON.parse(readFileSync(join(dir, '_build', 'test', 'results.json'), 'utf8')) as { files: { cases: { name: string; failure?: { text: string } }[] }[] };
  const failure = json.files.flatMap((f) => f.cases).find((c) => c.name === 'lineTenTest')!.failure!;
  assert.match(failure.text, new RegExp(`^Error: on line 10 of ${source.replace(/[.\\/]/g, '\\$&')}\\n\\s+at lineTenTest \\(.*meta\\.test\\.ts:10:9\\)`));
});
