// Builds every workspace package: esbuild for the JavaScript, tsc for the declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const quiet = process.argv.includes('--quiet');

for (const ws of workspaces) {
  const dir = join(root, ws);
  const entry = join(dir, 'src', 'index.ts');
  if (!existsSync(entry)) continue;
  // A package may declare more entry points (e.g. @otp-ts/test-runner/assert) in "otpBuild.entries".
  const extra = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).otpBuild?.entries ?? {};
  // Entries that share the main entry's modules ("otpBuild.shared", e.g. @otp-ts/runtime/tools) are built with it in
  // one run split into chunks, so a module both reach exists once: one copy of its classes and of its state.
  const shared = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).otpBuild?.shared ?? {};
  const started = Date.now();
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: { index: entry, ...Object.fromEntries(Object.entries(shared).map(([out, src]) => [out.replace(/[.]js$/, ''), join(dir, src)])) },
    outdir: join(dir, 'dist'),
    splitting: Object.keys(shared).length > 0,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  // An entry is a source path, or { src, bundle: [packages] } to inline those dependencies (a program
  // copied out of node_modules, like the release's start script, carries them with it); "alias" maps an
  // import to a source file of this repository (package dir relative), to inline a narrow part of a package;
  // "minify": true for a program started often (the start script: less to read at each start).
  for (const [out, entry] of Object.entries(extra)) {
    const { src, bundle = [], alias = {}, minify = false } = typeof entry === 'string' ? { src: entry } : entry;
    const deps = Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies ?? {});
    const external = bundle.length ? { external: deps.filter((d) => !bundle.includes(d)).flatMap((d) => [d, `${d}/*`]).concat(['node:*']) } : { packages: 'external' };
    const aliases = Object.fromEntries(Object.entries(alias).map(([from, to]) => [from, join(dir, to)]));
    await build({ entryPoints: [join(dir, src)], outfile: join(dir, 'dist', out), bundle: true, ...external, alias: aliases, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, minify, logLevel: 'warning' });
  }
  // Browser bundles ("otpBuild.browser": { out: src }), e.g. otp observer's page: its libraries inlined, no CDN at run time.
  for (const [out, src] of Object.entries(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).otpBuild?.browser ?? {})) {
    await build({ entryPoints: [join(dir, src)], outfile: join(dir, 'dist', out), bundle: true, platform: 'browser', format: 'esm', target: 'es2020', minify: true, logLevel: 'warning' });
  }
  try {
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  } catch {
    console.error(`build failed: the declarations of ${ws} do not type-check (tsc's errors above)`);
    process.exit(1);
  }
  if (!quiet) console.log(`built ${ws} in ${Date.now() - started} ms`);
}
