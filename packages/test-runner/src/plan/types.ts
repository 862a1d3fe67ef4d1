import type { ProcessContext } from '@otp-ts/runtime';

/** How a case ended, given to `endPerTestcase` as `config.tcStatus`: CT's `ok`, `{failed, Reason}` or `{skipped, Reason}`. */
export type TcStatus = 'ok' | { readonly failed: unknown } | { readonly skipped: string };

/** A fixture-aware step: receives the fixture (EUnit) or config (CT) that flows down to it, and a process context. */
export type Step = (fixture: unknown, ctx: ProcessContext) => unknown;

/** A step run around each case below a group; it also gets the case's name (CT's `initPerTestcase(name, config)`) and, after the case, how it ended. */
export type EachStep = (fixture: unknown, ctx: ProcessContext, caseName: string, status?: TcStatus) => unknown;

/** One test case of the plan: a leaf. */
export interface PlanCase {
  readonly kind: 'case';
  /** Unique within its file: the positions from the root, e.g. `2.0.1`. */
  readonly id: string;
  /** The case's own name (export name, label or `#n`). */
  readonly name: string;
  /** Module name, then the enclosing groups' names, then the case's name: the full name `--grep` sees. */
  readonly path: readonly string[];
  /** Runs the case with the fixture that flows into it; the result is the new fixture for `end` steps. */
  readonly run: Step;
  readonly timeoutMs: number;
  /** A fast-check property (the export's value) when this case is a property test. */
  readonly property?: unknown;
  /** Set when the case is known to be skipped before running (e.g. required config missing). */
  readonly skip?: string;
  /** The skip is Common Test's auto-skip (a suite's required config missing), which fails the run. */
  readonly autoSkip?: boolean;
}

/** A group of the plan: a fixture scope, an ordering and the cases below it. */
export interface PlanGroup {
  readonly kind: 'group';
  readonly id: string;
  readonly name: string;
  readonly path: readonly string[];
  /** Run the children concurrently. */
  readonly parallel: boolean;
  /** After a failing child, the following children are skipped (CT's `sequence`, `repeatUntilFail`). */
  readonly stopOnFail: boolean;
  /** Runs once before the children in a process that lives until `end`; returns the fixture for them. */
  readonly init?: Step;
  /** Runs once after the children, even after failures and timeouts. */
  readonly end?: Step;
  /** `init` runs even when every case below is skipped (node:test runs a suite's `before` hooks then too); its failure fails the file. */
  readonly initWhenSkipped?: boolean;
  /** Runs in each case's process before the case; returns the case's fixture. */
  readonly initEach?: EachStep;
  /** Runs after each case, even after a failure or timeout. */
  readonly endEach?: EachStep;
  readonly timeoutMs: number;
  readonly children: readonly PlanNode[];
}

/** A node of the test plan. */
export type PlanNode = PlanCase | PlanGroup;

/** The plan of one file: its module name, kind and root group. */
export interface FilePlan {
  readonly file: string;
  readonly kind: 'eunit' | 'suite';
  readonly module: string;
  readonly root: PlanGroup;
  /** The shuffle seed used, when a group was shuffled. */
  readonly shuffleSeed?: number;
}

/** Which cases to keep: each list matches any of its entries; all given filters must match. */
export interface PlanFilter {
  suite?: readonly string[];
  group?: readonly string[];
  case?: readonly string[];
  grep?: RegExp;
  /** Only the cases with these ids (a retry of the same build). */
  ids?: readonly string[];
  /** Only the cases with these full names, `module > group > case` (--rerun-failed: positions change when tests are added, names do not). */
  names?: readonly string[];
  /** With `names`, or alone: only these of the cases that share a full name, by name and id (--rerun-failed of one of two same-named tests); the other filters' cases are those matching either. */
  twins?: readonly { readonly name: string; readonly id: string }[];
}

/** Every case of a plan, depth first, in plan order. */
export function planCases(node: PlanNode): PlanCase[] {
  return node.kind === 'case' ? [node] : node.children.flatMap(planCases);
}

/** The full name of a case as reports show it: `module > group > case`. */
export function fullName(c: Pick<PlanCase, 'path'>): string {
  return c.path.join(' > ');
}
