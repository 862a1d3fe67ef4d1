import { compileFunction } from 'node:vm';
import { createHash } from 'node:crypto';

/** What the code server loads: one compiled module, CommonJS-shaped (the compiler's output). */
export interface ModuleSource {
  /** The module's name, unique in the node (e.g. `shop/cart_server`). */
  name: string;
  /** The compiled JavaScript: a CommonJS module body using `require`, `exports` and `module`. */
  code: string;
  /** The file it came from, for stack traces. */
  filename?: string;
  /** A version label; defaults to `sourceHash(code)`. */
  vsn?: string;
}

/** One loaded version of a module. */
export class ModuleVersion {
  /** When it was loaded (ms since the epoch). */
  readonly loadedAt = Date.now();
  constructor(
    readonly module: string,
    readonly vsn: string,
    /** The version's own exports (importers reach them through the module's export table). */
    readonly exports: Record<string, unknown>,
    readonly filename: string,
  ) {}
}

/** A module as the code server keeps it: a stable export table plus its current and old versions. */
export class LoadedModule {
  /** The object every importer holds: its properties point at the current version's exports (a plain object, so V8 keeps it in fast mode). */
  readonly table: Record<string, unknown> = {};
  current: ModuleVersion | null = null;
  old: ModuleVersion | null = null;
  constructor(readonly name: string) {}

  /** Points every property of the export table at `version`'s exports (nothing when null). */
  point(version: ModuleVersion | null): void {
    for (const key of Object.keys(this.table)) if (!version || !(key in version.exports)) delete this.table[key];
    if (version) for (const key of Object.keys(version.exports)) this.table[key] = version.exports[key];
  }
}

/** A hash of a module's code: the version label a module gets when its source names none. */
export function sourceHash(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/**
 * Evaluates a CommonJS-shaped module body with its own `require`; a throw (syntax error or a failing
 * top level) propagates with the module's file name in the stack.
 */
export function evaluateModule(source: ModuleSource, require: (specifier: string) => unknown): Record<string, unknown> {
  const filename = source.filename ?? `${source.name}.js`;
  const fn = compileFunction(source.code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename });
  const module = { exports: {} as Record<string, unknown> };
  fn.call(module.exports, module.exports, require, module, filename, filename.replace(/[/\\][^/\\]*$/, ''));
  // esbuild's CommonJS output defines exports as getters over live bindings: take their values now.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(module.exports)) if (key !== '__esModule') out[key] = module.exports[key];
  // Symbol-keyed metadata the compiler adds (which exports take ctx first) stays out of the export table.
  for (const sym of Object.getOwnPropertySymbols(module.exports)) Object.defineProperty(out, sym, { value: (module.exports as Record<symbol, unknown>)[sym] });
  return out;
}
