import { serialize, deserialize } from 'node:v8';
import { Pid, Ref } from '../pid.js';
import { Down, Exit } from '../messages.js';

/** Turns pids between local indexes and node names: the wire carries names, memory carries indexes. */
export interface PidTranslator {
  /** The node name a pid's node index stands for (index 0: this node). */
  nameOf(index: number): string;
  /** The index of a node name on this node (0 for this node), allocating one for a new name. */
  indexOf(name: string): number;
}

const TAG = '\u0000otp';

/** How a class crosses the wire: its fields as plain data, and back. */
interface WireClass {
  tag: string;
  cls: abstract new (...args: never[]) => unknown;
  toPlain(value: never, encode: (v: unknown) => unknown): Record<string, unknown>;
  fromPlain(plain: Record<string, unknown>, decode: (v: unknown) => unknown, t: PidTranslator): unknown;
}

const wireClasses: WireClass[] = [];
let replyClass: (abstract new (...args: never[]) => { tag: Ref; value: unknown }) | null = null;

/** Names the class of call replies, which distribution delivers only to a caller still waiting. */
export function markReplyClass(cls: abstract new (...args: never[]) => { tag: Ref; value: unknown }): void {
  replyClass = cls;
}

/** True for a call reply (see markReplyClass). */
export function isReply(m: unknown): m is { tag: Ref; value: unknown } {
  return replyClass !== null && m instanceof replyClass;
}

/** Lets a higher layer send its message classes across nodes (gen's call, cast and reply messages). */
export function registerWireClass<C>(
  tag: string,
  cls: abstract new (...args: never[]) => C,
  toPlain: (value: C, encode: (v: unknown) => unknown) => Record<string, unknown>,
  fromPlain: (plain: Record<string, unknown>, decode: (v: unknown) => unknown, t: PidTranslator) => C,
): void {
  wireClasses.push({ tag, cls, toPlain: toPlain as WireClass['toPlain'], fromPlain });
}

// Pids, refs and the runtime's message classes are not plain data: encode them as tagged objects.
function encodeValue(v: unknown, t: PidTranslator, depth: number): unknown {
  if (depth > 64) throw new Error('message is nested more than 64 levels deep');
  if (v instanceof Pid) return { [TAG]: 'pid', node: t.nameOf(v.node), id: v.id, serial: v.serial };
  if (v instanceof Ref) return { [TAG]: 'ref', node: t.nameOf(v.node), id: v.id };
  if (v instanceof Exit) return { [TAG]: 'exit', from: encodeValue(v.from, t, depth + 1), reason: encodeValue(v.reason, t, depth + 1) };
  if (v instanceof Down) return { [TAG]: 'down', ref: encodeValue(v.ref, t, depth + 1), pid: encodeValue(v.pid, t, depth + 1), reason: encodeValue(v.reason, t, depth + 1) };
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, t, depth + 1));
  if (v !== null && typeof v === 'object') {
    for (const w of wireClasses) if (v instanceof w.cls) return { [TAG]: w.tag, ...w.toPlain(v as never, (x) => encodeValue(x, t, depth + 1)) };
  }
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [encodeValue(k, t, depth + 1), encodeValue(x, t, depth + 1)]));
  if (v instanceof Set) return new Set([...v].map((x) => encodeValue(x, t, depth + 1)));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x, t, depth + 1);
    return out;
  }
  return v;
}

function decodeValue(v: unknown, t: PidTranslator): unknown {
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, t));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [decodeValue(k, t), decodeValue(x, t)]));
  if (v instanceof Set) return new Set([...v].map((x) => decodeValue(x, t)));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>;
    const w = typeof o[TAG] === 'string' ? wireClasses.find((c) => c.tag === o[TAG]) : undefined;
    if (w) return w.fromPlain(o, (x) => decodeValue(x, t), t);
    switch (o[TAG]) {
      case 'pid':
        return new Pid(t.indexOf(String(o.node)), Number(o.id), Number(o.serial));
      case 'ref':
        return new Ref(t.indexOf(String(o.node)), Number(o.id));
      case 'exit':
        return new Exit(decodeValue(o.from, t) as Pid, decodeValue(o.reason, t));
      case 'down':
        return new Down(decodeValue(o.ref, t) as Ref, decodeValue(o.pid, t) as Pid, decodeValue(o.reason, t));
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x, t);
    return out;
  }
  return v;
}

/** Serialises a control message for the wire (Node's v8 serializer, pids and refs by node name). */
export function encodeControl(message: unknown[], t: PidTranslator): Buffer {
  return serialize(encodeValue(message, t, 0));
}

/** Reads a control message; throws on anything that is not a well-formed one. */
export function decodeControl(buf: Buffer, t: PidTranslator): unknown[] {
  const v = decodeValue(deserialize(buf), t);
  if (!Array.isArray(v) || typeof v[0] !== 'string') throw new Error('a control message must be an array starting with its operation');
  return v;
}
