import { inspect } from 'node:util';
import type { OtpNode } from '../node.js';
import type { ProcessContext } from '../types.js';

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>;

// An expression is tried first (`1 + 1`, `whereis('x')`), then the text as statements (`const a = 1; return a`).
function compile(source: string, names: string[]): (...args: unknown[]) => Promise<unknown> {
  try {
    return new AsyncFunction(...names, `return (${source}\n);`);
  } catch {
    return new AsyncFunction(...names, source);
  }
}

/**
 * Evaluates JavaScript inside a node, in a process of its own, with `ctx`, `node` and the runtime's API
 * in scope (what `otp remote` and `bin/<name> eval` send); returns the value formatted on the node,
 * bounded in depth and length so a huge value never crosses the wire whole.
 */
export async function evaluate(node: OtpNode, api: Record<string, unknown>, source: string): Promise<string> {
  if (typeof source !== 'string' || source.trim() === '') throw new Error('eval needs JavaScript source text, e.g. "processes().length"');
  const scope: Record<string, unknown> = { ...api, node, processes: () => node.processes(), whereis: (name: string) => node.whereis(name), processInfo: node.processInfo.bind(node) };
  const names = Object.keys(scope).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k));
  const fn = compile(source, ['ctx', ...names]);
  // The evaluating process catches what the code throws: a typo at a remote prompt is an answer, not a crash report.
  const outcome = await node.run(async (ctx: ProcessContext) => {
    try {
      return { value: await fn(ctx, ...names.map((n) => scope[n])) };
    } catch (error) {
      return { error };
    }
  });
  if ('error' in outcome) throw outcome.error;
  const value = outcome.value;
  return inspect(value, { depth: 4, maxArrayLength: 50, maxStringLength: 2000, breakLength: 100 });
}
