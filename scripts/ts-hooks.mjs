// Module hooks: `.ts` files are transpiled by esbuild on load; `./x.js` imports from TypeScript find `./x.ts`.
import { transform } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const tsUrl = new URL(specifier.slice(0, -3) + '.ts', parent);
    if (!existsSync(new URL(specifier, parent)) && existsSync(tsUrl)) {
      return { url: tsUrl.href, shortCircuit: true, format: 'module' };
    }
  }
  return nextResolve(specifier, {
    ...context,
    conditions: [...new Set([...(context.conditions ?? []), 'otp-ts-source'])],
  });
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const out = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: file,
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
