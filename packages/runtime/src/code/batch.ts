import { dependencyOrder, requiredModules } from './app-loader.js';
import { toFastProperties, type ModuleSource, type ModuleVersion } from './module.js';
import type { CodeServer } from './server.js';

// Points a module's export table at a new version's exports (its whole re-exports first, as the code server's table
// holds them) until the returned function puts back exactly what the table held, wrappers of traced functions included.
function stage(code: CodeServer, table: Record<string, unknown>, version: ModuleVersion, batch: ReadonlySet<string>): () => void {
  const before = Object.keys(table).map((key) => [key, table[key]] as const);
  const entries: Record<string, unknown> = {};
  for (const star of version.links.stars) {
    const from = code.record(star).current || batch.has(star) ? code.tableOf(star) : {};
    for (const key of Object.keys(from)) if (key !== 'default' && !(key in entries)) entries[key] = from[key];
  }
  Object.assign(entries, version.read());
  const added: string[] = [];
  for (const key of Object.keys(entries)) {
    if (!Object.hasOwn(table, key)) added.push(key);
    table[key] = entries[key];
  }
  return () => {
    // The last added first: V8 then undoes each addition without leaving the table's fast mode.
    for (let i = added.length - 1; i >= 0; i--) delete table[added[i]!];
    for (const [key, value] of before) if (table[key] !== value) table[key] = value;
  };
}

// The export names a module body declares (esbuild's `__export(x_exports, { f: () => f, ... })`), found as a hint only.
function declaredExports(source: ModuleSource): string[] {
  const list = /\b__export\(\s*[\w$]+\s*,\s*\{([^}]*)\}\s*\)/.exec(source.code)?.[1] ?? '';
  return [...list.matchAll(/(?:^|,)\s*(["']?)([\w$]+)\1\s*:/g)].map((m) => m[2]!);
}

// Whether a module of the batch imports itself through others (it is in a cycle): a walk of the batch's imports.
function reaches(imports: ReadonlyMap<string, readonly string[]>, from: string): boolean {
  const seen = new Set<string>();
  const pending = [...(imports.get(from) ?? [])];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === from) return true;
    if (seen.has(next) || !imports.has(next)) continue;
    seen.add(next);
    pending.push(...imports.get(next)!);
  }
  return false;
}

/**
 * The batch's members in an import cycle of the batch: until each is evaluated, reading one of its exports (old or new
 * names) from a top level evaluates it then (as an ES module's cycle would have run it first), or, while it is itself
 * being evaluated, throws naming the cycle, instead of handing over its old version's export. The getters put such a
 * table in V8's dictionary mode (a slower property load per cross-module call); its release brings it back to fast mode.
 */
class Held {
  private readonly saved = new Map<string, Array<[string, PropertyDescriptor | undefined]>>();
  /** The modules being evaluated, innermost last. */
  readonly evaluating: string[] = [];

  constructor(
    private readonly code: CodeServer,
    members: readonly ModuleSource[],
    evaluate: (source: ModuleSource) => void,
  ) {
    const imports = new Map(members.map((s) => [s.name, requiredModules(s).filter((n) => n !== s.name)]));
    for (const s of members) if (reaches(imports, s.name)) this.hold(s, evaluate);
  }

  private hold(source: ModuleSource, evaluate: (source: ModuleSource) => void): void {
    const table = this.code.tableOf(source.name);
    const keys = [...new Set([...Object.keys(table), ...declaredExports(source)])];
    this.saved.set(source.name, keys.map((key) => [key, Object.getOwnPropertyDescriptor(table, key)]));
    for (const key of keys) {
      const get = (): unknown => {
        if (this.evaluating.includes(source.name)) {
          const reader = this.evaluating[this.evaluating.length - 1]!;
          throw new Error(`${reader} reads ${source.name}.${key} at its top level while ${source.name}'s new version, which imports ${reader} (directly or not), is itself still being evaluated: the two modules' top levels use each other; read ${source.name}.${key} inside a function instead, or break the import cycle`);
        }
        evaluate(source);
        return table[key];
      };
      Object.defineProperty(table, key, { get, enumerable: true, configurable: true });
    }
  }

  /** Puts back what `name`'s table held before it was held (its evaluated version is staged next). */
  release(name: string): void {
    const keys = this.saved.get(name);
    if (keys === undefined) return;
    this.saved.delete(name);
    const table = this.code.tableOf(name);
    for (let i = keys.length - 1; i >= 0; i--) {
      const [key, d] = keys[i]!;
      if (d === undefined) delete table[key];
      else Object.defineProperty(table, key, d);
    }
    toFastProperties(table);
  }

  releaseAll(): void {
    for (const name of [...this.saved.keys()]) this.release(name);
  }
}

/**
 * Internal: evaluates the new versions of several modules an upgrade loads together, none installed. Each is
 * evaluated after the modules of the batch it imports, and its top level sees their new versions (`const CONFIG =
 * config()` in a new server calls the new helper that added `config`), as a boot of the new code does; a module of the batch
 * not loaded yet (one a release upgrade adds) is handed to the others before it is installed. The order comes from the
 * import graph, never from the order of `sources`: the modules are taken by name, each after those it imports, and a
 * cycle (a imports b, b imports a) is entered at its module whose name sorts first, which is evaluated last. Within a
 * cycle, a top level reading a member not evaluated yet evaluates that member first (Held); one reading a member whose
 * own top level is running fails, naming both: no top level ever sees an old version of a module of its batch. The
 * export tables point at the new versions only while the batch evaluates, in one synchronous turn: no process runs
 * before they point back, so none sees a version before the upgrade installs it. A failure is the code server's
 * CodeError naming the module that failed; the versions come back in the order of `sources`.
 */
export async function evaluateTogether(code: CodeServer, sources: readonly ModuleSource[]): Promise<ModuleVersion[]> {
  for (const source of sources) await code.prepare(source);
  const byName = new Map<string, ModuleVersion>();
  const undo: Array<() => void> = [];
  const batch = new Set(sources.map((s) => s.name));
  const order = dependencyOrder([...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  let failed: unknown;
  const evaluate = (source: ModuleSource): void => {
    if (byName.has(source.name)) return;
    held.evaluating.push(source.name);
    let version: ModuleVersion;
    try {
      version = code.evaluatePrepared(source);
    } catch (error) {
      // The innermost failure names its module (an outer top level that set it off fails with it).
      failed ??= error;
      throw error;
    } finally {
      held.evaluating.pop();
    }
    byName.set(source.name, version);
    held.release(source.name);
    undo.push(stage(code, code.tableOf(source.name), version, batch));
  };
  const held = new Held(code, order, evaluate);
  // A module of the batch not loaded yet (one the upgrade adds) is handed to the others as its table, staged like theirs.
  code.whilePending([...batch], () => {
    try {
      for (const source of order) evaluate(source);
    } catch (error) {
      // The members evaluated before the failure are never installed: their top levels' timers go with them.
      code.discard([...byName.values()]);
      throw failed ?? error;
    } finally {
      held.releaseAll();
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    }
  });
  // The version of each module outside the batch that one of them imports, when their top levels ran (changedSince).
  const against = new Map<string, ModuleVersion | null>();
  for (const v of byName.values()) for (const name of v.links.imports) if (!batch.has(name)) against.set(name, code.record(name).current);
  const out = sources.map((s) => byName.get(s.name)!);
  for (const v of out) evaluatedAgainst.set(v, against);
  return out;
}

const evaluatedAgainst = new WeakMap<ModuleVersion, ReadonlyMap<string, ModuleVersion | null>>();

/**
 * Internal: a module one of `versions` (evaluated together by evaluateTogether) imports from outside them whose current
 * version is no longer the one their top levels ran against (another upgrade or load ran since, or rolled back): its
 * name, the version then and now; undefined when none changed.
 */
export function changedSince(code: CodeServer, versions: readonly ModuleVersion[]): { module: string; then: string | undefined; now: string | undefined } | undefined {
  for (const v of versions) {
    for (const [name, then] of evaluatedAgainst.get(v) ?? []) {
      const now = code.record(name).current;
      if (now !== then) return { module: name, then: then?.vsn, now: now?.vsn };
    }
  }
  return undefined;
}
