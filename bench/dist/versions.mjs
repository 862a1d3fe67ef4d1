// The two runtimes the set-up comparison runs side by side: this checkout's, and the one of the commit
// before handshake version 3 (taken from git, not checked out: `git archive` of its runtime sources).
// Both are bundled here by the same esbuild call, so they differ only in their sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The commit that introduced handshake version 3; "before" is its parent. */
export const V3_COMMIT = 'e503a96';

async function bundle(srcRoot, out) {
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };
  await build({ ...common, entryPoints: [join(srcRoot, 'packages', 'runtime', 'src', 'index.ts')], outfile: join(out, 'index.js') });
  // The built-in port mapper beside it, where the runtime looks for it (only used without Erlang's epmd).
  await build({ ...common, entryPoints: [join(srcRoot, 'packages', 'runtime', 'src', 'distribution', 'epmd-main.ts')], outfile: join(out, 'epmd.js') });
  // The port mapper's client (portMapperLookup, killPortMapper), in @otp-ts/runtime/tools since that entry exists.
  const tools = join(srcRoot, 'packages', 'runtime', 'src', 'tools.ts');
  if (existsSync(tools)) await build({ ...common, entryPoints: [tools], outfile: join(out, 'tools.js') });
  return join(out, 'index.js');
}

/** The module of a bundle (see buildRuntimes) that exports the port mapper's client: its tools.js, or the bundle itself for a runtime older than that entry. */
export function toolsOf(bundle) {
  const tools = join(bundle, '..', 'tools.js');
  return existsSync(tools) ? tools : bundle;
}

/**
 * Bundles the runtime of `root` (the working tree) and of `rev` (default: the parent of V3_COMMIT) into
 * `work`; returns the two bundles' paths and the commit "before" names.
 */
export async function buildRuntimes(root, work, rev = `${V3_COMMIT}^`) {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const commit = git('rev-parse', '--short', rev).stdout.trim();
  if (!commit) throw new Error(`bench/dist: git does not know ${rev}: run the bench from a clone with the history`);
  const src = join(work, `runtime-src-${commit}`);
  if (!existsSync(join(src, 'packages', 'runtime', 'src', 'index.ts'))) {
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    const r = spawnSync('sh', ['-c', `git archive --format=tar ${commit} packages/runtime/src | tar -x -C "${src}"`], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/dist: could not take the runtime of ${commit} from git: ${r.stderr}`);
  }
  const now = await bundle(root, join(work, 'runtime-now'));
  const before = await bundle(src, join(work, `runtime-${commit}`));
  return { now, before, beforeCommit: commit };
}
