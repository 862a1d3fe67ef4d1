import type { ProcessImpl } from '../process.js';
import type { ModuleVersion } from './module.js';
import type { EachProcess, PurgeView } from './purge-view.js';

/**
 * Internal: for each of `versions`, the processes spawned with a closure its code made (`ctx.spawn(() => loop(s))`) that
 * run no callback module, as OTP's purge kills a process holding a fun of the purged code. Asked only by a purge (and a
 * rollback), never by a spawn: a function whose source text no version's code holds is passed over, and the others are
 * looked up once each through the inspector (50 to 300 µs; code/script-ids.ts). `each`: a census's closure-spawned
 * processes when it has them (census), else every process it gives.
 */
export function spawnedRunning(code: PurgeView, versions: readonly ModuleVersion[], each: EachProcess): Map<ModuleVersion, ProcessImpl[]> {
  const out = new Map<ModuleVersion, ProcessImpl[]>(versions.map((v) => [v, []]));
  const texts = versions.map((v) => code.sourceOf(v)).filter((t) => t !== undefined);
  if (texts.length === 0) return out;
  const byFunction = new Map<object, boolean>();
  const byText = new Map<string, boolean>();
  const candidates: Array<[ProcessImpl, object]> = [];
  (each.spawned ?? each)((p) => {
    const fn = p.entry;
    if (typeof fn === 'string' || p.label?.callbacks !== undefined) return;
    let hit = byFunction.get(fn);
    if (hit === undefined) {
      // An export counts as its version already (processesRunning). A closure's text is a slice of its script's: a
      // version whose code does not hold it did not make it.
      const text = code.isModuleExport(fn) ? undefined : Function.prototype.toString.call(fn);
      hit = text === undefined ? false : byText.get(text);
      if (hit === undefined) byText.set(text!, (hit = texts.some((t) => t.includes(text!))));
      byFunction.set(fn, hit);
    }
    if (hit) candidates.push([p, fn]);
  });
  if (candidates.length === 0) return out;
  const makers = code.versionsOfFunctions([...new Set(candidates.map(([, fn]) => fn))], versions);
  for (const [p, fn] of candidates) for (const v of makers.get(fn) ?? []) out.get(v)!.push(p);
  return out;
}
