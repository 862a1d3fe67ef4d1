import { speakingSys } from '../gen/sys-handler.js';
import type { ProcessImpl } from '../process.js';
import type { ModuleVersion } from './module.js';
import type { PurgeView } from './purge-view.js';

/** A supervisor whose child spec starts with code of a version about to be purged: the supervisor and the child's id. */
export interface HeldStart {
  proc: ProcessImpl;
  /** The supervisor as a sentence names it: its registered name, else its pid. */
  supervisor: string;
  child: string;
}

// The parts of a supervisor's state (supervisor/state.ts's SupState) read here, as data: code/ does not import the supervisor.
interface SpecShape {
  id?: unknown;
  start?: unknown;
}
interface SupShape {
  module?: { init?: unknown };
  children?: Array<{ spec?: SpecShape }>;
  template?: SpecShape | null;
}

/**
 * Internal: for each of `versions`, the supervisors whose child specs start with a function of it no current export
 * stands for (a closure its code made, handed to an exported supervisor through its args; an export the current version
 * dropped): once it is purged their next restart of that child is refused (supervisor/children.ts) and the tree goes
 * down long after. OTP's soft purge refuses while a process holds a fun of the old code (check_old_processes), and a
 * release install checks before its point of no return. A supervisor whose own init that version made (one made
 * inline, which runs that code itself and is left alive by a purge) is not counted.
 */
export function heldStarts(code: PurgeView, versions: readonly ModuleVersion[]): Map<ModuleVersion, HeldStart[]> {
  const out = new Map<ModuleVersion, HeldStart[]>(versions.map((v) => [v, []]));
  if (versions.length === 0) return out;
  const found: Array<{ proc: ProcessImpl; init: unknown; specs: SpecShape[] }> = [];
  const fns = new Set<object>();
  code.node.eachProcess((p) => {
    if (p.dead || p.label?.behaviour !== 'supervisor') return;
    const state = stateOf(p);
    if (state === undefined) return;
    const specs = [...(state.children ?? []).map((c) => c.spec ?? {}), ...(state.template ? [state.template] : [])];
    const init = state.module?.init;
    for (const s of specs) if (typeof s.start === 'function' && !(code.isModuleExport(s.start) && code.latest(s.start) !== s.start)) fns.add(s.start);
    if (typeof init === 'function') fns.add(init);
    found.push({ proc: p, init, specs });
  });
  if (fns.size === 0) return out;
  const versionOf = code.versionsOfFunctions([...fns], versions);
  for (const { proc, init, specs } of found) {
    const own = typeof init === 'function' ? (versionOf.get(init) ?? []) : [];
    for (const s of specs) {
      const made = typeof s.start === 'function' && fns.has(s.start) ? (versionOf.get(s.start) ?? []) : [];
      for (const v of made) if (!own.includes(v)) out.get(v)!.push({ proc, supervisor: proc.name ?? String(proc.pid), child: String(s.id) });
    }
  }
  return out;
}

/**
 * Internal: the one sentence a purge (or a release install's check) refusing over `held` says: the supervisor, the child
 * and the fix. `of` names the version as its caller knows it (a release install: the release versions it came from).
 */
export function heldStartsLine(version: ModuleVersion, held: readonly HeldStart[], what: string, of = `${version.module} (version ${version.vsn})`): string {
  const first = held[0]!;
  const more = held.length > 1 ? ` (and ${held.length - 1} more child spec${held.length > 2 ? 's' : ''}: ${held.slice(1).map((h) => `'${h.child}' of ${h.supervisor}`).join(', ')})` : '';
  return `${what}: supervisor ${first.supervisor} starts child '${first.child}' with a closure of ${of}${more}, which a restart could not run once that version is purged, so the tree would go down at the child's next crash: make the child's start an exported function (start: worker.start), which a restart runs in its current version, or replace the child (terminateChild and deleteChild, then startChild with a new spec), then try again`;
}

// A supervisor's state, read in place (undefined while it cannot tell it).
function stateOf(p: ProcessImpl): SupShape | undefined {
  try {
    const state = speakingSys(p)?.getState();
    return state !== null && typeof state === 'object' ? (state as SupShape) : undefined;
  } catch {
    return undefined;
  }
}
