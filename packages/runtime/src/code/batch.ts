import { dependencyOrder } from './app-loader.js';
import type { ModuleSource, ModuleVersion } from './module.js';
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

/**
 * Internal: evaluates the new versions of several modules an upgrade loads together, none installed. Each is
 * evaluated after the modules of the batch it imports, and its top level sees their new versions (`const CONFIG =
 * config()` in a new server calls the new helper that added `config`), as a boot of the new code does; a module of the batch
 * not loaded yet (one a release upgrade adds) is handed to the others before it is installed. The export
 * tables point at the new versions only while the batch evaluates, in one synchronous turn: no process runs before
 * they point back, so none sees a version before the upgrade installs it. A failure is the code server's CodeError
 * naming the module; the versions come back in the order of `sources`.
 */
export async function evaluateTogether(code: CodeServer, sources: readonly ModuleSource[]): Promise<ModuleVersion[]> {
  for (const source of sources) await code.prepare(source);
  const byName = new Map<string, ModuleVersion>();
  const undo: Array<() => void> = [];
  const batch = new Set(sources.map((s) => s.name));
  // A module of the batch not loaded yet (one the upgrade adds) is handed to the others as its table, staged like theirs.
  code.whilePending([...batch], () => {
    try {
      for (const source of dependencyOrder([...sources])) {
        const version = code.evaluatePrepared(source);
        byName.set(source.name, version);
        undo.push(stage(code, code.tableOf(source.name), version, batch));
      }
    } finally {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
    }
  });
  return sources.map((s) => byName.get(s.name)!);
}
