// The observer suite: runs bench.ts (TypeScript, through the repository's loader) and lets it write its section.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from '../results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Runs the suite and writes its section of bench/RESULTS.md. */
export async function run() {
  const r = spawnSync(process.execPath, ['--import', join(root, 'scripts', 'register-ts.mjs'), join(here, 'bench.ts')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/observer failed (exit ${r.status})`);
  console.log(`  wrote ${writeSection('observer', readFileSync(join(root, 'bench', '.work', 'observer', 'section.md'), 'utf8'))}`);
}
