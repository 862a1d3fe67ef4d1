// What every package ships: the packages it imports declared as its own dependencies (a linked,
// pnpm-style install only gives a package what it declares), and the license in its tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packages = readdirSync(join(root, 'packages')).filter((p) => statSync(join(root, 'packages', p, 'package.json'), { throwIfNoEntry: false })?.isFile());

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

// The package names a source imports at run time (type-only imports are erased by the compiler).
function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/gm)].map((m) => m[1] ?? m[2]!);
  return specs.filter((s) => !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

test('the seven packages are all checked', () => {
  assert.deepEqual(packages.sort(), ['cli', 'compiler', 'create-otp-ts', 'release', 'runtime', 'test-runner', 'tracer']);
});

for (const pkg of packages) {
  test(`@otp-ts/${pkg} declares every package its sources import`, () => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      otpBuild?: { entries?: Record<string, string | { bundle?: string[] }> };
    };
    // A package the build inlines into the published program (otpBuild's bundle) needs no install.
    const bundled = Object.values(manifest.otpBuild?.entries ?? {}).flatMap((e) => (typeof e === 'string' ? [] : (e.bundle ?? [])));
    const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}), ...bundled]);
    const missing = new Set(sources(join(root, 'packages', pkg, 'src')).flatMap(importedPackages).filter((name) => !declared.has(name)));
    assert.deepEqual([...missing], [], `add them to packages/${pkg}/package.json dependencies`);
  });

  test(`@otp-ts/${pkg}'s tarball carries the Apache-2.0 license`, () => {
    const license = readFileSync(join(root, 'packages', pkg, 'LICENSE'), 'utf8');
    assert.equal(license, readFileSync(join(root, 'LICENSE'), 'utf8'), `packages/${pkg}/LICENSE is a copy of LICENSE`);
  });
}

test('LICENSE is the Apache License 2.0 with the project copyright', () => {
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  assert.match(license, /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
  assert.match(license, /\n {3}Copyright 2026 the otp-ts authors\n/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
});
