// `npm run bench -- SUITE..`: runs benchmark suites (folders of bench/ with a run.mjs), all when none is named.
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
