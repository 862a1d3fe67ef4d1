import { serialize, deserialize } from 'node:v8';
import { Pid, Ref } from '../pid.js';
import { Down, Exit } from '../messages.js';
import { wireByTag, wireClasses, type PidTranslator } from '../wire.js';
import type { ControlMessage } from './control-message.js';
import { scanV8 } from './v8-scan.js';

export { awaitedTag, isReply, markReplyClass, registerWireClass, setAwaitedTags, type PidTranslator } from '../wire.js';

const identity = (v: unknown): unknown => v;

/** The operations of control messages, by their byte on the wire (docs/protocol.md §4). */
const OPS = ['', 'send', 'reg_send', 'link', 'unlink', 'exit', 'exit2', 'monitor', 'demonitor', 'down', 'alias_send'] as const;
const OP_CODES = new Map<string, number>(OPS.map((op, i) => [op, i]));

// Term tags (docs/protocol.md, "Encoding of values").
const T_UNDEFINED = 0x00;
const T_NULL = 0x01;
const T_FALSE = 0x02;
const T_TRUE = 0x03;
const T_SMALL_INT = 0x04;
const T_INT32 = 0x05;
const T_FLOAT64 = 0x06;
const T_SHORT_ASCII = 0x07;
const T_UTF8 = 0x08;
const T_UTF16 = 0x09;
const T_ARRAY = 0x10;
const T_OBJECT = 0x11;
const T_MAP = 0x12;
const T_SET = 0x13;
const T_BINARY = 0x14;
const T_PID_SENDER = 0x20;
const T_PID_RECEIVER = 0x21;
const T_PID_NAMED = 0x22;
const T_REF_SENDER = 0x23;
const T_REF_RECEIVER = 0x24;
const T_REF_NAMED = 0x25;
// Protocol 4: a pid or ref of another node by name and creation (which run of that node it belongs to).
const T_PID_RUN = 0x26;
const T_REF_RUN = 0x27;
const T_EXIT = 0x30;
const T_DOWN = 0x31;
const T_WIRE_CLASS = 0x32;
const T_V8 = 0x3f;

const MAX_DEPTH = 64;
const SHORT_STRING = 64;

/** The largest frame a connection takes by default (framing's MAX_FRAME, repeated: the codec imports no socket code). */
const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;

// What a decoded value costs the receiving node, estimated in bytes of memory (docs/protocol.md, "Limits"):
// a slot for every element, an object's header, a string's or buffer's bytes. Encoder and decoder charge the
// same amounts for the same bytes, so the sender refuses exactly what the receiver would refuse.
const COST_SLOT = 8;
const COST_OBJECT = 64;
const COST_ENTRY = 24;
const COST_STRING = 16;
const COST_HEAP_NUMBER = 16;

const SCAN_COSTS = { object: COST_OBJECT, slot: COST_SLOT, entry: COST_ENTRY, string: COST_STRING };

/** The memory a frame's values may take once decoded: twice the frame limit (a frame of one-byte elements would otherwise grow eightfold). */
export function decodeBudget(maxFrame: number): number {
  return 2 * maxFrame;
}

/** How a limit is reported: to the sender of a message (a throw from send), or about a received frame (a log line and the close). */
interface LimitErrors {
  deep(): Error;
  big(budget: number): Error;
}

const DECODE_ERRORS: LimitErrors = {
  deep: () => new Error(`a value is nested more than ${MAX_DEPTH} levels deep`),
  big: (budget) => new Error(`its values would take more than ${budget} bytes of memory once decoded (twice maxFrameBytes)`),
};

const ENCODE_ERRORS: LimitErrors = {
  deep: () => new Error(`message is nested more than ${MAX_DEPTH} levels deep`),
  big: (budget) => new Error(`message would take more than ${budget} bytes of memory on the receiving node (twice maxFrameBytes): send it in parts`),
};

// A send limited by the peer's smaller maxFrameBytes: the errors name that node and its limit.
function peerEncodeErrors(peerName: string): LimitErrors {
  return {
    deep: ENCODE_ERRORS.deep,
    big: (budget) => new Error(`message would take more than ${budget} bytes of memory on ${peerName} (twice its maxFrameBytes): send it in parts`),
  };
}

/**
 * The cost and nesting of a value that travels as Node's v8 serialization, as if the codec wrote it term by
 * term (the encoder walks what it serialises, the decoder what it deserialised: the same tree). Cycles and
 * shared subtrees count as the tree they unfold to, which is what forwarding it would write; the walk stops
 * at the budget or the depth limit, so it is bounded however the value is shaped.
 */
class V8Walk {
  constructor(
    public cost: number,
    private readonly budget: number,
    private readonly errors: LimitErrors,
  ) {}

  private charge(n: number): void {
    this.cost += n;
    if (this.cost > this.budget) throw this.errors.big(this.budget);
  }

  private string(s: string): void {
    this.charge(COST_STRING + ((s as unknown as { isWellFormed(): boolean }).isWellFormed() ? Buffer.byteLength(s, 'utf8') : 2 * s.length));
  }

  // Over ~50 lines on purpose: one branch per kind of value v8 serialises, mirroring writeTerm and writeObject.
  value(v: unknown, depth: number): void {
    if (typeof v === 'string') return this.string(v);
    if (typeof v === 'number') return (v | 0) === v && !(v === 0 && 1 / v < 0) ? undefined : this.charge(COST_HEAP_NUMBER);
    if (typeof v === 'bigint') return this.charge(COST_OBJECT);
    if (typeof v !== 'object' || v === null) return;
    if (depth >= MAX_DEPTH) throw this.errors.deep();
    this.charge(COST_OBJECT);
    depth++;
    if (Array.isArray(v)) {
      // Charged before it is walked: a sparse array of length 2^32-1 is refused without visiting its holes.
      this.charge(COST_SLOT * v.length);
      for (let i = 0; i < v.length; i++) this.value(v[i], depth);
    } else if (v instanceof Map) {
      this.charge(COST_ENTRY * v.size);
      for (const [k, x] of v) {
        this.value(k, depth);
        this.value(x, depth);
      }
    } else if (v instanceof Set) {
      this.charge(COST_SLOT * v.size);
      for (const x of v) this.value(x, depth);
    } else if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      this.charge(v.byteLength);
    } else if (v instanceof Error) {
      this.string(String(v.message));
      this.string(String(v.stack ?? ''));
    } else if (!(v instanceof Date || v instanceof RegExp || v instanceof Number || v instanceof String || v instanceof Boolean)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        this.charge(COST_ENTRY);
        this.string(k);
        this.value(o[k], depth);
      }
    }
  }
}

/**
 * A growable byte buffer frames are encoded into. A connection keeps one as its outgoing batch, so a
 * message costs no allocation of its own: it is written in place, after the frames before it.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  /** The estimated memory the message being written takes once decoded (see decodeBudget). */
  cost = 0;
  /** Set when a pid or ref was written with its node's creation (a form protocol 3 peers do not read). */
  runs = false;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far, handed over: the writer starts again empty (copying small batches into pooled memory). */
  take(): Buffer {
    const n = this.pos;
    this.pos = 0;
    if (n < 8192) {
      const out = Buffer.allocUnsafe(n);
      this.buf.copy(out, 0, 0, n);
      return out;
    }
    // A large batch leaves as it is (no copy); the next one gets a fresh buffer of the usual size.
    const out = this.buf.subarray(0, n);
    this.buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  u32(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(n, this.pos);
    this.pos += 4;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }
}

/** How to write pids for one peer: relative to the two ends of the connection, by name otherwise. */
interface EncodeContext {
  w: Writer;
  t: PidTranslator;
  /** The peer's node index on this node. */
  peer: number;
  /** The most the message may cost the receiver once decoded (see decodeBudget). */
  budget: number;
  /** How a limit is reported to the sender. */
  errors: LimitErrors;
  /** Whether the peer reads pids and refs by name and creation (protocol 4). */
  creations: boolean;
}

// Counts what a compound value will cost the receiver; refuses the message once over the budget.
function charge(c: EncodeContext, n: number): void {
  c.w.cost += n;
  if (c.w.cost > c.budget) throw c.errors.big(c.budget);
}

function writeString(w: Writer, s: string): void {
  const n = s.length;
  // Short ASCII (most atoms-as-strings, keys, tags): one byte a character, written without a native call.
  if (n < SHORT_STRING) {
    w.cost += COST_STRING + n;
    w.ensure(2 + n);
    const buf = w.buf;
    const start = w.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[start + 2 + i] = c;
    }
    if (i === n) {
      buf[start] = T_SHORT_ASCII;
      buf[start + 1] = n;
      w.pos = start + 2 + n;
      return;
    }
    w.cost -= COST_STRING + n;
  }
  // A string with a lone surrogate has no UTF-8 form: it goes as UTF-16 code units, unchanged.
  if ((s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    const len = Buffer.byteLength(s, 'utf8');
    w.cost += COST_STRING + len;
    w.ensure(5 + len);
    w.buf[w.pos] = T_UTF8;
    w.buf.writeUInt32BE(len, w.pos + 1);
    w.buf.write(s, w.pos + 5, len, 'utf8');
    w.pos += 5 + len;
  } else {
    w.cost += COST_STRING + 2 * n;
    w.ensure(5 + 2 * n);
    w.buf[w.pos] = T_UTF16;
    w.buf.writeUInt32BE(n, w.pos + 1);
    w.buf.write(s, w.pos + 5, 2 * n, 'utf16le');
    w.pos += 5 + 2 * n;
  }
}

function writeNumber(w: Writer, v: number): void {
  if ((v | 0) === v && !(v === 0 && 1 / v < 0)) {
    if (v >= 0 && v < 256) {
      w.ensure(2);
      w.buf[w.pos] = T_SMALL_INT;
      w.buf[w.pos + 1] = v;
      w.pos += 2;
    } else {
      w.ensure(5);
      w.buf[w.pos] = T_INT32;
      w.buf.writeInt32BE(v, w.pos + 1);
      w.pos += 5;
    }
    return;
  }
  w.cost += COST_HEAP_NUMBER;
  w.ensure(9);
  w.buf[w.pos] = T_FLOAT64;
  w.buf.writeDoubleBE(v, w.pos + 1);
  w.pos += 9;
}

// A pid or ref says which node it lives on: the sender, the receiver, or another node by name, with the
// creation of the run it belongs to when known, so a pid of a node's past run never names a process of its new one.
function writeNode(c: EncodeContext, node: number, tagSender: number, tagRun: number): void {
  if (node === 0) return c.w.byte(tagSender);
  if (node === c.peer) return c.w.byte(tagSender + 1);
  const creation = c.creations ? c.t.creationOf?.(node) : undefined;
  c.w.byte(creation === undefined ? tagSender + 2 : tagRun);
  writeString(c.w, c.t.nameOf(node));
  if (creation === undefined) return;
  c.w.u32(creation);
  c.w.runs = true;
}

function writePid(c: EncodeContext, p: Pid): void {
  c.w.cost += COST_OBJECT;
  writeNode(c, p.node, T_PID_SENDER, T_PID_RUN);
  c.w.ensure(8);
  c.w.buf.writeUInt32BE(p.id, c.w.pos);
  c.w.buf.writeUInt32BE(p.serial, c.w.pos + 4);
  c.w.pos += 8;
}

function writeRef(c: EncodeContext, r: Ref): void {
  c.w.cost += COST_OBJECT;
  writeNode(c, r.node, T_REF_SENDER, T_REF_RUN);
  c.w.ensure(8);
  c.w.buf.writeDoubleBE(r.id, c.w.pos);
  c.w.pos += 8;
}

function writeTerm(c: EncodeContext, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      return writeString(c.w, v);
    case 'number':
      return writeNumber(c.w, v);
    case 'boolean':
      return c.w.byte(v ? T_TRUE : T_FALSE);
    case 'undefined':
      return c.w.byte(T_UNDEFINED);
    case 'object':
      if (v === null) return c.w.byte(T_NULL);
      // The decoder's rule exactly: a 65th level is refused here, not by the receiver (which would close the connection).
      if (depth >= MAX_DEPTH) throw c.errors.deep();
      return writeObject(c, v, depth + 1);
    default:
      // bigint (and symbols and functions, which v8 refuses with a DataCloneError, as before).
      return writeV8(c, v, depth);
  }
}

// Over ~50 lines on purpose: one test per object kind in the order they are met most, on every message's
// encoding path (docs/protocol.md's table of tags, one branch each).
function writeObject(c: EncodeContext, v: object, depth: number): void {
  const w = c.w;
  if (Array.isArray(v)) {
    charge(c, COST_OBJECT + COST_SLOT * v.length);
    w.byte(T_ARRAY);
    w.u32(v.length);
    for (let i = 0; i < v.length; i++) writeTerm(c, v[i], depth);
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Object.prototype || proto === null) return writePlain(c, v as Record<string, unknown>, depth);
  if (v instanceof Pid) return writePid(c, v);
  if (v instanceof Ref) return writeRef(c, v);
  if (Buffer.isBuffer(v)) {
    charge(c, COST_OBJECT + v.length);
    w.byte(T_BINARY);
    w.u32(v.length);
    return w.bytes(v);
  }
  for (const wc of wireClasses) {
    if (!(v instanceof wc.cls)) continue;
    w.cost += COST_OBJECT;
    w.byte(T_WIRE_CLASS);
    writeString(w, wc.tag);
    return writePlain(c, wc.toPlain(v as never, identity), depth);
  }
  if (v instanceof Exit) {
    w.cost += COST_OBJECT;
    w.byte(T_EXIT);
    writeTerm(c, v.from, depth);
    return writeTerm(c, v.reason, depth);
  }
  if (v instanceof Down) {
    w.cost += COST_OBJECT;
    w.byte(T_DOWN);
    writeTerm(c, v.ref, depth);
    writeTerm(c, v.pid, depth);
    return writeTerm(c, v.reason, depth);
  }
  if (v instanceof Map) {
    charge(c, COST_OBJECT + COST_ENTRY * v.size);
    w.byte(T_MAP);
    w.u32(v.size);
    for (const [k, x] of v) {
      writeTerm(c, k, depth);
      writeTerm(c, x, depth);
    }
    return;
  }
  if (v instanceof Set) {
    charge(c, COST_OBJECT + COST_SLOT * v.size);
    w.byte(T_SET);
    w.u32(v.size);
    for (const x of v) writeTerm(c, x, depth);
    return;
  }
  // Dates, errors, typed arrays, instances of other classes: Node's v8 serializer, as structured clone does.
  // It was counted as one level already (writeTerm): what it holds starts one deeper, as for the decoder.
  writeV8(c, v, depth - 1);
}

function writePlain(c: EncodeContext, o: Record<string, unknown>, depth: number): void {
  const keys = Object.keys(o);
  charge(c, COST_OBJECT + COST_ENTRY * keys.length);
  c.w.byte(T_OBJECT);
  c.w.u32(keys.length);
  for (const k of keys) {
    writeString(c.w, k);
    writeTerm(c, o[k], depth);
  }
}

// The value is measured as the receiver will measure what it deserialises: nested too deep or too large is
// refused here, rather than closing the connection at the other end.
function writeV8(c: EncodeContext, v: unknown, depth: number): void {
  const { w } = c;
  const bytes = serialize(v);
  const walk = new V8Walk(w.cost + COST_OBJECT + bytes.length, c.budget, c.errors);
  walk.value(v, depth);
  w.cost = walk.cost;
  w.byte(T_V8);
  w.u32(bytes.length);
  w.bytes(bytes);
}

/**
 * Appends one control frame ([Length:32][Op:8][terms]) to `w`. On an error (a value that cannot be
 * sent, or one the receiver would refuse: too deep, too large for `maxFrame`) nothing is left in `w`.
 * `limitOf` names the peer when `maxFrame` is its limit rather than this node's (the errors say so).
 * `creations` false writes pids and refs of other nodes without their creation (a protocol 3 peer).
 * Afterwards `w.cost` holds what the message costs the receiver once decoded, `w.runs` whether a creation was written.
 */
export function writeControl(w: Writer, message: readonly unknown[], t: PidTranslator, peer: number, maxFrame = DEFAULT_MAX_FRAME, limitOf?: string, creations = true): void {
  const op = OP_CODES.get(message[0] as string);
  if (op === undefined || op === 0) throw new Error(`unknown operation '${String(message[0])}'`);
  const start = w.pos;
  try {
    w.ensure(5);
    w.pos += 4;
    w.buf[w.pos++] = op;
    w.cost = 0;
    w.runs = false;
    const c: EncodeContext = { w, t, peer, budget: decodeBudget(maxFrame), errors: limitOf === undefined ? ENCODE_ERRORS : peerEncodeErrors(limitOf), creations };
    for (let i = 1; i < message.length; i++) writeTerm(c, message[i], 0);
    charge(c, 0);
    const length = w.pos - start - 4;
    if (length > maxFrame) throw new Error(`message is ${length} bytes on the wire, over the ${maxFrame}-byte frame limit ${limitOf === undefined ? '(maxFrameBytes)' : `of ${limitOf} (its maxFrameBytes)`}: send it in parts`);
    w.buf.writeUInt32BE(length, start);
  } catch (error) {
    w.pos = start;
    throw unclonable(error, message) ?? error;
  }
}

// V8's "() => 1 could not be cloned." becomes one sentence naming what cannot cross, where, and the fix.
function unclonable(error: unknown, message: readonly unknown[]): Error | undefined {
  if (!(error instanceof Error) || !error.message.endsWith(' could not be cloned.')) return undefined;
  // The payload is the last term of a control message: it is searched first, so paths are the sender's.
  for (let i = message.length - 1; i > 0; i--) {
    const found = findUnclonable(message[i], '', new Set(), 0);
    if (found === undefined) continue;
    return new Error(`message holds ${found.what}${found.path === '' ? '' : ` at ${found.path}`}, which cannot be sent to another node: send data (strings, numbers, arrays, plain objects, pids) and name the function instead`);
  }
  return undefined;
}

const keyPath = (k: unknown): string => (typeof k === 'string' ? JSON.stringify(k) : typeof k === 'number' || typeof k === 'boolean' ? String(k) : '…');

// On the error path only: the first function or symbol in `v`, and its path (`.a[1].get("k")`); cycles are walked once.
function findUnclonable(v: unknown, path: string, seen: Set<object>, depth: number): { what: string; path: string } | undefined {
  if (typeof v === 'function') return { what: 'a function', path };
  if (typeof v === 'symbol') return { what: 'a symbol', path };
  if (typeof v !== 'object' || v === null || seen.has(v) || depth > MAX_DEPTH) return undefined;
  seen.add(v);
  const entries: Array<[unknown, string]> =
    v instanceof Map
      ? [...v].flatMap(([k, x]): Array<[unknown, string]> => [[k, `${path}.keys()`], [x, `${path}.get(${keyPath(k)})`]])
      : v instanceof Set
        ? [...v].map((x) => [x, `${path} (a Set element)`])
        : Array.isArray(v)
          ? v.map((x, i) => [x, `${path}[${i}]`])
          : Object.keys(v).map((k) => [(v as Record<string, unknown>)[k], /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`]);
  for (const [x, p] of entries) {
    const found = findUnclonable(x, p, seen, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Serialises a control message for the wire: its payload, without the length (docs/protocol.md §4). */
export function encodeControl(message: readonly unknown[], t: PidTranslator, peer: number, maxFrame = DEFAULT_MAX_FRAME, creations = true): Buffer {
  return encodeMeasured(message, t, peer, maxFrame, creations).payload;
}

/**
 * A control message serialised for the wire (its payload), what it costs the receiver once decoded (see
 * decodeBudget), and whether it holds a pid or ref with its node's creation (`runs`: a protocol 3 peer needs another encoding).
 */
export function encodeMeasured(message: readonly unknown[], t: PidTranslator, peer: number, maxFrame = DEFAULT_MAX_FRAME, creations = true): { payload: Buffer; cost: number; runs: boolean } {
  const w = new Writer(256);
  writeControl(w, message, t, peer, maxFrame, undefined, creations);
  return { payload: Buffer.from(w.buf.subarray(4, w.pos)), cost: w.cost, runs: w.runs };
}

/** Reads terms from one frame; every read is bounds-checked, so garbage throws instead of reading past the end. */
class Reader {
  pos = 0;
  private peerIndex = -1;
  /** The estimated memory of what was decoded so far (see decodeBudget). */
  private cost = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly t: PidTranslator,
    private readonly peer: string,
    private readonly budget: number,
  ) {}

  // Counts what a value will take in memory, before it is built: past the budget the frame is refused.
  private charge(n: number): void {
    this.cost += n;
    if (this.cost > this.budget) throw DECODE_ERRORS.big(this.budget);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) throw new Error('the frame ends inside a value');
    this.pos = at + n;
    return at;
  }

  byte(): number {
    return this.buf[this.need(1)]!;
  }

  private u32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }

  // A count of elements, each at least `min` bytes: a count the rest of the frame cannot hold is refused.
  private count(min: number): number {
    const n = this.u32();
    if (n * min > this.buf.length - this.pos) throw new Error('a count is larger than the frame');
    return n;
  }

  private string(tag: number): string {
    switch (tag) {
      case T_SHORT_ASCII: {
        const n = this.byte();
        const at = this.need(n);
        this.charge(COST_STRING + n);
        return this.buf.toString('latin1', at, at + n);
      }
      case T_UTF8: {
        const n = this.u32();
        const at = this.need(n);
        this.charge(COST_STRING + n);
        return this.buf.toString('utf8', at, at + n);
      }
      case T_UTF16: {
        const n = this.u32();
        const at = this.need(2 * n);
        this.charge(COST_STRING + 2 * n);
        return this.buf.toString('utf16le', at, at + 2 * n);
      }
      default:
        throw new Error(`expected a string, found tag ${tag}`);
    }
  }

  // The node of a pid or ref: relative to the connection (sender, receiver) or by name.
  private node(rel: number): number {
    if (rel === 0) {
      if (this.peerIndex < 0) this.peerIndex = this.t.indexOf(this.peer);
      return this.peerIndex;
    }
    if (rel === 1) return 0;
    const name = this.string(this.byte());
    return this.t.wireIndexOf ? this.t.wireIndexOf(name) : this.t.indexOf(name);
  }

  private pid(node: number): Pid {
    const at = this.need(8);
    return new Pid(node, this.buf.readUInt32BE(at), this.buf.readUInt32BE(at + 4));
  }

  // The node of a pid or ref by name and creation: the index of that run of the node (a past run has its own).
  private run(): number {
    const name = this.string(this.byte());
    const creation = this.u32();
    return this.t.incarnationOf ? this.t.incarnationOf(name, creation) : this.t.indexOf(name);
  }

  // Over ~50 lines on purpose: one switch over the tags of docs/protocol.md's table, one case each, on
  // every message's decoding path.
  term(depth: number): unknown {
    const tag = this.byte();
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_SMALL_INT:
        return this.byte();
      case T_INT32:
        return this.buf.readInt32BE(this.need(4));
      case T_FLOAT64:
        this.charge(COST_HEAP_NUMBER);
        return this.buf.readDoubleBE(this.need(8));
      case T_SHORT_ASCII:
      case T_UTF8:
      case T_UTF16:
        return this.string(tag);
      case T_PID_SENDER:
      case T_PID_RECEIVER:
      case T_PID_NAMED: {
        this.charge(COST_OBJECT);
        const node = this.node(tag - T_PID_SENDER);
        return this.pid(node);
      }
      case T_PID_RUN:
        this.charge(COST_OBJECT);
        return this.pid(this.run());
      case T_REF_RUN:
        this.charge(COST_OBJECT);
        return new Ref(this.run(), this.buf.readDoubleBE(this.need(8)));
      case T_REF_SENDER:
      case T_REF_RECEIVER:
      case T_REF_NAMED: {
        this.charge(COST_OBJECT);
        const node = this.node(tag - T_REF_SENDER);
        return new Ref(node, this.buf.readDoubleBE(this.need(8)));
      }
      case T_BINARY: {
        const n = this.u32();
        const at = this.need(n);
        this.charge(COST_OBJECT + n);
        // A copy: the message must not keep the whole received chunk alive.
        const out = Buffer.allocUnsafe(n);
        this.buf.copy(out, 0, at, at + n);
        return out;
      }
      case T_V8:
        return this.v8(depth);
    }
    if (depth >= MAX_DEPTH) throw DECODE_ERRORS.deep();
    return this.compound(tag, depth + 1);
  }

  // Measured as the sender measured it before serialising (V8Walk): what a sender's codec would refuse to
  // write is refused here, so a process forwarding what it received never meets a value it cannot send.
  private v8(depth: number): unknown {
    const n = this.u32();
    const at = this.need(n);
    this.charge(COST_OBJECT + n);
    // Measured before it is built too: Node's deserializer makes the whole value first.
    scanV8(this.buf, at, at + n, this.cost, this.budget, SCAN_COSTS, () => DECODE_ERRORS.big(this.budget));
    const v = deserialize(this.buf.subarray(at, at + n)) as unknown;
    const walk = new V8Walk(this.cost, this.budget, DECODE_ERRORS);
    walk.value(v, depth);
    this.cost = walk.cost;
    return v;
  }

  private compound(tag: number, depth: number): unknown {
    switch (tag) {
      case T_ARRAY: {
        const n = this.count(1);
        this.charge(COST_OBJECT + COST_SLOT * n);
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.term(depth);
        return a;
      }
      case T_OBJECT:
        return this.plain(depth);
      case T_MAP: {
        const n = this.count(2);
        this.charge(COST_OBJECT + COST_ENTRY * n);
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) m.set(this.term(depth), this.term(depth));
        return m;
      }
      case T_SET: {
        const n = this.count(1);
        this.charge(COST_OBJECT + COST_SLOT * n);
        const s = new Set<unknown>();
        for (let i = 0; i < n; i++) s.add(this.term(depth));
        return s;
      }
      case T_EXIT:
        this.charge(COST_OBJECT);
        return new Exit(this.term(depth) as Pid, this.term(depth));
      case T_DOWN:
        this.charge(COST_OBJECT);
        return new Down(this.term(depth) as Ref, this.term(depth) as Pid, this.term(depth));
      case T_WIRE_CLASS: {
        this.charge(COST_OBJECT);
        const name = this.string(this.byte());
        const w = wireByTag.get(name);
        if (!w) throw new Error(`unknown wire class '${name}'`);
        if (this.byte() !== T_OBJECT) throw new Error(`wire class '${name}' without its fields`);
        return w.fromPlain(this.plain(depth), identity, this.t);
      }
      default:
        throw new Error(`unknown tag ${tag}`);
    }
  }

  private plain(depth: number): Record<string, unknown> {
    const n = this.count(3);
    this.charge(COST_OBJECT + COST_ENTRY * n);
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.string(this.byte());
      const v = this.term(depth);
      // A key named __proto__ is data, as in the object that was sent, not the object's prototype.
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      else o[k] = v;
    }
    return o;
  }
}

// What each control message carries (docs/protocol.md §4): p a pid, n a registered name, P a pid or a
// name, r a ref, _ any term. A message of another shape is refused before anything acts on it.
const SHAPES: Record<(typeof OPS)[number], string> = { '': '', send: 'p_', reg_send: 'n_', link: 'pp', unlink: 'pp', exit: 'pp_', exit2: 'pp_', monitor: 'pPr', demonitor: 'pPr', down: 'Ppr_', alias_send: 'r_' };

function fits(kind: string, v: unknown): boolean {
  if (kind === 'p') return v instanceof Pid;
  if (kind === 'n') return typeof v === 'string';
  if (kind === 'P') return v instanceof Pid || typeof v === 'string';
  if (kind === 'r') return v instanceof Ref;
  return true;
}

/**
 * Reads a control message from `peer` ([Op:8][terms]); throws on anything that is not a well-formed one, or
 * one the sender's codec would have refused to write (nested too deep, too large once decoded for `maxFrame`).
 */
export function decodeControl(buf: Buffer, t: PidTranslator, peer: string, maxFrame = DEFAULT_MAX_FRAME): ControlMessage {
  const r = new Reader(buf, t, peer, decodeBudget(maxFrame));
  const op = OPS[r.byte()];
  if (!op) throw new Error(`unknown operation ${buf[0]}`);
  const out: unknown[] = [op];
  const shape = SHAPES[op];
  const wrongShape = (): Error => new Error(`a '${op}' message of the wrong shape`);
  // No more elements than its shape has: a frame of millions of one-byte terms is refused at the first extra one,
  // not after building them all (a 64 MiB frame of them took seconds and over a gigabyte).
  while (!r.done) {
    if (out.length > shape.length) throw wrongShape();
    out.push(r.term(0));
  }
  if (out.length !== shape.length + 1 || !shape.split('').every((kind, i) => fits(kind, out[i + 1]))) throw wrongShape();
  // Its operation and the shape its elements were just checked against are those of ControlMessage's member.
  return out as unknown as ControlMessage;
}
