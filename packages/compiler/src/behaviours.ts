import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { codeServerOf, createNode, loggerOf } from '@otp-ts/runtime';
import { dependencyOrder, readBuiltModules } from '@otp-ts/runtime/tools';
import type { Diagnostic } from './errors.js';
import { clearingTimers } from './top-level-timers.js';

/** A kind of callback object and the callbacks it must and may have (each one a function when present). */
interface Shape {
  name: string;
  is: (o: Record<string, unknown>) => boolean;
  required: (o: Record<string, unknown>) => string[];
  optional: string[];
}

const shapes: Shape[] = [
  {
    name: 'gen_statem',
    is: (o) => 'callbackMode' in o,
    required: (o) => (o.callbackMode === 'handleEvent' ? ['init', 'handleEvent'] : ['init']),
    optional: ['terminate', 'codeChange', 'formatStatus'],
  },
  {
    name: 'gen_event handler',
    is: (o) => 'handleEvent' in o,
    required: () => ['init', 'handleEvent'],
    optional: ['handleCall', 'handleInfo', 'terminate', 'codeChange', 'formatStatus'],
  },
  {
    name: 'gen_server',
    is: (o) => 'handleCall' in o || 'handleCast' in o || 'handleInfo' in o,
    required: () => ['init'],
    optional: ['handleCall', 'handleCast', 'handleInfo', 'handleContinue', 'terminate', 'codeChange', 'formatStatus'],
  },
];

const applicationShape: Shape = { name: 'application module', is: () => true, required: () => ['start'], optional: ['prepStop', 'stop', 'configChange'] };

// How each callback is written, for the fix the diagnostic suggests.
const signatures: Record<string, string> = {
  start: 'start(type, args, ctx) { return supervisor.startLink(ctx, topSup, undefined); }',
  init: 'init(args, ctx) { return ok(state); }',
  handleEvent: 'handleEvent(event, state, ctx) { return ok(state); }',
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
const article = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : v === undefined ? 'missing' : article(typeof v));

/** A callback of a behaviour object that is missing or not a function: the export and the callback. */
interface Problem {
  exportName: string;
  behaviour: string;
  key: string;
  value: unknown;
}

/** The callbacks of `o` that `shape` needs as functions but are not. */
function problemsOf(exportName: string, o: Record<string, unknown>, shape: Shape): Problem[] {
  const out: Problem[] = [];
  for (const key of shape.required(o)) if (typeof o[key] !== 'function') out.push({ exportName, behaviour: shape.name, key, value: o[key] });
  for (const key of shape.optional) if (o[key] !== undefined && typeof o[key] !== 'function') out.push({ exportName, behaviour: shape.name, key, value: o[key] });
  if (shape.name === 'gen_statem' && o.callbackMode === 'stateFunctions') {
    // Only the handlers present are judged: a missing `states` is left to the type checker (fixtures use bare shapes).
    const states = isObject(o.states) ? o.states : {};
    for (const [state, fn] of Object.entries(states)) if (typeof fn !== 'function') out.push({ exportName, behaviour: shape.name, key: `states.${state}`, value: fn });
  }
  return out;
}

/** The behaviour problems of one module's exports (pure): each exported callback object judged by its shape. */
export function behaviourProblems(exports: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  for (const [exportName, value] of Object.entries(exports)) {
    if (!isObject(value)) continue;
    const shape = shapes.find((s) => s.is(value));
    if (shape) out.push(...problemsOf(exportName, value, shape));
  }
  return out;
}

/** The problems of an application module (otp.mod): its default export, or the export with `start`, needs start() and function-valued optional callbacks. */
export function applicationProblems(exports: Record<string, unknown>): Problem[] {
  const entry = 'default' in exports ? (['default', exports.default] as const) : Object.entries(exports).find(([, v]) => isObject(v) && typeof v.start === 'function');
  if (!entry) return [{ exportName: 'default', behaviour: applicationShape.name, key: 'start', value: undefined }];
  const [name, mod] = entry;
  if (!isObject(mod) && typeof mod !== 'function') return [{ exportName: name, behaviour: applicationShape.name, key: 'start', value: undefined }];
  return problemsOf(name, mod as Record<string, unknown>, applicationShape);
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The 1-based line of the first match of `re` at or after line `from`, with its column.
function findLine(lines: string[], re: RegExp, from = 0): { line: number; column: number } | undefined {
  for (let i = from; i < lines.length; i++) {
    const m = re.exec(lines[i]!);
    if (m) return { line: i + 1, column: m.index };
  }
  return undefined;
}

/** Where in the TypeScript source an export's callback is written: the callback's line inside the export's declaration, else the declaration's. */
export function locate(text: string, exportName: string, key: string): { line: number; column: number; lineText: string } {
  const lines = text.split('\n');
  let decl: { line: number; column: number } | undefined;
  if (exportName === 'default') {
    decl = findLine(lines, /\bexport\s+default\b/);
    const named = decl && /\bexport\s+default\s+([A-Za-z_$][\w$]*)\s*;?\s*$/.exec(lines[decl.line - 1]!)?.[1];
    if (named) decl = findLine(lines, new RegExp(`\\b(?:const|let|var|function|class)\\s+${escape(named)}\\b`)) ?? decl;
  } else {
    decl = findLine(lines, new RegExp(`\\b(?:const|let|var|function|class)\\s+${escape(exportName)}\\b`));
  }
  const field = key.split('.').pop()!;
  const at = (decl && findLine(lines, new RegExp(`^\\s*(?:async\\s+)?['"]?${escape(field)}['"]?\\s*[:(]`), decl.line - 1)) ?? decl ?? { line: 1, column: 0 };
  return { ...at, lineText: lines[at.line - 1] ?? '' };
}

function toDiagnostic(p: Problem, file: string, text: string): Diagnostic {
  const what = p.exportName === 'default' ? 'the default export' : `the export ${p.exportName}`;
  const field = p.key.split('.').pop()!;
  const fix = p.key.startsWith('states.') ? `make state ${field} a handler function (event, data, ctx) => ...` : `write ${p.key} as a function: ${signatures[p.key] ?? `${p.key}(...) { ... }`}`;
  return {
    text: `${what} is ${article(p.behaviour)} whose ${p.key} is ${describe(p.value)}, not a function: the code server cannot run or hot-swap it`,
    location: { file, ...locate(text, p.exportName, p.key) },
    suggestion: fix,
  };
}

/** The app's compiled output, its source folder, and its source file per module name. */
export interface CheckedApp {
  name: string;
  srcDir: string;
  outDir: string;
  mod?: string;
  sources: Record<string, string>;
}

/**
 * Loads an application's compiled modules into a throwaway node and checks that every exported
 * behaviour object (gen_server, gen_statem, gen_event handler, the otp.mod application module) has
 * functions where the behaviour calls one. An app whose modules do not load here is not judged: the
 * code server reports load failures itself, naming the module.
 */
export async function checkBehaviours(app: CheckedApp): Promise<Diagnostic[]> {
  return clearingTimers(() => judge(app));
}

// checkBehaviours' work, inside clearingTimers: the timers the modules' top levels start are cleared after.
async function judge(app: CheckedApp): Promise<Diagnostic[]> {
  const node = createNode();
  loggerOf(node).removeHandler('default');
  try {
    const code = codeServerOf(node);
    // Without their sourceMappingURL the modules load without reading and parsing their maps: nothing here prints a stack.
    const { sources } = await readBuiltModules(app.outDir);
    try {
      await code.loadAll(dependencyOrder(sources.map((s) => ({ ...s, code: s.code.replace(/\/\/# sourceMappingURL=\S+\s*$/, '') }))));
    } catch {
      return [];
    }
    const out: Diagnostic[] = [];
    for (const [module, source] of Object.entries(app.sources)) {
      const exports = code.exportsOf(module);
      const problems = [...behaviourProblems(exports), ...(module === app.mod ? applicationProblems(exports) : [])];
      if (problems.length === 0) continue;
      const file = join(app.srcDir, source);
      const text = await readFile(file, 'utf8');
      out.push(...problems.map((p) => toDiagnostic(p, file, text)));
    }
    return out;
  } finally {
    node.shutdown();
  }
}
