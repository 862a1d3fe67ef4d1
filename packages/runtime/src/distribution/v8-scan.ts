// A v8 serialization from the wire, measured before it is deserialised: Node's deserializer builds the whole value
// first, so a small payload of one-byte elements (holes, empty objects) would take many times its size in memory
// (a 50 MB payload of empty objects: 1.3 GB, 38 s) before the codec's walk could refuse it. The scan charges a
// lower bound of what that walk charges, so whatever a sender's codec accepts passes it; payloads it does not
// understand are left to the walk after deserialising, as before.

/** What the scan charges, as the codec's V8Walk does (the same constants). */
export interface ScanCosts {
  object: number;
  slot: number;
  entry: number;
  string: number;
}

/** The scan met something it does not read: it stops, and the payload is measured after deserialising instead. */
class Unknown extends Error {}

const DEEPEST = 256;

/** Reads one v8 payload's structure, charging each allocation before any is made. */
class V8Scan {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
    public cost: number,
    private readonly budget: number,
    private readonly costs: ScanCosts,
    private readonly over: () => Error,
  ) {
    this.pos = start;
  }

  private charge(n: number): void {
    this.cost += n;
    if (this.cost > this.budget) throw this.over();
  }

  private byte(): number {
    if (this.pos >= this.end) throw new Unknown();
    return this.buf[this.pos++]!;
  }

  private peek(): number {
    if (this.pos >= this.end) throw new Unknown();
    return this.buf[this.pos]!;
  }

  private varint(): number {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new Unknown();
  }

  private skip(n: number): void {
    if (n > this.end - this.pos) throw new Unknown();
    this.pos += n;
  }

  /** The header (0xFF, version), then one value. */
  top(): void {
    if (this.byte() !== 0xff) throw new Unknown();
    this.varint();
    this.value(0, true);
  }

  // Over ~50 lines on purpose: one case per tag of v8's value serializer, in one switch.
  value(depth: number, charged: boolean): void {
    if (depth > DEEPEST) throw new Unknown();
    const c = charged ? 1 : 0;
    const tag = this.byte();
    switch (String.fromCharCode(tag)) {
      case '\0': // padding
        return this.value(depth, charged);
      case '?': // verify object count
        this.varint();
        return this.value(depth, charged);
      case '_': case '0': case 'T': case 'F': case '-': case 'y': case 'x':
        if (tag === 0x79 || tag === 0x78) this.charge(c * this.costs.object);
        return;
      case 'I': case 'U': case '^':
        this.varint();
        return;
      case 'N':
        return this.skip(8);
      case 'n': case 'D':
        this.charge(c * this.costs.object);
        return this.skip(8);
      case 'Z': case 'z':
        this.charge(c * this.costs.object);
        return this.skip(Math.floor(this.varint() / 2));
      case '"': case 'c': case 'S': {
        const n = this.varint();
        // A two-byte string's units each take one byte or more once counted as UTF-8; a UTF-8 one may shrink.
        this.charge(c * (this.costs.string + (tag === 0x22 ? n : tag === 0x63 ? Math.floor(n / 2) : 0)));
        return this.skip(n);
      }
      case 's': // a String object: its string is not counted
        this.charge(c * this.costs.object);
        return this.value(depth + 1, false);
      case 'R':
        this.charge(c * this.costs.object);
        this.value(depth + 1, false);
        this.varint();
        return;
      case 'o':
        this.charge(c * this.costs.object);
        return this.pairs(0x7b, 1, depth + 1, charged, true);
      case 'A': {
        const n = this.varint();
        this.charge(c * (this.costs.object + this.costs.slot * n));
        for (let i = 0; i < n; i++) this.value(depth + 1, charged);
        return this.pairs(0x24, 2, depth + 1, charged, false);
      }
      case 'a':
        this.charge(c * (this.costs.object + this.costs.slot * this.varint()));
        return this.pairs(0x40, 2, depth + 1, charged, false);
      case ';': case "'":
        this.charge(c * this.costs.object);
        return this.until(tag === 0x3b ? 0x3a : 0x2c, depth + 1, charged);
      case 'B': case '\\': {
        if (tag === 0x5c) this.varint();
        const n = this.varint();
        this.charge(c * (this.costs.object + n));
        return this.skip(n);
      }
      case 'r':
        this.charge(c * this.costs.object);
        return this.error(depth + 1, charged);
      default:
        throw new Unknown();
    }
  }

  // Values up to the end tag, then its count.
  private until(endTag: number, depth: number, charged: boolean): void {
    while (this.peek() !== endTag) this.value(depth, charged);
    this.pos++;
    this.varint();
  }

  // Key and value pairs up to the end tag, then `counts` varints. An object's keys and values are walked; an array's
  // only its elements (numeric keys).
  private pairs(endTag: number, counts: number, depth: number, charged: boolean, isObject: boolean): void {
    while (this.peek() !== endTag) {
      const key = this.peek();
      const numeric = key === 0x49 || key === 0x55;
      this.value(depth, charged && isObject);
      this.value(depth, charged && (isObject || numeric));
    }
    this.pos++;
    for (let i = 0; i < counts; i++) this.varint();
  }

  // An error: its prototype, message, stack and cause, each a sub-tag; the walk counts the message and the stack.
  private error(depth: number, charged: boolean): void {
    for (;;) {
      const sub = String.fromCharCode(this.byte());
      if (sub === '.') return;
      if (sub === 'm' || sub === 's') this.value(depth, charged);
      else if (sub === 'c') this.value(depth, false);
      else if (!'ERFSTU'.includes(sub)) throw new Unknown();
    }
  }
}

/**
 * Charges `buf[start, end)`, a v8 serialization, from `cost` on: throws `over()` once the charge passes `budget`,
 * before anything is deserialised. Returns quietly for a payload within it, or one it cannot read (left to the walk).
 */
export function scanV8(buf: Buffer, start: number, end: number, cost: number, budget: number, costs: ScanCosts, over: () => Error): void {
  try {
    new V8Scan(buf, start, end, cost, budget, costs, over).top();
  } catch (error) {
    if (!(error instanceof Unknown)) throw error;
  }
}
