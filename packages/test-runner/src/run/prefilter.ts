import { moduleName, testFileKind } from '../plan/plan-file.js';
import { sourceOrder } from './compile.js';
import type { PlanFilter } from '../plan/types.js';

const matches = (names: readonly string[], name: string): boolean => names.some((n) => n === name || name.startsWith(`${n}#`));

// A label built at run time (a template literal with `${...}` where a name goes: a labelled pair, a `label:`, a group key, a node:test name) may be anything: such a file may hold any case.
const buildsNames = (source: string): boolean => /(?:\[|label:|\b(?:test|it|describe|suite)\()\s*`[^`]*\$\{/.test(source);

// A case or group name is in the source as an export, a label or a function name; `#n` names are positions, which it never spells.
const mentions = (source: string, names: readonly string[]): boolean =>
  names.some((n) => n.startsWith('#') || source.includes(n.replace(/#\d+$/, ''))) || buildsNames(source);

/**
 * Whether a test file can hold a case the filter selects, from its name and source text alone (pure), so a
 * filtered run compiles and starts a worker only for those: `suite` by the module name, `case` and `group`
 * by the names appearing in the source. `grep` and `names` are decided by the plan.
 */
export function mayHoldSelection(file: string, source: string, filter: PlanFilter): boolean {
  if (filter.suite && !matches(filter.suite, moduleName(file))) return false;
  if (filter.case && !mentions(source, filter.case)) return false;
  if (filter.group && !mentions(source, filter.group)) return false;
  return true;
}

// Names only a run can tell: generators' labels, suites' groups, node:test registrations, another module's exports (`export *`).
const namesAtRunTime = (file: string, source: string, exports: readonly string[]): boolean =>
  testFileKind(file) === 'suite' || /from\s+['"](?:node:)?test['"]|^[ \t]*export\s*\*(?!\s*as\b)/m.test(source) || exports.some((e) => e.endsWith('Tests'));

/**
 * Whether a test file that did not run (after `--bail`) may hold a case `grep` selects, from its source alone
 * (pure): its tests' and properties' full names are `module > export`; a file whose names are only known at run
 * time (generators, suites, node:test) may hold any.
 */
export function mayMatchGrep(file: string, source: string, grep: RegExp): boolean {
  const exports = sourceOrder(source);
  if (namesAtRunTime(file, source, exports)) return true;
  const module = moduleName(file);
  return exports.some((e) => (e.endsWith('Test') || e.startsWith('prop')) && grep.test(`${module} > ${e}`));
}

// A suite's callbacks, which Common Test runs around its cases: never a case to select.
const SUITE_CALLBACKS: ReadonlySet<string> = new Set(['all', 'groups', 'suite', 'initPerSuite', 'endPerSuite', 'initPerGroup', 'endPerGroup', 'initPerTestcase', 'endPerTestcase']);

/**
 * The names a test file that was not planned may hold as cases, from its source alone (pure), for the closest
 * names an empty selection suggests: an EUnit file's tests, generators and properties, a suite's exports but its callbacks.
 */
export function declaredCases(file: string, source: string): string[] {
  const exports = sourceOrder(source);
  if (testFileKind(file) === 'suite') return exports.filter((e) => !SUITE_CALLBACKS.has(e) && e !== 'default');
  return exports.filter((e) => e.endsWith('Test') || e.endsWith('Tests') || e.startsWith('prop'));
}
