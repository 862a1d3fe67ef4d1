// Compile time of a generated 500-module application: otp-ts's compile (cold, then with nothing changed)
// against tsc on the same sources. Usage: node compile.mjs  (prints one JSON line)
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { compile } from '@otp-ts/compiler';

const N = 500;
const root = mkdtempSync(join(tmpdir(), 'otp-bench-compile-'));
try {
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'big', version: '1.0.0', type: 'module', otp: {} }));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, types: [] }, include: ['src'] }));
  for (let i = 0; i < N; i++) {
    const dep = i > 0 ? `import { f${i - 1} } from './m${i - 1}.ts';\n` : '';
    writeFileSync(join(root, 'src', `m${i}.ts`), `${dep}export interface S${i} { count: number; items: string[] }\nexport function f${i}(s: S${i}): S${i} {\n  return { count: s.count + ${i}, items: [...s.items, 'm${i}'] };\n}\nexport const k${i} = ${i > 0 ? `f${i - 1}({ count: 0, items: [] }).count` : '0'};\n`);
  }
  let t0 = performance.now();
  await compile({ root });
  const cold = performance.now() - t0;
  t0 = performance.now();
  await compile({ root });
  const noChange = performance.now() - t0;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  t0 = performance.now();
  const r = spawnSync(process.execPath, [tsc, '-p', root], { encoding: 'utf8' });
  const tscMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}`);
  console.log(JSON.stringify({ modules: N, cold_ms: Math.round(cold), no_change_ms: Math.round(noChange), tsc_ms: Math.round(tscMs) }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
