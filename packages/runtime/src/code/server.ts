import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { setImmediate } from 'node:timers';
import type { OtpNode } from '../node.js';
import type { ProcessImpl } from '../process.js';
import { evaluateModule, isRemovedExport, recordingBuiltin, nextCallbacks, sourceHash, LoadedModule, ModuleVersion, type ModuleLinks, type ModuleSource } from './module.js';
import { registerSourceMap, scriptName } from './source-maps.js';
import { runtimeApi } from './runtime-api.js';
import { resolveImport } from './resolve.js';
import type { CodeHooks } from '../node-hooks.js';
import { StateCopier, Unprotectable } from '../state-copy.js';
import { stateUsers } from './state-funs.js';
import { ScriptIds } from './script-ids.js';
import { heldByInstall, movingModule } from './serial.js';
import { spawnedRunning } from './spawned.js';
import type { Census, EachProcess, ExportOrigin, PurgeView } from './purge-view.js';
import { callbackModulesOf } from '../gen/sys-handler.js';
import { PurgedHandlers } from '../gen/messages.js';
import { heldStarts, heldStartsLine } from './held-starts.js';

/** Why the code server refused: the module, and a sentence saying what to do. */
export class CodeError extends Error {
  constructor(
    readonly code: 'notLoaded' | 'evaluation' | 'oldCodeRunning' | 'unknownModule' | 'external' | 'upgrading',
    readonly module: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CodeError';
  }
}

/** Options of a node's code server. */
export interface CodeServerOptions {
  /** Maps an import specifier seen in `from` to the name of an application module (default: relative paths, resolved like files). */
  resolveName?: (specifier: string, from: string) => string | undefined;
  /** Modules handed over instead of imported (e.g. the runtime itself, so loaded code shares it). */
  preloaded?: Record<string, unknown>;
}

/** The export name of a module's whole export table (a namespace, `import * as m`) in an origin: not an export of it. */
export const NAMESPACE = '*';

/** Where a value exported by a loaded module comes from. */
interface Origin {
  module: LoadedModule;
  version: ModuleVersion;
  exportName: string;
}

/**
 * A node's code server (Erlang's code module): modules by name, each with a current and an old version
 * behind one export table that importers hold. Loading re-points the table (importers' next call runs
 * the new code), while code already running keeps its own closures (Erlang's local calls). Longer than the
 * ~250 lines a class should take, on purpose: every method of Erlang's code module it offers (load, purge,
 * versions, the hooks the node and the tracer call) reads or changes the one table of modules and their
 * export tables; evaluating a module's source lives beside it (module.ts), upgrades above it (upgrade.ts).
 */
export class CodeServer implements CodeHooks, PurgeView {
  private readonly modules = new Map<string, LoadedModule>();
  /** Export table → its module: what a module body's `import * as` and `export * from` are handed. */
  private readonly tables = new WeakMap<object, LoadedModule>();
  private readonly origins = new WeakMap<object, Origin>();
  /** Modules handed over by specifier, whoever imports them: the runtime, preloaded ones, Node.js built-ins. */
  private readonly externals = new Map<string, unknown>();
  /** Packages from node_modules by the folder they are resolved from and specifier: each application version sees its own. */
  private readonly packages = new Map<string, unknown>();
  private readonly loading = new Set<string>();
  /** Each version's compiled body, and where V8 says functions come from: callbacks made at run time are known by their script. */
  private readonly bodies = new WeakMap<ModuleVersion, object>();
  /** Each version's stopTimers (module.ts): what clears its top level's timers when it is never installed. */
  private readonly topTimers = new WeakMap<ModuleVersion, () => void>();
  /** The processes each version's top level spawned: killed when it is never installed (or a release install rolls back). */
  private readonly topSpawned = new WeakMap<ModuleVersion, ProcessImpl[]>();
  private readonly scripts = new ScriptIds();
  /** The scripts of purged versions (module and version label; never the version itself, whose memory a purge frees). */
  private readonly purgedScripts = new Map<string, string>();
  private readonly purgedIds = new WeakMap<ModuleVersion, string>();
  /** Purged versions whose script id is not looked up yet: an upgrade's window makes no inspector call (notePurged). */
  private pendingPurged: ModuleVersion[] = [];
  /** Callback objects made at run time by a version a purge killed their process for: a behaviour started with them again is refused. */
  private readonly purgedCallbacks = new WeakMap<object, string>();
  /** Each version's code (source map line aside) and the folder its packages resolve from: what `sameCode` compares. */
  private readonly codes = new WeakMap<ModuleVersion, { hash: string; from: string; labelled: boolean }>();
  /** Callback objects made at run time a start looked at: the purged version that made them, or null for none. */
  private checkedMade = new WeakMap<object, string | null>();
  /** Told when a module's export table was re-pointed (the trace agent re-wraps traced functions). */
  private repointed: ((module: string) => void) | null = null;

  constructor(
    readonly node: OtpNode,
    private readonly options: CodeServerOptions = {},
  ) {
    // Loaded code that imports the runtime shares this node's runtime, never a second copy of it.
    this.externals.set('@otp-ts/runtime', runtimeApi());
    node.code = this;
    for (const [k, v] of Object.entries(options.preloaded ?? {})) this.externals.set(k, v);
  }

  /**
   * Imports the packages a module needs from node_modules (they are not hot-swappable), as an ES module's
   * import finds them from the module's file: a release's application version finds its own in lib/<app>-<vsn>/node_modules/.
   */
  async prepare(source: ModuleSource): Promise<void> {
    for (const spec of requiredSpecifiers(source.code)) {
      if (this.isAppModule(spec, source.name) || this.externals.has(spec) || this.packages.has(packageKey(source, spec))) continue;
      try {
        if (isBuiltin(spec)) {
          this.externals.set(spec, recordingBuiltin(spec, await import(spec)));
          continue;
        }
        // As an ES module's import finds it (resolve.ts), from the module's own file.
        this.packages.set(packageKey(source, spec), await import(resolveImport(spec, source.resolveFrom ?? source.filename ?? `${process.cwd()}/`)));
      } catch (error) {
        throw new CodeError('external', source.name, `module ${source.name} imports '${spec}', which cannot be loaded: ${firstLine(error)} (install it, or check the import)`, { cause: error });
      }
    }
  }

  /** Evaluates a module without installing it: the version an upgrade would load. */
  async evaluate(source: ModuleSource): Promise<ModuleVersion> {
    await this.prepare(source);
    return this.evaluatePrepared(source);
  }

  /** Internal: `evaluate` once `prepare` ran, in the caller's turn (an upgrade evaluates its modules together: batch.ts). */
  evaluatePrepared(source: ModuleSource): ModuleVersion {
    const vsn = source.vsn ?? sourceHash(source.code);
    // Each version of a file gets a script name (and source map) of its own; those the module still holds keep theirs.
    const script = source.filename ? scriptName(source.filename, vsn) : undefined;
    const held = this.modules.get(source.name);
    if (source.filename && script) registerSourceMap(script, source.code, source.filename, [held?.current?.filename, held?.old?.filename].filter((f) => f !== undefined));
    const links: ModuleLinks = { imports: [], stars: [] };
    let evaluated: ReturnType<typeof evaluateModule>;
    // Every process spawned from here until the top level returns is its own: no other code runs in between.
    const mark = this.node.pidMark;
    try {
      evaluated = evaluateModule({ ...source, ...(script ? { script } : {}) }, {
        require: (spec) => this.require(spec, source, links),
        isTable: (value) => typeof value === 'object' && value !== null && this.tables.has(value),
        reExported: (table) => links.stars.push(this.tables.get(table as object)!.name),
      });
    } catch (error) {
      // A version that never loads leaves nothing running: its timers are cleared (module.ts), its processes killed.
      for (const p of this.spawnedSince(mark)) this.node.exit(p.pid, 'kill');
      throw new CodeError('evaluation', source.name, `module ${source.name} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    const version = new ModuleVersion(source.name, vsn, evaluated.read(), script ?? source.name, links, evaluated.read);
    this.bodies.set(version, evaluated.body);
    this.codes.set(version, { ...codeKey(source), labelled: source.vsn !== undefined });
    this.topTimers.set(version, evaluated.stopTimers);
    const spawned = this.spawnedSince(mark);
    if (spawned.length > 0) this.topSpawned.set(version, spawned);
    return version;
  }

  // The live processes spawned since `mark` (node.pidMark): none, without a look at each process, when no pid was taken.
  private spawnedSince(mark: { serial: number; id: number }): ProcessImpl[] {
    const now = this.node.pidMark;
    if (now.serial === mark.serial && now.id === mark.id) return [];
    const out: ProcessImpl[] = [];
    this.node.eachProcess((p) => {
      if (p.pid.serial > mark.serial || (p.pid.serial === mark.serial && p.pid.id >= mark.id)) out.push(p);
    });
    return out;
  }

  /**
   * Internal: clears the timers the top levels of `versions` started, each that is neither current nor old: versions an
   * upgrade evaluated and then did not install (it failed, or was rolled back), whose timers nothing could purge.
   */
  discard(versions: readonly ModuleVersion[]): void {
    for (const v of versions) {
      const mod = this.modules.get(v.module);
      if (mod?.current !== v && mod?.old !== v) this.stopTopLevel(v);
    }
  }

  /**
   * Internal: after a release install rolled back, what the top levels of the versions it had installed started and
   * that still runs: their timers are cleared and the processes they (or closures of their code) spawned killed, each
   * version that is no longer current. Rolled back is the old state, not the old state plus the new version's timers.
   */
  rolledBack(versions: readonly ModuleVersion[]): void {
    const gone = versions.filter((v) => this.modules.get(v.module)?.current !== v);
    for (const v of gone) this.stopTopLevel(v);
    // So are the processes their code spawned with its closures since (a worker a migrated server started in the probe window).
    for (const procs of spawnedRunning(this, gone, this.everyProcess).values()) for (const p of procs) if (!p.dead) this.node.exit(p.pid, 'kill');
  }

  // Clears a version's top-level timers and kills the processes its top level spawned (a version never installed, or rolled back).
  private stopTopLevel(v: ModuleVersion): void {
    this.topTimers.get(v)?.();
    for (const p of this.topSpawned.get(v) ?? []) if (!p.dead) this.node.exit(p.pid, 'kill');
    this.topSpawned.delete(v);
  }

  /**
   * Loads a module: its new version becomes current, the current one old; an older old version is purged first.
   * Throws `CodeError` upgrading while an upgrade changes the module (its install would purge the version the upgrade
   * moves processes off, and waiting could deadlock: the upgrade may be waiting for the very callback that loads).
   */
  async load(source: ModuleSource): Promise<ModuleVersion> {
    const version = await this.evaluate(source);
    // An upgrade under way of other modules is no reason to wait (OTP's code server loads while the release handler
    // works): the caller may be a process that upgrade is waiting to suspend, which would then wait for its timeout.
    if (movingModule(this, source.name)) {
      throw new CodeError('upgrading', source.name, `cannot load ${source.name}: an upgrade of ${source.name} is under way and still moving its processes, whose version the load would purge (and a load from one of those processes' callbacks would wait on the upgrade that waits on it): wait for the upgrade to finish (await its promise), then load again`);
    }
    if (heldByInstall(this, source.name)) throw new CodeError('upgrading', source.name, installHeld(source.name, 'load'));
    this.install(version);
    return version;
  }

  /**
   * Loads several modules that may import each other, circularly included (an application at boot):
   * each is evaluated after those it imports where possible; a cycle is cut by handing the importer the
   * other module's export table, filled when that module is loaded. A failure names the module.
   */
  async loadAll(sources: ModuleSource[]): Promise<ModuleVersion[]> {
    for (const s of sources) {
      this.entry(s.name);
      if (!this.modules.get(s.name)!.current) this.loading.add(s.name);
    }
    try {
      const out: ModuleVersion[] = [];
      for (const s of sources) {
        out.push(await this.load(s));
        this.loading.delete(s.name);
      }
      return out;
    } finally {
      for (const s of sources) this.loading.delete(s.name);
    }
  }

  /**
   * Makes an evaluated version current (purging the old one, killing processes still running it). `running`:
   * those processes, when the caller found them already (an upgrade, in the turn that installs).
   */
  install(version: ModuleVersion, running?: readonly ProcessImpl[], each?: EachProcess): ProcessImpl[] {
    const mod = this.entry(version.module);
    let killed: ProcessImpl[] = [];
    if (mod.old && running !== undefined) {
      killed = this.endRunning(mod.old, running, each);
      this.topTimers.get(mod.old)?.();
      this.dropOld(mod);
    } else if (mod.old) killed = this.purgeKilling(mod.name);
    mod.old = mod.current;
    mod.current = version;
    this.tag(mod, version);
    this.repoint(mod);
    return killed;
  }

  /**
   * Internal: ends what runs a version being purged (`running`: processesRunning's), as Erlang's purge: each process
   * is killed, except a gen_event manager, which only loses the handlers of that version (exported or made by it) and
   * lives, as an OTP manager calling a handler whose module is gone loses that handler; so does a manager running an
   * exported handler of it found nowhere else (a deleted module's). Returns the processes killed (alive until then).
   * `each`: the processes to look for managers among (an upgrade's census), every process by default.
   */
  endRunning(version: ModuleVersion, running: readonly ProcessImpl[], each: EachProcess = this.everyProcess): ProcessImpl[] {
    const killed: ProcessImpl[] = [];
    const reason = new Error(`the code of ${this.describe(version)} this handler ran was purged`);
    for (const p of running) {
      if (p.dead) continue;
      if (p.label?.behaviour === 'gen_event' && callbackModulesOf(p) !== undefined) this.dropHandlers(p, version, reason);
      else {
        for (const made of this.madeCallbacksOf(p)) this.purgedCallbacks.set(made, this.describe(version));
        this.node.exit(p.pid, 'kill');
        killed.push(p);
      }
    }
    const ran = new Set(running);
    // A manager hosts its handlers, so a census lists it among its few unexported ones: no pass over every process.
    eachUnexported(each, (p) => {
      if (p.label?.behaviour === 'gen_event' && !ran.has(p)) this.dropHandlers(p, version, reason);
    });
    return killed;
  }

  // Tells a gen_event manager to remove the handlers it runs of `version` (exported by it or made by its code), if any.
  private dropHandlers(p: ProcessImpl, version: ModuleVersion, reason: Error): void {
    const handlers = (callbackModulesOf(p) ?? []).filter((h) => this.exportOrigin(h)?.version === version || (this.exportOrigin(h) === undefined && this.makersOf(h, [version]).length > 0));
    if (handlers.length === 0) return;
    for (const h of handlers) if (this.exportOrigin(h) === undefined) this.purgedCallbacks.set(h, this.describe(version));
    this.node.send(p.pid, new PurgedHandlers(handlers, reason));
  }

  /**
   * Internal: runs `fn` (synchronous) with the modules `names` that have no current version handed to importers as
   * their export tables, as loadAll hands a batch's members: an upgrade evaluates the modules it adds with those it changes.
   */
  whilePending<T>(names: readonly string[], fn: () => T): T {
    const opened = names.filter((n) => !this.modules.get(n)?.current && !this.loading.has(n));
    for (const n of opened) {
      this.entry(n);
      this.loading.add(n);
    }
    try {
      return fn();
    } finally {
      for (const n of opened) this.loading.delete(n);
    }
  }

  /** Internal: a module's export table, loaded or not (an upgrade's batch points it at a version it evaluates). */
  tableOf(name: string): Record<string, unknown> {
    return this.entry(name).table;
  }

  /** Puts back a module's previous current and old versions (an upgrade's rollback). */
  restore(name: string, current: ModuleVersion | null, old: ModuleVersion | null): void {
    this.notePurged();
    for (const v of [current, old]) {
      const id = v === null ? undefined : this.purgedIds.get(v);
      if (id !== undefined && this.purgedScripts.delete(id)) this.checkedMade = new WeakMap();
    }
    const mod = this.entry(name);
    mod.current = current;
    mod.old = old;
    this.repoint(mod);
  }

  /** The export table of a loaded module: what `require` hands importers. */
  exportsOf(name: string): Record<string, unknown> {
    const mod = this.modules.get(name);
    if (!mod?.current) throw new CodeError('notLoaded', name, `module ${name} is not loaded: load it first (code.load)`);
    return mod.table;
  }

  /** The current and old version labels of a module. */
  versions(name: string): { current: string | undefined; old: string | undefined } {
    const mod = this.modules.get(name);
    return { current: mod?.current?.vsn, old: mod?.old?.vsn };
  }

  /**
   * Whether the module's current version was evaluated from this very code (its source map line aside), binding the same
   * packages (it requires none from node_modules, or resolves them from the same folder): a release install leaves such
   * a module alone, as OTP's relup names only the modules whose code changed.
   */
  sameCode(source: ModuleSource): boolean {
    const current = this.modules.get(source.name)?.current;
    const held = current ? this.codes.get(current) : undefined;
    if (held === undefined) return false;
    const next = codeKey(source);
    if (held.hash !== next.hash) return false;
    if (held.from === next.from) return true;
    return requiredSpecifiers(source.code).every((spec) => this.isAppModule(spec, source.name) || this.externals.has(spec) || isBuiltin(spec));
  }

  /**
   * A version as a person knows it, for messages: its label when one was given (`fx/srv (version 1-fix)`), else the file
   * it was loaded from and when (`fx/srv (loaded from lib/fx-1/src/srv.js at 2026-05-01 10:02:03 UTC)`), never its hash.
   */
  describe(v: ModuleVersion): string {
    if (this.codes.get(v)?.labelled !== false) return `${v.module} (version ${v.vsn})`;
    const file = v.filename.replace(/\?v=[^?]*$/, '');
    const at = `${new Date(v.loadedAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
    return `${v.module} (${file === v.module ? 'loaded from code given without a file' : `loaded from ${file}`} at ${at})`;
  }

  /** The module's current and old versions themselves (for upgrades). */
  record(name: string): { current: ModuleVersion | null; old: ModuleVersion | null } {
    const mod = this.modules.get(name);
    return { current: mod?.current ?? null, old: mod?.old ?? null };
  }

  /** Every loaded module name. */
  loaded(): string[] {
    return [...this.modules.values()].filter((m) => m.current).map((m) => m.name);
  }

  /** Where an exported function or object comes from: module, version and export name (an instance of an exported class: that class's). */
  originOf(value: unknown): { module: string; vsn: string; exportName: string } | undefined {
    const o = this.exportOrigin(value);
    return o && { module: o.version.module, vsn: o.version.vsn, exportName: o.exportName };
  }

  /**
   * Internal: the version and export name of a value a loaded module exports, without allocating (an upgrade asks
   * once a process). Callbacks made with `new Counter()` count as the exported class `Counter`: the process runs its module.
   */
  exportOrigin(value: unknown): ExportOrigin | undefined {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
    return this.origins.get(value) ?? (typeof value === 'object' ? (this.tableOrigin(value) ?? this.classOrigin(value)) : undefined);
  }

  // A module's export table (what `import * as m` gives): the module's current version, as a whole (NAMESPACE).
  private tableOrigin(value: object): Origin | undefined {
    const mod = this.tables.get(value);
    return mod?.current ? { module: mod, version: mod.current, exportName: NAMESPACE } : undefined;
  }

  /** A copy of `value` as an upgrade gives codeChange (module exports, pids and resources shared), or `value` itself when it cannot be copied. */
  copyForCodeChange(value: unknown): unknown {
    try {
      return new StateCopier((v) => this.isModuleExport(v)).copy(value, 'state');
    } catch (error) {
      if (error instanceof Unprotectable) return value;
      throw error;
    }
  }

  /** Whether a function is an export of a loaded module (of any version): a process spawned with it keeps it. */
  isModuleExport(fn: unknown): boolean {
    return this.origins.has(fn as object);
  }

  /**
   * The current version's export of the same name when `value` is an export of a loaded module (of any
   * version), else `value`: calling through it is OTP's external call `M:F(...)`, which always runs the
   * newest code, where holding a function keeps the version it came from.
   */
  latest<T>(value: T): T {
    const o = this.origins.get(value as object);
    if (!o || !o.module.current || o.version === o.module.current) return value;
    const table = o.module.table as Record<string, unknown>;
    return Object.hasOwn(table, o.exportName) ? (table[o.exportName] as T) : value;
  }

  // Drops a module's old version (a purge), keeping its script's id: a closure of it still held (a child spec's start) is
  // then known as purged code. The id is read through the inspector (50–300 µs) after the turn that purged, outside an
  // upgrade's suspension, or sooner when a start asks (purgedMaker); until then the version waits in pendingPurged.
  private dropOld(mod: LoadedModule): void {
    const old = mod.old;
    mod.old = null;
    if (old === null || !this.bodies.has(old)) return;
    if (this.pendingPurged.push(old) === 1) setImmediate(() => this.notePurged()).unref();
  }

  // Looks up the script ids of the versions purged since the last look.
  private notePurged(): void {
    const versions = this.pendingPurged;
    if (versions.length === 0) return;
    this.pendingPurged = [];
    const ids = this.scripts.of(versions.map((v) => this.bodies.get(v)!));
    versions.forEach((old, i) => {
      const id = ids[i];
      if (id === undefined) return;
      this.purgedScripts.set(id, this.describe(old));
      this.purgedIds.set(old, id);
    });
    this.checkedMade = new WeakMap();
  }

  /**
   * Internal: `module (version vsn)` when `fn` is code of a version no longer loaded (purged): an export of it with no
   * current export standing for it, or a closure its code made; else undefined. A supervisor asks before it starts a
   * child, as OTP's restart can only reach loaded code.
   */
  purgedMaker(fn: unknown): string | undefined {
    if (typeof fn !== 'function') return undefined;
    const o = this.origins.get(fn);
    if (o !== undefined) return o.version === o.module.current || o.version === o.module.old ? undefined : this.describe(o.version);
    this.notePurged();
    if (this.purgedScripts.size === 0) return undefined;
    const [id] = this.scripts.of([fn]);
    return id === undefined ? undefined : this.purgedScripts.get(id);
  }

  // The purged version whose code made a callback object's functions (its own, its class's), once per object.
  private madeByPurged(callbacks: object): string | undefined {
    // A purge since (noted here) or a version revived clears what was found (notePurged, restore).
    this.notePurged();
    const seen = this.checkedMade.get(callbacks);
    if (seen !== undefined) return seen === null ? undefined : seen;
    let out: string | undefined;
    // A plain object's own data properties (a factory's literal) are read without a descriptor each: a start pays ~0.5 µs.
    const fns = Object.getPrototypeOf(callbacks) === Object.prototype ? ownFunctions(callbacks) : functionsOf(callbacks);
    for (const id of this.scripts.of(fns)) if (id !== undefined && (out = this.purgedScripts.get(id)) !== undefined) break;
    this.checkedMade.set(callbacks, out ?? null);
    return out;
  }

  /**
   * The callbacks a behaviour starting now runs (OTP's gen_server:start(Mod) calls the current Mod:init): when
   * `callbacks` are an export of a version a load has since replaced, or an instance of its class, the current
   * version's export of that name (an instance moves to the current class, as an upgrade moves it); else `callbacks`.
   * A start in flight while an upgrade swaps the code, or one the old code makes with its own binding, so never runs
   * the replaced version.
   */
  currentCallbacks<T>(callbacks: T): T {
    if (callbacks === null || typeof callbacks !== 'object') return callbacks;
    const purged = this.purgedCallbacks.get(callbacks);
    if (purged !== undefined) {
      throw new Error(`these callbacks were made at run time by ${purged}, whose code was purged, so they cannot start again: export the callback object (or its class), which a start runs in its current version, or make the callbacks inside the child's start`);
    }
    const o = this.origins.get(callbacks) ?? this.classOrigin(callbacks);
    if (!o) {
      // Made at run time (a factory's object, an instance of a class no module exports): refused when a purged version
      // made it, which only a purge can have happened for, and only when V8 tells a function's script at no cost.
      const made = this.purgedScripts.size + this.pendingPurged.length > 0 && this.scripts.cheap ? this.madeByPurged(callbacks) : undefined;
      if (made !== undefined) throw new Error(`these callbacks were made at run time by ${made}, whose code was purged, so they cannot start: export the callback object (or its class), which a start runs in its current version, or make the callbacks again from the current version`);
      return callbacks;
    }
    if (!o.module.current || o.version === o.module.current) return callbacks;
    const table = o.module.table as Record<string, unknown>;
    if (!Object.hasOwn(table, o.exportName)) return callbacks;
    try {
      return nextCallbacks(table[o.exportName], callbacks) as T;
    } catch {
      // A class whose instance cannot be made without its constructor's arguments: it starts as given, stranded as an upgrade leaves it.
      return callbacks;
    }
  }

  /** The processes running code of a version: spawned with one of its functions, or running one of its callback modules. */
  processesRunning(version: ModuleVersion): ProcessImpl[] {
    return this.processesRunningAny([version]).get(version)!;
  }

  /** Internal: `processesRunning` of several versions at once, in one pass over the node's processes (or `each`: a census). */
  processesRunningAny(versions: readonly ModuleVersion[], each: EachProcess = this.everyProcess): Map<ModuleVersion, ProcessImpl[]> {
    const out = new Map<ModuleVersion, ProcessImpl[]>(versions.map((v) => [v, []]));
    if (versions.length === 0) return out;
    const seen = new Map<ModuleVersion, Set<ProcessImpl>>(versions.map((v) => [v, new Set()]));
    // One pass with no array of every process made (a node may run a million).
    each((p, origin) => {
      // A process that names its callback module (a behaviour, a sys.special process) runs that module's
      // version, which an upgrade moves on: the function it was spawned with no longer counts.
      const callbacks = origin !== undefined ? (origin ?? undefined) : p.label?.callbacks ? this.exportOrigin(p.label.callbacks) : undefined;
      const running = callbacks ?? (typeof p.entry === 'string' ? undefined : this.origins.get(p.entry));
      if (running !== undefined && seen.has(running.version)) {
        seen.get(running.version)!.add(p);
        out.get(running.version)!.push(p);
      }
    });
    for (const [v, made] of this.madeRunning(versions, each)) for (const p of made) if (!seen.get(v)!.has(p)) out.get(v)!.push(p);
    return out;
  }

  /**
   * Internal: for each of `versions`, the processes running callback objects its code made at run time (a factory's
   * `{ init, handleCall }`, an instance of a class it does not export): those with a function its script defined. The
   * functions of every process are looked up in one inspector pass, each function once for the code server's life.
   */
  madeRunning(versions: readonly ModuleVersion[], each: EachProcess = this.everyProcess): Map<ModuleVersion, ProcessImpl[]> {
    const out = new Map<ModuleVersion, ProcessImpl[]>(versions.map((v) => [v, []]));
    const withBody = versions.filter((v) => this.bodies.has(v));
    if (withBody.length === 0) return out;
    const made: Array<[ProcessImpl, object[]]> = [];
    const objects: object[][] = [];
    eachUnexported(each, (p) => {
      const callbacks = this.madeCallbacksOf(p);
      if (callbacks.length === 0) return;
      const own = callbacks.map(functionsOf);
      made.push([p, own.flat()]);
      objects.push(...own);
    });
    if (made.length === 0) return out;
    const byScript = new Map<string, ModuleVersion[]>();
    this.scripts.of(withBody.map((v) => this.bodies.get(v)!)).forEach((id, i) => {
      if (id !== undefined) byScript.set(id, [...(byScript.get(id) ?? []), withBody[i]!]);
    });
    const fns = functionsToLookUp(objects);
    const ids = this.scripts.of(fns);
    const scriptOf = new Map(fns.map((f, i) => [f, ids[i]]));
    for (const [p, own] of made) {
      const makers = new Set<ModuleVersion>();
      for (const f of own) if (scriptOf.has(f)) for (const v of byScript.get(scriptOf.get(f)!) ?? []) makers.add(v);
      for (const v of makers) out.get(v)!.push(p);
    }
    return out;
  }

  /** Internal: the source text of a version's compiled body (every function its code makes is a slice of it), if known. */
  sourceOf(version: ModuleVersion): string | undefined {
    const body = this.bodies.get(version);
    return body === undefined ? undefined : Function.prototype.toString.call(body);
  }

  /** Internal: whether `value` is a module's export table (what `import * as m` gives). */
  isExportTable(value: object): boolean {
    return this.tables.has(value);
  }

  /**
   * Internal: for each of `fns`, the versions among `versions` whose code it is: the version exporting it, else the
   * versions whose script defined it (one inspector pass for those not looked up before).
   */
  versionsOfFunctions(fns: readonly object[], versions: readonly ModuleVersion[]): Map<object, ModuleVersion[]> {
    const out = new Map<object, ModuleVersion[]>();
    const unexported: object[] = [];
    for (const f of fns) {
      const o = this.origins.get(f);
      if (o === undefined) unexported.push(f);
      else if (versions.includes(o.version)) out.set(f, [o.version]);
    }
    const withBody = versions.filter((v) => this.bodies.has(v));
    if (unexported.length === 0 || withBody.length === 0) return out;
    const byScript = new Map<string, ModuleVersion[]>();
    this.scripts.of(withBody.map((v) => this.bodies.get(v)!)).forEach((id, i) => {
      if (id !== undefined) byScript.set(id, [...(byScript.get(id) ?? []), withBody[i]!]);
    });
    this.scripts.of(unexported).forEach((id, i) => {
      const made = id === undefined ? undefined : byScript.get(id);
      if (made !== undefined) out.set(unexported[i]!, made);
    });
    return out;
  }

  /** Internal: the versions among `versions` whose script defined one of the functions of a callback object no module exports. */
  makersOf(callbacks: object, versions: readonly ModuleVersion[]): ModuleVersion[] {
    const fns = functionsOf(callbacks);
    const withBody = versions.filter((v) => this.bodies.has(v));
    if (fns.length === 0 || withBody.length === 0) return [];
    const scripts = this.scripts.of(withBody.map((v) => this.bodies.get(v)!));
    const mine = new Set(this.scripts.of(fns));
    return withBody.filter((_, i) => scripts[i] !== undefined && mine.has(scripts[i]));
  }

  /**
   * Internal: the processes that may run a module's code, found in one pass over the node: those with a label (a
   * behaviour names its callbacks in it) and those spawned with a loaded module's function. An upgrade's scans go over
   * these rather than over every process: on a node of 100k processes each whole pass cost more than the upgrade of
   * 1,000 servers (bench/code's upgrade beside idle processes). Good until a process is spawned or labelled after it.
   * The same pass looks up what each process runs, once: the upgrade's passes read it rather than ask each again, and
   * those looking for callbacks made at run time go over the few processes that may run any (`unexported`).
   */
  census(): Census {
    const found: ProcessImpl[] = [];
    // Per process found, as the upgrade's passes would each look them up again: the export its callbacks are (null:
    // none) and the callback modules it hosts (a gen_event manager's handlers; null: none).
    const origins: Array<ExportOrigin | null> = [];
    const hosted: Array<readonly object[] | null> = [];
    const unexported: ProcessImpl[] = [];
    // Apart: those spawned with a closure and running no callback module, which only a purge looks at (spawned.ts).
    const spawned: ProcessImpl[] = [];
    this.node.eachProcess((p) => {
      const label = p.label;
      if (label !== null) {
        const own = label.callbacks;
        const origin = own ? (this.exportOrigin(own) ?? null) : null;
        const hosts = callbackModulesOf(p) ?? null;
        found.push(p);
        origins.push(origin);
        hosted.push(hosts);
        if ((origin === null && typeof own === 'object' && own !== null) || hosts !== null) unexported.push(p);
      } else if (typeof p.entry !== 'string') {
        if (!this.origins.has(p.entry)) spawned.push(p);
        else {
          found.push(p);
          origins.push(null);
          hosted.push(null);
        }
      }
    });
    const each: EachProcess = (fn) => {
      for (let i = 0; i < found.length; i++) {
        const p = found[i]!;
        if (!p.dead) fn(p, origins[i]!, hosted[i]!);
      }
    };
    return Object.assign(each, { unexported, spawned: over(spawned) });
  }

  // Every live process of the node, as a census would give them.
  private readonly everyProcess: EachProcess = (fn) => this.node.eachProcess(fn);

  /**
   * Internal: the callback objects a process runs that no module exports (made at run time by a factory): its
   * behaviour's callbacks, and a gen_event manager's handlers. They count as the code that made them, as an OTP process
   * holding a module's funs runs that module; not a supervisor's, which (as OTP's) calls its module only to start and to
   * change code: killing it with the purge would take its whole tree down.
   */
  madeCallbacksOf(p: ProcessImpl): readonly object[] {
    // A process with no label (most of a big node's) runs no callback module: an upgrade asks this of every process.
    const label = p.label;
    if (label === null) return NONE;
    let out: object[] | undefined;
    const own = label.callbacks;
    if (typeof own === 'object' && own !== null && label.behaviour !== 'supervisor' && this.exportOrigin(own) === undefined) out = [own];
    const hosted = callbackModulesOf(p);
    if (hosted !== undefined) for (const h of hosted) if (typeof h === 'object' && h !== null && this.exportOrigin(h) === undefined && !(out?.includes(h) ?? false)) (out ??= []).push(h);
    return out ?? NONE;
  }

  /** Drops the old version unless a process still runs it or holds one of its functions in its state; returns whether it did. */
  softPurge(name: string): boolean {
    const mod = this.modules.get(name);
    if (!mod?.old) return true;
    if (this.processesRunning(mod.old).length > 0 || spawnedRunning(this, [mod.old], this.everyProcess).get(mod.old)!.length > 0) return false;
    if (stateUsers(this, [mod.old]).get(mod.old)!.length > 0) return false;
    if (heldStarts(this, [mod.old]).get(mod.old)!.length > 0) return false;
    this.dropOld(mod);
    return true;
  }

  /**
   * Drops the old version, killing the processes still running it or holding one of its functions in their state (as
   * Erlang's purge; a gen_event manager loses those handlers instead); returns how many it killed. Throws `CodeError`
   * upgrading while an upgrade changes the module, and oldCodeRunning (purging nothing) while a supervisor's child spec
   * starts with a closure of the old version, which a restart could not run once purged (as a soft purge refuses).
   */
  purge(name: string): number {
    this.refuseWhileMoving(name, 'purge');
    const old = this.modules.get(name)?.old;
    const held = old ? heldStarts(this, [old]).get(old)! : [];
    if (held.length > 0) throw new CodeError('oldCodeRunning', name, heldStartsLine(old!, held, `cannot purge ${name}`, this.describe(old!)));
    const holding = old ? stateUsers(this, [old]).get(old)! : [];
    const killed = new Set(this.purgeKilling(name));
    if (!old) return killed.size;
    const reason = new Error(`the code of ${this.describe(old)} whose functions this handler's state held was purged`);
    for (const { proc, handlers } of holding) {
      if (proc.dead || killed.has(proc)) continue;
      if (handlers !== null) this.node.send(proc.pid, new PurgedHandlers(handlers, reason));
      else {
        this.node.exit(proc.pid, 'kill');
        killed.add(proc);
      }
    }
    return killed.size;
  }

  // A purge or delete now would kill the processes an upgrade under way is moving off (or back to) these versions.
  private refuseWhileMoving(name: string, what: 'purge' | 'delete'): void {
    if (heldByInstall(this, name)) throw new CodeError('upgrading', name, installHeld(name, what));
    if (!movingModule(this, name)) return;
    throw new CodeError('upgrading', name, `cannot ${what} ${name}: an upgrade of ${name} is under way and still moving its processes (a codeChange running), which the ${what} would kill: wait for the upgrade to finish, then ${what} again`);
  }

  /** Internal: `purge`, giving the processes it killed (a gen_event manager loses the handlers of that code instead: endRunning). */
  purgeKilling(name: string): ProcessImpl[] {
    const mod = this.modules.get(name);
    if (!mod?.old) return [];
    const killed = this.endRunning(mod.old, [...this.processesRunning(mod.old), ...spawnedRunning(this, [mod.old], this.everyProcess).get(mod.old)!]);
    // The timers its top level started run its code too: a purge ends them with its processes.
    this.topTimers.get(mod.old)?.();
    this.dropOld(mod);
    return killed;
  }

  /** Makes the current version old (importers' calls fail until a new version loads); returns the processes purging the old one killed. Throws `CodeError` upgrading while an upgrade changes the module. */
  delete(name: string): ProcessImpl[] {
    this.refuseWhileMoving(name, 'delete');
    const mod = this.modules.get(name);
    if (!mod?.current) throw new CodeError('notLoaded', name, `module ${name} is not loaded`);
    const killed = mod.old ? this.purgeKilling(name) : [];
    mod.old = mod.current;
    mod.current = null;
    this.repoint(mod);
    return killed;
  }

  /** Sets the one listener told after a module's export table is re-pointed (call tracing keeps its wrappers across loads). */
  onRepoint(listener: ((module: string) => void) | null): void {
    this.repointed = listener;
  }

  /** Puts `to` wherever an export table holds `from` (a function other modules re-export): the tracer's wrapper stands in every table, and the function is back in each after. */
  swapExport(from: object, to: object): void {
    for (const mod of this.modules.values()) for (const key of Object.keys(mod.table)) if (mod.table[key] === from) mod.table[key] = to;
  }

  /** Records that `wrapper` stands for `original` (a traced function), so processesRunning still finds its version. */
  tagAlias(wrapper: object, original: object): void {
    const origin = this.origins.get(original);
    if (origin) this.origins.set(wrapper, origin);
  }

  // The origin of an object's class when that class is a module's export and the object its direct instance.
  private classOrigin(value: object): Origin | undefined {
    const proto: unknown = Object.getPrototypeOf(value);
    const ctor = proto !== null && typeof proto === 'object' ? (proto as { constructor?: unknown }).constructor : undefined;
    return typeof ctor === 'function' && ctor.prototype === proto ? this.origins.get(ctor) : undefined;
  }

  private entry(name: string): LoadedModule {
    let mod = this.modules.get(name);
    if (!mod) {
      this.modules.set(name, (mod = new LoadedModule(name)));
      this.tables.set(mod.table, mod);
    }
    return mod;
  }

  // Tags a version's own exports with where they come from; a value re-exported from another module keeps its origin.
  private tag(mod: LoadedModule, version: ModuleVersion): void {
    for (const [exportName, value] of Object.entries(version.exports)) {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function') || this.tables.has(value as object)) continue;
      const known = this.origins.get(value as object);
      if (!known || known.module === mod) this.origins.set(value as object, { module: mod, version, exportName });
    }
  }

  // What a module's table holds now: what it re-exports whole (`export * from`, never `default`), then its own
  // exports and named re-exports, read now so that each re-export is the current export of the module it names.
  private entriesOf(mod: LoadedModule): Record<string, unknown> | null {
    const version = mod.current;
    if (!version) return null;
    const out: Record<string, unknown> = {};
    for (const star of version.links.stars) {
      const table = this.modules.get(star)?.table ?? {};
      for (const key of Object.keys(table)) if (key !== 'default' && !(key in out)) out[key] = table[key];
    }
    for (const [key, value] of Object.entries(version.read())) {
      if (isRemovedExport(value)) delete out[key];
      else out[key] = value;
    }
    return out;
  }

  // Re-points a module's table, then those of the modules that import it and re-export what changed
  // (named or whole), transitively: an upgrade of a module reaches its re-exporters' importers too.
  private repoint(mod: LoadedModule): void {
    const pending = [mod];
    const seen = new Set<LoadedModule>();
    for (let next = pending.shift(); next; next = pending.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      const entries = this.entriesOf(next);
      if (next !== mod && entries && this.holds(next.table, entries)) continue;
      next.point(entries);
      this.repointed?.(next.name);
      for (const other of this.modules.values()) if (other.current?.links.imports.includes(next.name)) pending.push(other);
    }
  }

  // Whether a table already holds `entries` (a traced function's wrapper counts as the function it wraps).
  private holds(table: Record<string, unknown>, entries: Record<string, unknown>): boolean {
    const keys = Object.keys(table);
    if (keys.length !== Object.keys(entries).length) return false;
    for (const key of keys) {
      if (!(key in entries)) return false;
      const [a, b] = [table[key], entries[key]];
      if (a !== b && (typeof a !== 'function' || this.origins.get(a) === undefined || this.origins.get(a) !== this.origins.get(b as object))) return false;
    }
    return true;
  }

  private isAppModule(spec: string, from: string): boolean {
    return this.resolveName(spec, from) !== undefined;
  }

  private resolveName(spec: string, from: string): string | undefined {
    if (this.options.resolveName) return this.options.resolveName(spec, from);
    if (!spec.startsWith('.')) return undefined;
    const parts = from.split('/').slice(0, -1);
    for (const part of spec.replace(/\.(ts|js|mjs|cjs)$/, '').split('/')) {
      if (part === '..') parts.pop();
      else if (part !== '.') parts.push(part);
    }
    return parts.join('/');
  }

  private require(spec: string, source: ModuleSource, links?: ModuleLinks): unknown {
    const from = source.name;
    const name = this.resolveName(spec, from);
    if (name !== undefined) {
      if (links && !links.imports.includes(name)) links.imports.push(name);
      const mod = this.modules.get(name);
      // A module of the batch being loaded (loadAll) is handed over before it is evaluated: a circular
      // import resolves, since importers read its table's properties when they call, not when they load.
      if (mod && this.loading.has(name)) return mod.table;
      if (!mod?.current) throw new CodeError('unknownModule', from, `module ${from} imports ${spec} (${name}), which is not loaded: load its dependencies first`);
      return mod.table;
    }
    if (this.externals.has(spec)) return this.externals.get(spec);
    const key = packageKey(source, spec);
    if (!this.packages.has(key)) throw new CodeError('external', from, `module ${from} requires '${spec}', which was not prepared`);
    return this.packages.get(key);
  }
}

// The functions a callback object runs: its own, then its class's methods (up to Object.prototype), 32 at most.
function functionsOf(callbacks: object): object[] {
  const out: object[] = [];
  for (let o: object | null = callbacks; o !== null && o !== Object.prototype && out.length < 32; o = Object.getPrototypeOf(o) as object | null) {
    for (const d of Object.values(Object.getOwnPropertyDescriptors(o))) if (typeof d.value === 'function' && !out.includes(d.value as object)) out.push(d.value as object);
  }
  return out.slice(0, 32);
}

// The functions a plain object holds in its own data properties (a getter is not called), 32 at most.
function ownFunctions(o: object): object[] {
  const out: object[] = [];
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length && out.length < 32; i++) {
    const d = Object.getOwnPropertyDescriptor(o, keys[i]!);
    if (d !== undefined && typeof d.value === 'function') out.push(d.value as object);
  }
  return out;
}

// Pools of made callback objects larger than this look up one closure of each object's own (see functionsToLookUp).
const LOOK_UP_ALL = 64;
/**
 * Internal: calls `fn` with each process of `each` that may run callbacks no module exports (madeCallbacksOf): a
 * census's few such processes, else every one of the set.
 */
export function eachUnexported(each: EachProcess, fn: (p: ProcessImpl) => void): void {
  const listed = (each as Partial<Census>).unexported;
  if (listed === undefined) return each(fn);
  for (let i = 0; i < listed.length; i++) if (!listed[i]!.dead) fn(listed[i]!);
}

// Each live process of `procs`.
function over(procs: readonly ProcessImpl[]): EachProcess {
  return (fn) => {
    for (let i = 0; i < procs.length; i++) {
      const p = procs[i]!;
      if (!p.dead) fn(p);
    }
  };
}

// What madeCallbacksOf gives a process running no callbacks made at run time, shared rather than made per process.
const NONE: readonly object[] = Object.freeze([]);

/**
 * The functions of made callback objects (each object's functions) whose script must be looked up, one inspector call
 * each (about 50 µs). Every function of a few objects; in a pool, every function two objects share (a class's methods,
 * a spread library's) and one of each object's own closures: the closures a factory call made come from one object
 * literal, in its module version's script, so one of them tells the script of all (10k servers: 10k calls, not 40k).
 */
function functionsToLookUp(objects: readonly object[][]): object[] {
  if (objects.length <= LOOK_UP_ALL) return [...new Set(objects.flat())];
  const uses = new Map<object, number>();
  for (const o of objects) for (const f of o) uses.set(f, (uses.get(f) ?? 0) + 1);
  const out = new Set<object>();
  for (const o of objects) {
    let own = false;
    for (const f of o) {
      const shared = uses.get(f)! > 1;
      if (shared || !own) out.add(f);
      if (!shared) own = true;
    }
  }
  return [...out];
}

// A package is resolved from the folder of the module that imports it: one key per folder and specifier.
const packageKey = (source: ModuleSource, spec: string): string => {
  const from = source.resolveFrom ?? source.filename;
  return `${from ? dirname(from) : process.cwd()}\0${spec}`;
};

// A version's code as sameCode compares it: its hash without the source map line, and the folder its packages come from.
const codeKey = (source: ModuleSource): { hash: string; from: string } => {
  const from = source.resolveFrom ?? source.filename;
  return { hash: sourceHash(source.code.replace(/^\/\/# sourceMappingURL=.*$/gm, '').trimEnd()), from: from ? dirname(from) : process.cwd() };
};

// An error's message up to its first line break (require's adds its require stack on the next lines).
const firstLine = (error: unknown): string => String((error as Error)?.message ?? error).split('\n')[0]!;

// The specifiers a CommonJS module body requires (esbuild writes them as require("...")).
function requiredSpecifiers(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/\brequire\((["'])([^"']+)\1\)/g)) out.add(m[2]!);
  return [...out];
}

const servers = new WeakMap<OtpNode, CodeServer>();

/** The code server of a node, created on first use (with `options` then). */
export function codeServerOf(node: OtpNode, options?: CodeServerOptions): CodeServer {
  let server = servers.get(node);
  if (!server) servers.set(node, (server = new CodeServer(node, options)));
  return server;
}


/** Why a load, purge, delete or upgrade of a module a release install holds is refused: one sentence with the fix. */
export function installHeld(name: string, what: string): string {
  return `cannot ${what} ${name}: a release install changed it and is still watching the new version (its health probe), and a rollback brings back the version that ran before, which the ${what} would purge: wait for the install to become permanent or roll back, then ${what} again`;
}
