import { matchPattern, _ } from '@otp-ts/runtime';
import { deepEqual } from './equal.js';
import { show } from './format.js';

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set) && !(v instanceof Date) && !(v instanceof RegExp);

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  if (isPlain(v) && Object.getPrototypeOf(v) === Object.getPrototypeOf({})) return 'object';
  if (isPlain(v)) return `instance:${v.constructor?.name ?? ''}`;
  return 'leaf';
}

/**
 * A line diff of two values, deep and structural: `-` lines show the expected side, `+` lines the actual
 * side, and unchanged parts are kept as context. Objects by key, arrays by index, Maps by key, Sets by member.
 */
export function diffValues(expected: unknown, actual: unknown): string {
  return ['- expected', '+ actual', '', ...diffLines(expected, actual, '', '', false)].join('\n');
}

/** A diff of a pattern against a value (assertMatch): `_` and keys the pattern does not name are never differences. */
export function diffPattern(pattern: unknown, actual: unknown): string {
  return ['- pattern', '+ actual', '', ...diffLines(pattern, actual, '', '', true)].join('\n');
}

function diffLines(exp: unknown, act: unknown, indent: string, label: string, partial: boolean): string[] {
  if (partial ? exp === _ || matchPattern(exp, act) : deepEqual(exp, act)) return [`  ${indent}${label}${show(act)}`];
  const kind = kindOf(exp);
  if (kind === 'leaf' || kind !== kindOf(act)) return [`- ${indent}${label}${show(exp)}`, `+ ${indent}${label}${show(act)}`];
  const inner = `${indent}  `;
  const body: string[] = [];
  if (kind === 'array') {
    const a = exp as unknown[];
    const b = act as unknown[];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= b.length) body.push(`- ${inner}${show(a[i])},`);
      else if (i >= a.length) body.push(`+ ${inner}${show(b[i])},`);
      else body.push(...comma(diffLines(a[i], b[i], inner, '', partial)));
    }
    return [`  ${indent}${label}[`, ...body, `  ${indent}]`];
  }
  if (kind === 'set') {
    const a = [...(exp as Set<unknown>)];
    const b = [...(act as Set<unknown>)];
    for (const v of a) body.push(`${b.some((w) => deepEqual(v, w)) ? ' ' : '-'} ${inner}${show(v)},`);
    for (const w of b) if (!a.some((v) => deepEqual(v, w))) body.push(`+ ${inner}${show(w)},`);
    return [`  ${indent}${label}Set {`, ...body, `  ${indent}}`];
  }
  const [a, b, open] = kind === 'map'
    ? [exp as Map<unknown, unknown>, act as Map<unknown, unknown>, 'Map {']
    : [new Map<unknown, unknown>(Object.entries(exp as object)), new Map<unknown, unknown>(Object.entries(act as object)), kind === 'object' ? '{' : `${kind.slice(9)} {`];
  const keyText = (k: unknown): string => (kind === 'map' ? `${show(k)} => ` : `${/^[A-Za-z_$][\w$]*$/.test(String(k)) ? String(k) : show(k)}: `);
  for (const [k, v] of a) {
    if (!b.has(k)) body.push(`- ${inner}${keyText(k)}${show(v)},`);
    else body.push(...comma(diffLines(v, b.get(k), inner, keyText(k), partial)));
  }
  if (!partial) for (const [k, v] of b) if (!a.has(k)) body.push(`+ ${inner}${keyText(k)}${show(v)},`);
  return [`  ${indent}${label}${open}`, ...body, `  ${indent}}`];
}

function comma(lines: string[]): string[] {
  const out = lines.slice();
  out[out.length - 1] = `${out[out.length - 1]!},`;
  if (out.length === 2 && out[0]!.startsWith('-') && out[1]!.startsWith('+')) out[0] = `${out[0]},`;
  return out;
}
