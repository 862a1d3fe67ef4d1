import type { ProcessContext } from '@otp-ts/runtime';
import type { FilePlan, PlanGroup, PlanNode, Step, TcStatus } from './types.js';
import type { PlanOptions } from './eunit.js';
import { skip } from './test-set.js';
import { checkedLimit, exportNames, failingCase, propertyCase, seededRandom, shuffled } from './common.js';

export type { TcStatus } from './types.js';

/** What CT callbacks and cases receive: the config built by the init functions, plus `ctx`, the calling process's context. */
export interface SuiteConfig {
  readonly ctx: ProcessContext;
  /** In `endPerTestcase` only: how its case ended, as Common Test's `tc_status`. */
  readonly tcStatus?: TcStatus;
  readonly [key: string]: unknown;
}

/** Thrown for an `initPerTestcase` that returned `{ fail: reason }`: its case fails, unrun (Common Test's `{fail, Reason}`). */
export class InitFail extends Error {
  constructor(readonly reason: unknown) {
    super(`initPerTestcase failed the case: ${describeReason(reason)}`);
    this.name = 'InitFail';
  }
}

const describeReason = (reason: unknown): string => (reason instanceof Error ? `${reason.name}: ${reason.message}` : typeof reason === 'string' ? reason : JSON.stringify(reason) ?? String(reason));

// A case's return value: Common Test's {skip, Reason} skips it and {fail, Reason} fails it, as `{ skip }` and `{ fail }`.
function caseReturn(value: unknown): unknown {
  controlReturn(value, 'the case', false);
  return value;
}

// An init function's `{ skip: reason }` or `{ fail: reason }` (Common Test's {skip, Reason} and {fail, Reason}): an
// object with that one key and no other, as a config always has more (or is the run's config spread into it).
function controlReturn(value: unknown, what: string, perCase: boolean): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const keys = Object.keys(value);
  if (keys.length !== 1) return;
  const v = value as { skip?: unknown; fail?: unknown };
  if (keys[0] === 'skip') skip(typeof v.skip === 'string' ? v.skip : describeReason(v.skip));
  if (keys[0] === 'fail') {
    if (perCase) throw new InitFail(v.fail);
    throw v.fail instanceof Error ? v.fail : new Error(`${what} returned { fail: ${describeReason(v.fail)} }`);
  }
}

/** A group property of `groups()`: CT's parallel, sequence, shuffle, repeat and repeat_until_any_fail. */
export type GroupProperty = 'parallel' | 'sequence' | 'shuffle' | { readonly repeat: number } | { readonly repeatUntilFail: number };

/** An entry of `all()` or a group's cases: a case export's name, the case function itself, or a group. */
export type SuiteEntry = string | ((config: SuiteConfig) => unknown) | { readonly group: string };

/** A group of `groups()`: its properties and members. */
export interface GroupSpec {
  readonly properties?: readonly GroupProperty[];
  readonly cases: readonly SuiteEntry[];
}

/** What `suite()` returns: the timetrap of each case (ms) and config keys the run must provide. */
export interface SuiteInfo {
  readonly timetrap?: number;
  readonly require?: readonly string[];
}

/** The default timetrap of a CT case. */
export const CT_TIMETRAP_MS = 30_000;

type Exports = Readonly<Record<string, unknown>>;
type Fn = (...args: unknown[]) => unknown;

interface Ctx {
  readonly exports: Exports;
  readonly groups: Readonly<Record<string, GroupSpec>>;
  readonly timeoutMs: number;
  readonly skip: string | undefined;
  readonly random: () => number;
}

// Config without the `ctx` an init function may have returned with it: each callback gets its own.
function strip(config: unknown, previous: unknown): unknown {
  if (config === undefined || config === null || typeof config !== 'object') return previous;
  const { ctx: _ctx, ...rest } = config as Record<string, unknown>;
  return rest;
}

const withCtx = (config: unknown, ctx: ProcessContext): SuiteConfig => ({ ...(config as object), ctx });

function hook(exports: Exports, name: string, bind?: string): Step | undefined {
  const fn = exports[name] as Fn | undefined;
  if (typeof fn !== 'function') return undefined;
  return async (config, ctx) => {
    const returned: unknown = await (bind === undefined ? fn(withCtx(config, ctx)) : fn(bind, withCtx(config, ctx)));
    if (name.startsWith('init')) controlReturn(returned, bind === undefined ? name : `${name}(${bind})`, false);
    return strip(returned, config);
  };
}

/** The plan of a Common-Test-style `*.suite.ts` file from its exports: `all()`, `groups()`, `suite()`, the init/end functions and cases. */
export function planSuite(file: string, module: string, exports: Exports, options: PlanOptions = {}): FilePlan {
  const seed = options.shuffleSeed ?? Date.now() % 2 ** 31;
  let c: Ctx;
  let children: PlanNode[];
  try {
    c = suiteContext(exports, options, seed);
    children = typeof exports.all === 'function'
      ? listOf(atOnce((exports.all as () => unknown)(), 'all()'), 'all()').map((e, i) => entry(c, e as SuiteEntry, String(i), [module], new Set()))
      : [failingCase('0', [module, 'all'], new Error(`${file} exports no all() function`), 'not a suite')];
  } catch (error) {
    // all(), groups() or suite() threw or returned something unusable: one failed case says so, the properties still run.
    c = { exports, groups: {}, timeoutMs: options.timeoutMs ?? CT_TIMETRAP_MS, skip: undefined, random: seededRandom(seed) };
    children = [failingCase('0', [module, 'all'], error, `the suite's all(), groups() or suite() gave no plan`)];
  }
  for (const name of exportNames(exports, options.exportOrder)) {
    if (name.startsWith('prop')) children.push(propertyCase(String(children.length), [module, name], exports[name], c.timeoutMs));
  }
  // Common Test checks a suite's required config before anything of it runs: every entry (an unknown case, a bad
  // group, a property too) is skipped with the reason, so no initPerSuite runs for a suite that cannot.
  if (c.skip !== undefined) children = children.map((n) => skipped(n, c.skip!));
  const initEach = exports.initPerTestcase as Fn | undefined;
  const endEach = exports.endPerTestcase as Fn | undefined;
  const root: PlanGroup = {
    kind: 'group', id: 'root', name: module, path: [module], parallel: false, stopOnFail: false, timeoutMs: c.timeoutMs, children,
    init: async (_f, ctx) => strip(await hook(exports, 'initPerSuite')?.(options.config ?? {}, ctx), options.config ?? {}),
    ...(typeof exports.endPerSuite === 'function' && { end: hook(exports, 'endPerSuite') }),
    ...(typeof initEach === 'function' && {
      initEach: async (f, ctx, name) => {
        const returned: unknown = await initEach(name, withCtx(f, ctx));
        controlReturn(returned, `initPerTestcase(${name})`, true);
        return strip(returned, f);
      },
    }),
    ...(typeof endEach === 'function' && { endEach: (f, ctx, name, status) => endEach(name, { ...withCtx(f, ctx), ...(status !== undefined && { tcStatus: status }) }) }),
  };
  return { file, kind: 'suite', module, root, shuffleSeed: seed };
}

// A node with every case below it auto-skipped for `reason` (ct_run fails the run on them, as on a failed init).
function skipped(node: PlanNode, reason: string): PlanNode {
  return node.kind === 'case' ? { ...node, skip: reason, autoSkip: true } : { ...node, children: node.children.map((n) => skipped(n, reason)) };
}

// The context of a suite's plan from `suite()` and `groups()` (either may throw: the caller reports it).
function suiteContext(exports: Exports, options: PlanOptions, seed: number): Ctx {
  const info = (typeof exports.suite === 'function' ? atOnce((exports.suite as () => SuiteInfo | undefined)(), 'suite()') : undefined) ?? {};
  const missing = listOf(info.require ?? [], "suite()'s require").filter((k) => !(String(k) in (options.config ?? {})));
  return {
    exports,
    groups: typeof exports.groups === 'function' ? atOnce((exports.groups as () => Record<string, GroupSpec>)(), 'groups()') : {},
    timeoutMs: checkedLimit(info.timetrap, "suite()'s timetrap") ?? options.timeoutMs ?? CT_TIMETRAP_MS,
    skip: missing.length > 0 ? `required config missing: ${missing.join(', ')}` : undefined,
    random: seededRandom(seed),
  };
}

// What a suite callback gave, or a TypeError naming it when that is a promise (an async all(), groups() or suite(),
// whose value would come too late for the plan: suite() would lose its require and timetrap unseen).
function atOnce<T>(value: T, what: string): T {
  if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') {
    Promise.resolve(value).catch(() => undefined);
    throw new TypeError(`${what} returned a Promise: all(), groups() and suite() give their value at once (not async); do async work in initPerSuite`);
  }
  return value;
}

// A list a suite callback gave, or a TypeError naming it.
function listOf(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} must give an array, not ${value === null ? 'null' : typeof value}`);
  return value;
}

/** The most repetitions of a `repeat` / `repeatUntilFail` group. */
const MAX_REPEAT = 10_000;

function entry(c: Ctx, e: SuiteEntry, id: string, path: string[], seen: Set<string>): PlanNode {
  if (typeof e === 'object' && e !== null && 'group' in e) {
    // A malformed group (no cases list, a repeat count that is no count) fails alone; the suite's other entries still run.
    try {
      return groupNode(c, e.group, id, path, seen);
    } catch (error) {
      return failingCase(id, [...path, String(e.group)], error, 'bad group');
    }
  }
  const name = typeof e === 'function' ? e.name : e;
  const fn = c.exports[name];
  if (typeof fn !== 'function') return failingCase(id, [...path, name], new Error(`the suite has no case export named '${name}'`), 'unknown case');
  const run = async (config: unknown, ctx: ProcessContext): Promise<unknown> => caseReturn(await (fn as Fn)(withCtx(config, ctx)));
  return { kind: 'case', id, name, path: [...path, name], timeoutMs: c.timeoutMs, run, ...(c.skip !== undefined && { skip: c.skip }) };
}

function groupNode(c: Ctx, name: string, id: string, path: string[], seen: Set<string>): PlanNode {
  const spec = c.groups[name];
  if (spec === undefined || seen.has(name)) return failingCase(id, [...path, name], new Error(spec ? `group '${name}' contains itself` : `groups() has no group '${name}'`), 'bad group');
  const props = listOf(spec.properties ?? [], `the properties of group '${name}'`) as readonly GroupProperty[];
  const repeat = props.find((p): p is { repeat: number } => typeof p === 'object' && 'repeat' in p);
  const until = props.find((p): p is { repeatUntilFail: number } => typeof p === 'object' && 'repeatUntilFail' in p);
  const times = repeat?.repeat ?? until?.repeatUntilFail;
  if (times !== undefined && !(Number.isInteger(times) && times >= 1 && times <= MAX_REPEAT)) throw new TypeError(`group '${name}' repeats ${String(times)} times: a whole number from 1 to ${MAX_REPEAT} is expected`);
  const cases = listOf(spec.cases, `group '${name}' of groups()`) as readonly SuiteEntry[];
  const one = (gid: string, gname: string): PlanGroup => {
    const gpath = [...path, gname];
    const inner = new Set(seen).add(name);
    const members = props.includes('shuffle') ? shuffled(cases, c.random) : cases;
    return {
      kind: 'group', id: gid, name: gname, path: gpath, parallel: props.includes('parallel'), stopOnFail: props.includes('sequence'), timeoutMs: c.timeoutMs,
      children: members.map((m, i) => entry(c, m, `${gid}.${i}`, gpath, inner)),
      ...(typeof c.exports.initPerGroup === 'function' && { init: hook(c.exports, 'initPerGroup', name) }),
      ...(typeof c.exports.endPerGroup === 'function' && { end: hook(c.exports, 'endPerGroup', name) }),
    };
  };
  if (times === undefined) return one(id, name);
  const copies = Array.from({ length: times }, (_, i) => one(`${id}.${i}`, `${name}#${i + 1}`));
  return { kind: 'group', id, name, path, parallel: false, stopOnFail: until !== undefined, timeoutMs: c.timeoutMs, children: copies };
}
