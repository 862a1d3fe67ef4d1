import { randomBytes } from 'node:crypto';
import { types } from 'node:util';

/**
 * An rpc result as the JSON `otp rpc` and `bin/<name> rpc` print, keeping what plain JSON.stringify loses or
 * refuses: a BigInt is its exact digits (JSON numbers have no size limit; stringify throws on it), a Map is an
 * object of its entries (an array of [key, value] pairs when a key is not a string or number, or two keys
 * would print alike), a Set an array; stringify makes `{}` of both. `undefined` at the top is the word.
 */
export function rpcResultJson(value: unknown): string {
  // JSON has no undefined: a function that returns nothing (or a function, a symbol) prints null, as JSON prints it in an array.
  if (value === undefined) return 'null';
  // A BigInt goes out as a marked string, then the marks are replaced by the digits; the mark is random so no string of the value can forge one.
  const mark = `\u0000${randomBytes(6).toString('hex')}:`;
  let bigints = false;
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') {
        bigints = true;
        return `${mark}${v}`;
      }
      if (types.isMap(v)) return mapJson(v as Map<unknown, unknown>);
      if (types.isSet(v)) return [...(v as Set<unknown>)];
      return v;
    },
    2,
  );
  if (text === undefined) return 'null';
  return bigints ? text.replace(new RegExp(`"${JSON.stringify(mark).slice(1, -1).replace(/\\/g, '\\\\')}(-?\\d+)"`, 'g'), '$1') : text;
}

function mapJson(m: Map<unknown, unknown>): Record<string, unknown> | Array<[unknown, unknown]> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) {
    const key = typeof k === 'string' ? k : typeof k === 'number' && Number.isFinite(k) ? String(k) : undefined;
    if (key === undefined || Object.prototype.hasOwnProperty.call(out, key)) return [...m];
    out[key] = v;
  }
  return out;
}
