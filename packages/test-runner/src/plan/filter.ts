import type { FilePlan, PlanFilter, PlanGroup, PlanNode, PlanCase } from './types.js';

const matchesName = (names: readonly string[], name: string): boolean => names.some((n) => n === name || name.startsWith(`${n}#`));

/** True when a case passes every given filter (suite: the module; group: an enclosing group; case: its name or its export). */
export function caseSelected(c: PlanCase, filter: PlanFilter): boolean {
  const [module = '', ...rest] = c.path;
  if (filter.suite && !matchesName(filter.suite, module)) return false;
  if (filter.group && !rest.slice(0, -1).some((g) => matchesName(filter.group!, g))) return false;
  if (filter.case && !(matchesName(filter.case, c.name) || (rest[0] !== undefined && matchesName(filter.case, rest[0])))) return false;
  if (filter.grep && !filter.grep.test(c.path.join(' > '))) return false;
  if (filter.ids && !filter.ids.includes(c.id)) return false;
  if ((filter.names || filter.twins) && !storedSelects(c, filter)) return false;
  return true;
}

// --rerun-failed's selection: the case's full name stored alone, or its name with its id.
function storedSelects(c: PlanCase, filter: PlanFilter): boolean {
  const name = c.path.join(' > ');
  return filter.names?.includes(name) === true || filter.twins?.some((t) => t.name === name && t.id === c.id) === true;
}

// A twin stored with an id none of the plan's cases of that name has any more (the file changed since) selects each case of its name.
function withStaleTwins(plan: FilePlan, filter: PlanFilter): PlanFilter {
  if (!filter.twins) return filter;
  const cases = caseList(plan.root);
  const stale = filter.twins.filter((t) => !cases.some((c) => c.path.join(' > ') === t.name && c.id === t.id)).map((t) => t.name);
  return stale.length === 0 ? filter : { ...filter, names: [...(filter.names ?? []), ...stale] };
}

const caseList = (node: PlanNode): PlanCase[] => (node.kind === 'case' ? [node] : node.children.flatMap(caseList));

function prune(node: PlanNode, filter: PlanFilter): PlanNode | undefined {
  if (node.kind === 'case') return caseSelected(node, filter) ? node : undefined;
  const children = node.children.map((n) => prune(n, filter)).filter((n): n is PlanNode => n !== undefined);
  return children.length === 0 ? undefined : { ...node, children };
}

/** The plan with only the selected cases; groups left empty disappear (their init/end functions do not run). */
export function filterPlan(plan: FilePlan, filter: PlanFilter): FilePlan {
  const root = (prune(plan.root, withStaleTwins(plan, filter)) as PlanGroup | undefined) ?? { ...plan.root, children: [] };
  return { ...plan, root };
}
