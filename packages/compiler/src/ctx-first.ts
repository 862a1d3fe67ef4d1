import { transform } from 'esbuild';
import { CTX_FIRST_KEY } from '@otp-ts/runtime';

// Top-level declarations (esbuild's output puts them at column 0) of functions whose first parameter is ctx.
const DECLARED = [
  /^(?:export\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)\s*\(\s*ctx\b/gm,
  /^(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s+)?(?:(?:function\s*\*?\s*[\w$]*\s*)?\(\s*ctx\b|ctx\s*=>)/gm,
];

/**
 * The exported functions of a TypeScript module whose first parameter is named `ctx` (the convention of
 * functions that run in a process, like a gen_server's client API). Read from the source with types and
 * comments stripped, before minification renames parameters.
 */
export async function ctxFirstExports(source: string): Promise<string[]> {
  const { code } = await transform(source, { loader: 'ts', format: 'esm', minify: false, legalComments: 'none' });
  const local = new Set<string>();
  for (const re of DECLARED) for (const m of code.matchAll(re)) local.add(m[1]!);
  const exported = new Set<string>();
  // `export function f(ctx` as written, and `export { f, g as h }` as esbuild usually writes it.
  for (const m of code.matchAll(/^export\s+(?:async\s+)?(?:function\s*\*?|const|let|var)\s*([\w$]+)/gm)) if (local.has(m[1]!)) exported.add(m[1]!);
  for (const clause of code.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const entry of clause[1]!.split(',')) {
      const [name, alias] = entry.trim().split(/\s+as\s+/);
      if (name && local.has(name)) exported.add(alias ?? name);
    }
  }
  return [...exported].sort();
}

/**
 * Records them in a compiled module's text: a non-enumerable property of its exports under the runtime's
 * CTX_FIRST_KEY symbol, which rpc reads to pass the calling process's context first. The line goes
 * before the source map comment, so no mapping moves.
 */
export function withCtxFirst(js: string, names: readonly string[]): string {
  if (names.length === 0) return js;
  const line = `Object.defineProperty(module.exports, Symbol.for(${JSON.stringify(CTX_FIRST_KEY)}), { value: ${JSON.stringify(names)} });\n`;
  const at = js.search(/^\/\/# sourceMappingURL=/m);
  return at < 0 ? `${js}${js.endsWith('\n') ? '' : '\n'}${line}` : `${js.slice(0, at)}${line}${js.slice(at)}`;
}
