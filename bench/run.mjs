// `npm run bench -- SUITE..`: runs benchmark suites (folders of bench/ with a run.mjs), all when none is named, then
// rebuilds the summary of every ratio against its goal at the top of bench/RESULTS.md.
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSummary } from './results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.mjs')))
  .map((d) => d.name);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const suite of wanted) {
  if (!available.includes(suite)) {
    console.error(`bench: unknown suite '${suite}'; the suites are: ${available.join(', ')}`);
    process.exit(2);
  }
}
for (const suite of wanted.length > 0 ? wanted : available) {
  const { run } = await import(pathToFileURL(join(here, suite, 'run.mjs')).href);
  await run(process.argv.slice(2).filter((a) => a.startsWith('-')));
}
// The summary at the top of bench/RESULTS.md, from the newest ratios of every section (bench/results.mjs).
console.log(`bench: summary rebuilt in ${writeSummary()}`);
