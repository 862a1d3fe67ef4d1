import { clearImmediate, clearInterval, clearTimeout } from 'node:timers';
import { compileFunction } from 'node:vm';
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { pathToFileURL } from 'node:url';

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
  /** The file its packages are resolved from, when not `filename`: a dev build's source (an umbrella app's own node_modules/). */
  resolveFrom?: string;
}

/** One loaded version of a module. */
export class ModuleVersion {
  /** When it was loaded (ms since the epoch). */
  readonly loadedAt = Date.now();
  constructor(
    readonly module: string,
    readonly vsn: string,
    /** The version's own exports as they were when it was evaluated (importers reach them through the module's export table). */
    readonly exports: Record<string, unknown>,
    /** The name V8 knows this version by in stacks and profiles: its file, or `file?v=<vsn>` for a later version of the same file. */
    readonly filename: string,
    /** The application modules it requires and those it re-exports whole (`export * from`): the tables it follows. */
    readonly links: ModuleLinks = { imports: [], stars: [] },
    /** Reads its exports again (a re-export follows the table it comes from); defaults to `exports`. */
    readonly read: () => Record<string, unknown> = () => exports,
  ) {}
}

/** The application modules a version reaches: by name, as the code server resolved its requires. */
export interface ModuleLinks {
  /** Every application module it requires (static, dynamic or re-exported). */
  imports: string[];
  /** Those it re-exports whole (`export * from`), in source order. */
  stars: string[];
}

/**
 * A module as the code server keeps it: a stable export table plus its current and old versions. The
 * table is a plain object (V8 keeps it in fast mode) whose prototype holds, for each export a later
 * version removed, a function that throws naming the module: the table's own keys are the live exports.
 */
export class LoadedModule {
  /** Removed exports: a call names the module and version instead of `x.f is not a function`. */
  private readonly removed: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** The object every importer holds: its own properties are the current version's exports. */
  readonly table: Record<string, unknown> = Object.create(this.removed) as Record<string, unknown>;
  current: ModuleVersion | null = null;
  old: ModuleVersion | null = null;
  constructor(readonly name: string) {}

  /** Makes the table hold exactly `entries` (none when null): keys that went away answer with a clear error. */
  point(entries: Record<string, unknown> | null): void {
    let deleted = false;
    for (const key of Object.keys(this.table)) {
      if (entries && key in entries) continue;
      delete this.table[key];
      deleted = true;
      if (!(key in this.removed)) this.removed[key] = removedExport(this, key);
    }
    if (entries) for (const key of Object.keys(entries)) if (this.table[key] !== entries[key] || !Object.hasOwn(this.table, key)) this.table[key] = entries[key];
    // A delete (but of the last key added) leaves the table in V8's dictionary mode: every call through it slower, for good.
    if (deleted) toFastProperties(this.table);
  }
}

// A property load that V8's inline cache sees through a prototype chain: once its feedback exists (after a few
// calls), a load missing a prototype that is in dictionary mode makes that prototype fast again (and keeps it so).
function probe(o: object): unknown {
  return (o as { otpFastProbe?: unknown }).otpFastProbe;
}

/**
 * Internal: brings an object V8 put in dictionary mode (a delete, getters defined and removed) back to fast mode, in
 * place (importers keep holding it): V8 turns an object into a prototype on the first `Object.create`, and makes it
 * fast once a warmed-up load goes through it. Elsewhere than V8 this only reads a missing property.
 */
export function toFastProperties(table: object): void {
  const child = Object.create(table) as object;
  for (let i = 0; i < 16; i++) probe(child);
}

/** What a call to an export that no longer exists throws: the module, its running version and the export. */
export class RemovedExportError extends Error {
  constructor(
    readonly module: string,
    readonly exportName: string,
    readonly vsn: string | undefined,
  ) {
    super(
      vsn === undefined
        ? `module ${module} is not loaded, so ${module}.${exportName} cannot be called: load the module again`
        : `${module}.${exportName} does not exist in ${module} ${vsn} (an upgrade removed it): call what the new version exports instead`,
    );
    this.name = 'RemovedExportError';
  }
}

const removedExports = new WeakSet<object>();

/** Whether `value` stands for an export a later version removed (a re-export of it is dropped too). */
export function isRemovedExport(value: unknown): boolean {
  return typeof value === 'function' && removedExports.has(value);
}

function removedExport(mod: LoadedModule, key: string): (...args: unknown[]) => never {
  const removed = (): never => {
    throw new RemovedExportError(mod.name, key, mod.current?.vsn);
  };
  Object.defineProperty(removed, 'name', { value: `${key} (removed)` });
  removedExports.add(removed);
  return removed;
}

/**
 * The callbacks a behaviour process runs after an upgrade: the new version's export, or, when the process ran an
 * instance of an exported class (`new Counter(opts)`), an instance of the new class holding the running one's own fields.
 */
export function nextCallbacks(exported: unknown, running: unknown): unknown {
  if (typeof exported !== 'function' || running === null || typeof running !== 'object') return exported;
  const made = instancesMade.get(running);
  if (made?.of === exported) return made.instance;
  const instance = blankInstance(exported as new () => object);
  Object.defineProperties(instance, Object.getOwnPropertyDescriptors(running));
  instancesMade.set(running, { of: exported, instance });
  return instance;
}

// The instance of the new class each running instance moves to, made once (an upgrade asks for it at each stage).
const instancesMade = new WeakMap<object, { of: unknown; instance: object }>();

// An object of class `cls` to receive a running instance's fields. Private `#fields` exist only on an object the
// class's constructor made, so a class declaring any (or a base class declaring them) is constructed, with no
// arguments: its #fields start from their initialisers. One whose constructor throws without its arguments cannot be
// given them: the upgrade is refused (an object without them would crash at its first call). A class without
// #fields gives an object of its prototype, which runs no constructor code.
function blankInstance(cls: new () => object): object {
  if (!declaresPrivateNames(cls)) return Object.create(cls.prototype) as object;
  try {
    return Reflect.construct(cls, []);
  } catch (error) {
    const name = cls.name || 'the class';
    throw new Error(
      `${name} declares #private fields, which exist only on an instance its constructor made, and its constructor fails without arguments (${error instanceof Error ? error.message : String(error)}): give the constructor's parameters defaults, or keep what the server needs in its state or in public fields`,
      { cause: error },
    );
  }
}

// Whether a class or one of its base classes declares a #name (read from their source).
function declaresPrivateNames(cls: unknown): boolean {
  for (let c = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (/#[A-Za-z_$]/.test(Function.prototype.toString.call(c))) return true;
  }
  return false;
}

/** A hash of a module's code: the version label a module gets when its source names none. */
export function sourceHash(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

/** How a module body reaches other modules: what the code server gives it in place of esbuild's own interop helpers. */
export interface ModuleLinker {
  /** `require(specifier)`: an application module's export table, or a prepared package. */
  require(specifier: string): unknown;
  /** Whether `value` is an application module's export table (its namespace is the table itself, which stays live). */
  isTable(value: unknown): boolean;
  /** Told of each `export * from` an application module: the re-exporting module follows its table. */
  reExported(table: unknown): void;
}

/** What evaluating a module body gave: its `module.exports`, whose getters give the export values when read. */
export interface Evaluated {
  exports: Record<string, unknown>;
  /** Reads the exports now (esbuild's CommonJS output defines them as getters over live bindings). */
  read(): Record<string, unknown>;
  /** The compiled module body: a function of the version's own script (a closure the module makes at run time shares it). */
  body: object;
  /** Clears the timers its top level started that are still pending: for a version an upgrade evaluated but does not install. */
  stopTimers(): void;
}

/**
 * Evaluates a CommonJS-shaped module body with its own `require`; a throw (syntax error or a failing
 * top level) propagates with the module's file name in the stack. esbuild's interop helpers `__toESM`
 * and `__reExport` copy an imported module's keys once, when the importer loads: the code server's
 * versions take their place, so `import * as`, default imports, `export * from` and cycles see the live
 * export table (withLiveInterop says how they are found).
 */
export function evaluateModule(source: ModuleSource & { script?: string }, linker: ModuleLinker): Evaluated {
  const filename = source.filename ?? `${source.name}.js`;
  // `script` names this version for V8 (stacks, profiles); the module itself sees its file as __filename.
  const fn = compileFunction(withLiveInterop(source.code), ['exports', 'require', 'module', '__filename', '__dirname', LIVE_TO_ESM, LIVE_RE_EXPORT, IMPORT_META], { filename: source.script ?? filename });
  const module = { exports: {} as Record<string, unknown> };
  const toESM = (mod: unknown, isNodeMode?: unknown): unknown => (linker.isTable(mod) || types.isModuleNamespaceObject(mod) ? mod : copyToESM(mod, isNodeMode));
  const reExport = (target: object, mod: unknown, second?: object): void => {
    if (linker.isTable(mod)) linker.reExported(mod);
    else {
      copyProps(target, mod, 'default');
      if (second) copyProps(second, mod, 'default');
    }
  };
  const dirname = filename.replace(/[/\\][^/\\]*$/, '');
  const timers = whileRecordingTimers(() => fn.call(module.exports, module.exports, (spec: string) => linker.require(spec), module, filename, dirname, toESM, reExport, source.code.includes(IMPORT_META) ? importMeta(filename, dirname) : undefined));
  const read = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(module.exports)) if (key !== '__esModule') out[key] = module.exports[key];
    // Symbol-keyed metadata the compiler adds (which exports take ctx first) stays out of the export table.
    for (const sym of Object.getOwnPropertySymbols(module.exports)) Object.defineProperty(out, sym, { value: (module.exports as Record<symbol, unknown>)[sym] });
    return out;
  };
  return { exports: module.exports, read, body: fn, stopTimers: timers };
}

type TimerName = 'setTimeout' | 'setInterval' | 'setImmediate';
type Entry = { clear: (handle: never) => void; handle: unknown };
// A top level's timers still pending, and how many there were after the last sweep of those cleared elsewhere.
// `stopped`: its version was purged or discarded, so a timer one of its callbacks still starts is cleared at once.
type Started = Set<Entry> & { swept?: number; stopped?: boolean };
type TimerFn = (...args: unknown[]) => unknown;
const TIMERS: readonly TimerName[] = ['setTimeout', 'setInterval', 'setImmediate'];
const clearTimer = { setTimeout: clearTimeout, setInterval: clearInterval, setImmediate: clearImmediate } as const;
// The timers each top level being evaluated started, innermost last (a top level may evaluate another: batch.ts); and
// while a callback of one of its timers runs, that top level's (a timer the callback re-arms is the version's too).
const recording: Started[] = [];

/**
 * Runs a module's top level with the global timer functions recording what they start. A top level that throws has its
 * timers cleared (its version never loads, so nothing could purge them) and the error propagates; one that returns
 * keeps them running, and gets a function that clears those still pending (for a version an upgrade then does not install).
 */
function whileRecordingTimers(run: () => void): () => void {
  const started: Started = new Set();
  const stop = (): void => {
    started.stopped = true;
    const all = [...started];
    started.clear();
    for (const { clear, handle } of all) clear(handle as never);
  };
  try {
    whileRecordingInto(started, run);
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}

// A timer function recording what it starts into the innermost top level's list while one runs (calling `original()`'s).
// A function, not an arrow: Node's timers ignore `this`, a replacement installed before (fake timers) may not.
function recorder(name: TimerName, original: () => TimerFn, model: TimerFn): TimerFn {
  const clear = clearTimer[name] as (handle: never) => void;
  const fn = function (this: unknown, ...args: unknown[]): unknown {
    const list = recording[recording.length - 1];
    if (list === undefined || typeof args[0] !== 'function') return original().apply(this, args);
    const entry: Entry = { clear, handle: undefined };
    const callback = args[0] as (...a: unknown[]) => unknown;
    // The callback runs as part of the top level that started it: what it starts (a timer re-arming itself) is recorded
    // with it; a one-shot timer that ran is pending no more.
    args[0] = function (this: unknown, ...a: unknown[]): unknown {
      if (name !== 'setInterval') list.delete(entry);
      return whileRecordingInto(list, () => callback.apply(this, a));
    };
    entry.handle = original().apply(this, args);
    add(list, entry);
    return entry.handle;
  };
  // Its name and util.promisify.custom: `promisify(setTimeout)` at a top level still gives a sleep.
  Object.defineProperty(fn, 'name', { value: name });
  for (const key of Reflect.ownKeys(model)) if (!Object.hasOwn(fn, key)) Object.defineProperty(fn, key, Object.getOwnPropertyDescriptor(model, key)!);
  return fn;
}

// Runs `run` (a recorded timer's callback) with the timers it starts recorded into `list`, as its top level's were.
function whileRecordingInto<T>(list: Started, run: () => T): T {
  const restore = recording.length === 0 ? recordTimers() : undefined;
  recording.push(list);
  try {
    return run();
  } finally {
    recording.pop();
    restore?.();
  }
}

// Records a pending timer, first dropping those cleared elsewhere (`clearTimeout(t)` before re-arming t) once the list
// has doubled since the last sweep: a timer that re-arms for ever keeps the list at what is pending.
function add(list: Started, entry: Entry): void {
  if (list.stopped === true) return entry.clear(entry.handle as never);
  if (list.size >= 2 * (list.swept ?? 0) + 64) {
    for (const e of list) if ((e.handle as { _destroyed?: boolean } | null)?._destroyed === true) list.delete(e);
    list.swept = list.size;
  }
  list.add(entry);
}

// The global timer functions a top level's recording replaced (Node's own, or a test's fake timers), and the recorders
// put in their place: made once, each calling the function it replaced this time.
const g = globalThis as unknown as Record<TimerName, TimerFn>;
const replaced: Record<TimerName, TimerFn> = { setTimeout: g.setTimeout, setInterval: g.setInterval, setImmediate: g.setImmediate };
const globalRecorders = Object.fromEntries(TIMERS.map((name) => [name, recorder(name, () => replaced[name], g[name])])) as Record<TimerName, TimerFn>;

// Puts in the global timer functions that record into the innermost top level's list; returns what puts them back.
function recordTimers(): () => void {
  for (const name of TIMERS) {
    replaced[name] = g[name];
    g[name] = globalRecorders[name];
  }
  return () =>
    // Put back unless the top level installed timer functions of its own (fake timers): those stay.
    TIMERS.forEach((name) => {
      if (g[name] === globalRecorders[name]) g[name] = replaced[name];
    });
}

/**
 * Internal: what a module's `require` of Node's timers gets (`node:timers`, `timers`, `node:timers/promises`,
 * `timers/promises`; `module` is what `import()` gave): the same module, whose functions record what a top level starts
 * as the global ones do, so a version's purge or discard clears them too. Other modules are returned as they are.
 * A promise timer (`await setTimeout(1000)`, `for await (const _ of setInterval(1000))`) a top level started and then
 * cleared never settles: the code awaiting it stops, as a cleared callback timer's never runs.
 */
export function recordingBuiltin(spec: string, module: unknown): unknown {
  const name = spec.replace(/^node:/, '');
  if ((name !== 'timers' && name !== 'timers/promises') || module === null || typeof module !== 'object') return module;
  let made = recordingModules.get(module);
  if (made === undefined) recordingModules.set(module, (made = name === 'timers' ? recordingTimers(module as Record<string, unknown>) : recordingPromises(module as Record<string, unknown>)));
  return made;
}

const recordingModules = new WeakMap<object, object>();

// node:timers with setTimeout, setInterval and setImmediate recording (its default export and `promises` likewise).
function recordingTimers(ns: Record<string, unknown>): object {
  const wrap = (m: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...m };
    for (const name of TIMERS) if (typeof m[name] === 'function') out[name] = recorder(name, () => m[name] as TimerFn, m[name] as TimerFn);
    if (m['promises'] !== null && typeof m['promises'] === 'object') out['promises'] = recordingPromises(m['promises'] as Record<string, unknown>);
    return out;
  };
  const out = wrap(ns);
  if (ns['default'] !== null && typeof ns['default'] === 'object') out['default'] = wrap(ns['default'] as Record<string, unknown>);
  return out;
}

// node:timers/promises with setTimeout, setImmediate, setInterval and scheduler.wait recording (its default export likewise).
function recordingPromises(ns: Record<string, unknown>): object {
  const wrap = (m: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...m };
    // Where each takes its options: setTimeout(delay, value, options), setImmediate(value, options), wait(delay, options).
    if (typeof m['setTimeout'] === 'function') out['setTimeout'] = recordingPromise(m['setTimeout'] as TimerFn, 2);
    if (typeof m['setImmediate'] === 'function') out['setImmediate'] = recordingPromise(m['setImmediate'] as TimerFn, 1);
    if (typeof m['setInterval'] === 'function') out['setInterval'] = recordingIterator(m['setInterval'] as TimerFn);
    const scheduler = m['scheduler'] as { wait?: TimerFn; yield?: TimerFn } | undefined;
    if (scheduler !== null && typeof scheduler === 'object' && typeof scheduler.wait === 'function') {
      const wait = scheduler.wait.bind(scheduler);
      out['scheduler'] = Object.assign(Object.create(scheduler) as object, { wait: recordingPromise(wait, 1) });
    }
    return out;
  };
  const out = wrap(ns);
  if (ns['default'] !== null && typeof ns['default'] === 'object') out['default'] = wrap(ns['default'] as Record<string, unknown>);
  return out;
}

// Each promise timer a top level starts gets an abort of its own, recorded: `cleared` once the recording's stop ran.
function recordAbort(args: unknown[], at: number): { args: unknown[]; cleared: () => boolean; settled: () => void } | undefined {
  const list = recording[recording.length - 1];
  if (list === undefined) return undefined;
  const controller = new AbortController();
  const given = args[at] as { signal?: AbortSignal } | undefined;
  const options = { ...(given ?? {}), signal: given?.signal ? AbortSignal.any([given.signal, controller.signal]) : controller.signal };
  let cleared = false;
  const entry: Entry = { clear: ((c: AbortController) => ((cleared = true), c.abort())) as (handle: never) => void, handle: controller };
  add(list, entry);
  const out = args.slice();
  while (out.length < at) out.push(undefined);
  out[at] = options;
  return { args: out, cleared: () => cleared, settled: () => list.delete(entry) };
}

const never = (): Promise<never> => new Promise<never>(() => undefined);

// A promise timer function (its options the argument at `at`) whose pending promise never settles once cleared.
function recordingPromise(original: TimerFn, at: number): TimerFn {
  return function (this: unknown, ...args: unknown[]): unknown {
    const recorded = recordAbort(args, at);
    if (recorded === undefined) return original.apply(this, args);
    // One that settled is pending no more (an interval's callback awaiting a sleep on each tick keeps no list growing).
    return (original.apply(this, recorded.args) as Promise<unknown>).then(
      (value) => (recorded.settled(), value),
      (error: unknown) => (recorded.cleared() ? never() : (recorded.settled(), Promise.reject(error))),
    );
  };
}

// timers/promises' setInterval: an async iterator whose pending and later `next()` never settle once cleared.
function recordingIterator(original: TimerFn): TimerFn {
  return function (this: unknown, ...args: unknown[]): unknown {
    const recorded = recordAbort(args, 2);
    if (recorded === undefined) return original.apply(this, args);
    const it = original.apply(this, recorded.args) as AsyncIterableIterator<unknown>;
    // Once cleared, the iterator is not asked again (its aborted next() would reject with no one to catch it).
    const next = (): Promise<IteratorResult<unknown>> => (recorded.cleared() ? never() : it.next().catch((error: unknown) => (recorded.cleared() ? never() : Promise.reject(error))));
    return {
      next,
      return: (value?: unknown) => it.return!(value),
      throw: (error?: unknown) => it.throw!(error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
}

/** The name a compiled module's `import.meta` is written as (the compiler defines it so; CommonJS has no import.meta). */
export const IMPORT_META = '__otp_import_meta';

// What `import.meta` holds in an ES module, for the module's compiled file: a release reads priv/ beside it. Made only
// for a body that names it: its file URL took 1.3 % of a warm upgrade of 1,000 gen_servers (a CPU profile), which
// evaluates one small module.
function importMeta(filename: string, dirname: string): { url: string; filename: string; dirname: string } {
  return { url: pathToFileURL(filename).href, filename, dirname };
}

const LIVE_TO_ESM = '__otp_toESM';
const LIVE_RE_EXPORT = '__otp_reExport';

// esbuild's helpers, as it writes them minified or not: `__toESM = (mod, isNodeMode, target) => (target = mod != null ? ...`
// and `__reExport = (target, mod, secondTarget) => (__copyProps(target, mod, "default"), ...`. The names may be minified.
const TO_ESM = /([\w$]+)\s*=\s*(\(\s*([\w$]+)\s*,\s*[\w$]+\s*,\s*([\w$]+)\s*\)\s*=>\s*\(\s*\4\s*=\s*\3\s*!=\s*null\s*\?)/;
const RE_EXPORT = /([\w$]+)\s*=\s*(\(\s*([\w$]+)\s*,\s*([\w$]+)\s*,\s*[\w$]+\s*\)\s*=>\s*\(\s*[\w$]+\(\s*\3\s*,\s*\4\s*,\s*"default"\s*\))/;
// What each helper's text must hold, which a search finds without trying the pattern at every name.
const TO_ESM_HINT = /!=\s*null\s*\?/;
const RE_EXPORT_HINT = /,\s*"default"\s*\)/;

/**
 * The module's code with esbuild's `__toESM` and `__reExport` defined as the code server's live
 * versions: each helper's arrow function is replaced by the name of a parameter the module body gets,
 * padded with spaces (newlines kept) so every line and column stays where the source map says.
 */
export function withLiveInterop(code: string): string {
  // The helpers come first, before any require (a module that requires nothing uses neither): user code is never searched.
  const preamble = code.indexOf('require(');
  if (preamble < 0) return code;
  let out = code;
  for (const [re, name, marker, hint] of [
    [TO_ESM, LIVE_TO_ESM, '__esModule', TO_ESM_HINT],
    [RE_EXPORT, LIVE_RE_EXPORT, '"default"', RE_EXPORT_HINT],
  ] as const) {
    const head = out.slice(0, preamble);
    // The hint, a plain search, first: the helper's pattern tries every name in the preamble, 3 % of a warm upgrade of
    // 1,000 gen_servers (a CPU profile) when the helper is not there (most modules: named imports need neither).
    if (!hint.test(head)) continue;
    const m = re.exec(head);
    if (!m) continue;
    const start = m.index + m[0].length - m[2]!.length;
    const end = arrowEnd(out, start);
    if (end < 0 || end > preamble || end - start < name.length || !out.slice(start, end).includes(marker)) continue;
    const padding = out.slice(start + name.length, end).replace(/[^\n]/g, ' ');
    out = out.slice(0, start) + name + padding + out.slice(end);
  }
  return out;
}

// The end (exclusive) of an arrow function `(params) => (body)` starting at `start`: past the body's closing parenthesis.
function arrowEnd(code: string, start: number): number {
  let depth = 0;
  let paramsDone = false;
  for (let i = start; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < code.length && code[i] !== c; i++) if (code[i] === '\\') i++;
    } else if (c === '/' && code[i + 1] === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && code[i + 1] === '*') {
      i = code.indexOf('*/', i + 2);
      if (i < 0) return -1;
      i++;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0 && paramsDone) return i + 1;
      if (depth === 0) paramsDone = true;
    } else if (depth < 0) return -1;
  }
  return -1;
}

// esbuild's own semantics for what is not an export table (a CommonJS object handed over as preloaded): a copy of its keys.
function copyToESM(mod: unknown, isNodeMode: unknown): unknown {
  const target: Record<string, unknown> = mod != null ? (Object.create(Object.getPrototypeOf(mod)) as Record<string, unknown>) : {};
  if (isNodeMode || !mod || !(mod as { __esModule?: unknown }).__esModule) Object.defineProperty(target, 'default', { value: mod, enumerable: true });
  return copyProps(target, mod);
}

function copyProps(to: object, from: unknown, except?: string): object {
  if ((from && typeof from === 'object') || typeof from === 'function') {
    for (const key of Object.getOwnPropertyNames(from)) {
      if (Object.hasOwn(to, key) || key === except) continue;
      const desc = Object.getOwnPropertyDescriptor(from, key);
      Object.defineProperty(to, key, { get: () => (from as Record<string, unknown>)[key], enumerable: !desc || desc.enumerable });
    }
  }
  return to;
}
