import { readdirSync } from 'node:fs';
import { c as create } from 'tar';

/** Writes a gzipped tarball of a one-version release root (its top-level entries, no enclosing folder). */
export async function writeTarball(root: string, file: string): Promise<void> {
  await create({ gzip: true, file, cwd: root, portable: true }, readdirSync(root).sort());
}
