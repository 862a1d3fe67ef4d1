// bench/RESULTS.md holds one section per suite between markers, so each suite rewrites only its own.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const header = '# Benchmark results\n\nWritten by `npm run bench`; each section says when, where and how it was measured.\n';

/** Replaces (or appends) the section of `suite` in bench/RESULTS.md. */
export function writeSection(suite, markdown) {
  const start = `<!-- ${suite}:start -->`;
  const end = `<!-- ${suite}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
  return file;
}
