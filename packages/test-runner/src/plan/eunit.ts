import type { FilePlan, PlanCase, PlanGroup, PlanNode } from './types.js';
import type { SetupSet, TestFn, TestSet } from './test-set.js';
import { failingCase, propertyCase, exportNames } from './common.js';

/** How the plan of a file is computed: defaults and ordering that come from the run, not the file. */
export interface PlanOptions {
  /** Timeout of a test (EUnit) or case (CT timetrap) that sets none. */
  timeoutMs?: number;
  /** The exports in source order (from the bundler); module namespaces otherwise list them alphabetically. */
  exportOrder?: readonly string[];
  /** Seed of CT `shuffle` groups. */
  shuffleSeed?: number;
  /** The run's config, given to `initPerSuite` and checked against `suite().require`. */
  config?: Readonly<Record<string, unknown>>;
}

/** The default timeout of an EUnit test, as in EUnit. */
export const EUNIT_TIMEOUT_MS = 5000;

interface Scope {
  readonly module: string;
  readonly timeoutMs: number;
  readonly parallel: boolean;
}

/** The plan of an EUnit-style `*.test.ts` file from its exports: `...Test` functions, `...Tests` generators and `prop...` properties. */
export function planEunit(file: string, module: string, exports: Readonly<Record<string, unknown>>, options: PlanOptions = {}): FilePlan {
  const scope: Scope = { module, timeoutMs: options.timeoutMs ?? EUNIT_TIMEOUT_MS, parallel: false };
  const children: PlanNode[] = [];
  for (const name of exportNames(exports, options.exportOrder)) {
    const value = exports[name];
    const id = String(children.length);
    if (name.startsWith('prop')) children.push(propertyCase(id, [module, name], value, scope.timeoutMs * 6));
    else if (typeof value !== 'function') continue;
    else if (name.endsWith('Test')) children.push(testCase(id, [module, name], value as TestFn, scope));
    else if (name.endsWith('Tests')) children.push(generated(id, [module, name], value as () => TestSet, scope));
  }
  const root: PlanGroup = { kind: 'group', id: 'root', name: module, path: [module], parallel: false, stopOnFail: false, timeoutMs: scope.timeoutMs, children };
  return { file, kind: 'eunit', module, root };
}

function testCase(id: string, path: string[], fn: TestFn, scope: Scope): PlanCase {
  return { kind: 'case', id, name: path[path.length - 1]!, path, timeoutMs: scope.timeoutMs, run: (fixture, ctx) => fn(ctx, fixture) };
}

function generated(id: string, path: string[], generator: () => TestSet, scope: Scope): PlanNode {
  let set: TestSet;
  try {
    set = generator();
  } catch (error) {
    return failingCase(id, path, error, `the generator ${path[path.length - 1]} threw`);
  }
  return fromSet(set, id, path, scope);
}

function group(id: string, path: string[], scope: Scope, children: PlanNode[], extra: Partial<PlanGroup> = {}): PlanGroup {
  return { kind: 'group', id, name: path[path.length - 1]!, path, parallel: scope.parallel, stopOnFail: false, timeoutMs: scope.timeoutMs, children, ...extra };
}

function fromSet(set: TestSet, id: string, path: string[], scope: Scope): PlanNode {
  if (typeof set === 'function') return testCase(id, path, set, scope);
  if (Array.isArray(set)) {
    // A labelled pair's label is already in `path` (see itemName).
    if (set.length === 2 && typeof set[0] === 'string') return fromSet(set[1] as TestSet, id, path, scope);
    const itemNames = set.map((s, i) => itemName(s as TestSet, i));
    // Two items with one name (say, the same helper twice) are told apart by their positions.
    const unique = itemNames.map((n, i) => (itemNames.indexOf(n) !== itemNames.lastIndexOf(n) ? `${n}#${i + 1}` : n));
    return group(id, path, scope, set.map((s, i) => fromSet(s as TestSet, `${id}.${i}`, [...path, unique[i]!], scope)));
  }
  if (typeof set !== 'object' || set === null) return failingCase(id, path, new TypeError(`not a test set: ${String(set)}`), 'bad test set');
  if ('label' in set && 'test' in set) return fromSet(set.test, id, path, scope);
  if (!('otpTestSet' in set)) return failingCase(id, path, new TypeError('not a test set: an object without label/test or a builder tag'), 'bad test set');
  const tagged = set;
  switch (tagged.otpTestSet) {
    case 'setup':
    case 'foreach':
      return fixtureGroup(tagged, id, path, scope);
    case 'timeout':
      return group(id, path, { ...scope, timeoutMs: (tagged).timeoutMs ?? scope.timeoutMs }, [fromSet(tagged.tests, `${id}.0`, path, { ...scope, timeoutMs: (tagged).timeoutMs ?? scope.timeoutMs })]);
    case 'inparallel':
    case 'inorder': {
      const inner = { ...scope, parallel: tagged.otpTestSet === 'inparallel' };
      return group(id, path, inner, [fromSet(tagged.tests, `${id}.0`, path, inner)], { parallel: inner.parallel });
    }
  }
}

function fixtureGroup(set: SetupSet, id: string, path: string[], scope: Scope): PlanGroup {
  const child = fromSet(set.tests as TestSet, `${id}.0`, path, scope);
  const cleanup = set.cleanup as ((fixture: unknown, ctx: Parameters<SetupSet['setup']>[0]) => unknown) | undefined;
  if (set.otpTestSet === 'setup') {
    return group(id, path, scope, [child], { init: (_f, ctx) => set.setup(ctx), ...(cleanup && { end: (f, ctx) => cleanup(f, ctx) }) });
  }
  return group(id, path, scope, [child], { initEach: (_f, ctx) => set.setup(ctx), ...(cleanup && { endEach: (f, ctx) => cleanup(f, ctx) }) });
}

// A labelled item is named by its label, a named function by its name, anything else by its position.
function itemName(set: TestSet, i: number): string {
  if (Array.isArray(set) && set.length === 2 && typeof set[0] === 'string') return set[0];
  if (typeof set === 'object' && set !== null && 'label' in set) return set.label;
  if (typeof set === 'function' && set.name) return set.name;
  return `#${i + 1}`;
}
