import { codeServerOf, createNode, type ModuleChange } from '@otp-ts/runtime';
import { readBuiltModules } from '@otp-ts/runtime/tools';
import { clearingTimers } from '@otp-ts/compiler';

type Behaviour = NonNullable<ModuleChange['behaviour']>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
const hasFn = (o: Record<string, unknown>, key: string): boolean => typeof o[key] === 'function';

function isSupervisor(o: Record<string, unknown>): boolean {
  const fns = Object.keys(o).filter((k) => hasFn(o, k));
  return fns.includes('init') && fns.every((k) => k === 'init' || k === 'name');
}

const rules: ReadonlyArray<[Behaviour, (o: Record<string, unknown>) => boolean]> = [
  ['gen_statem', (o) => 'callbackMode' in o],
  ['gen_event', (o) => hasFn(o, 'handleEvent')],
  ['gen_server', (o) => hasFn(o, 'handleCall') || hasFn(o, 'handleCast') || hasFn(o, 'handleInfo')],
  ['supervisor', isSupervisor],
];

/** The behaviour a module's exports implement, judged by the callback objects it exports (pure). */
export function behaviourOf(exports: Record<string, unknown>): Behaviour | undefined {
  const objects = Object.values(exports).filter(isObject);
  return rules.find(([, test]) => objects.some(test))?.[0];
}

/**
 * The behaviours of chosen modules, found by loading their applications' compiled modules into a
 * throwaway node and looking at what they export. An application that cannot be loaded there is a
 * warning: its modules get no behaviour (and so no codeChange).
 */
export async function detectBehaviours(apps: ReadonlyArray<{ name: string; vsn: string; dir: string }>, modules: ReadonlySet<string>, warnings: string[]): Promise<Map<string, Behaviour>> {
  // Timers the modules' top levels start there are cleared after: they would keep `otp release` from ending.
  return clearingTimers(() => behavioursOf(apps, modules, warnings));
}

async function behavioursOf(apps: ReadonlyArray<{ name: string; vsn: string; dir: string }>, modules: ReadonlySet<string>, warnings: string[]): Promise<Map<string, Behaviour>> {
  const out = new Map<string, Behaviour>();
  if (modules.size === 0) return out;
  const node = createNode();
  try {
    const code = codeServerOf(node);
    for (const app of apps) {
      const { sources } = await readBuiltModules(app.dir);
      if (!sources.some((s) => modules.has(s.name))) continue;
      try {
        await code.loadAll(sources);
      } catch (error) {
        warnings.push(`the modules of ${app.name} ${app.vsn} do not load outside the release (${(error as Error).message}): the relup names no behaviour for them, so their processes get no codeChange`);
        continue;
      }
      for (const s of sources) {
        const behaviour = modules.has(s.name) ? behaviourOf(code.exportsOf(s.name)) : undefined;
        if (behaviour) out.set(s.name, behaviour);
      }
    }
  } finally {
    node.shutdown();
  }
  return out;
}
