/**
 * Message isolation (dev and test profiles). The BEAM copies a message into the receiver's heap, so a
 * sender that changes an object after sending it changes only its own copy; here sender and receiver
 * share the object. With isolation on, every local message is deep-frozen as it is delivered, so a
 * later change throws a TypeError where it is made instead of silently reaching the receiver.
 *
 * What is frozen: plain objects (prototype Object.prototype or null) and arrays, through every level
 * (values under symbol keys too), including the requests and replies inside gen_server calls, casts and
 * replies. A getter's value is frozen when it can be read (one that throws is skipped), and a proxy that
 * refuses to be frozen is left as it is: delivery never throws. What is left alone:
 * pids and refs, Maps and Sets, typed arrays, Buffers and ArrayBuffers (they cannot be frozen), class
 * instances (a user's or the runtime's own, e.g. table handles and contexts, whose state the runtime
 * changes), functions, and anything already frozen (not walked again: an object frozen by hand keeps
 * unfrozen children unfrozen).
 */
export const isolation = {
  on: false,
  /** True while distribution delivers what it decoded: a fresh copy only the receiver holds, never frozen. */
  fromWire: false,
};

/** Why isolation is on or off: the profile from `OTP_PROFILE` or `OTP_MESSAGE_ISOLATION`, or a call of `setMessageIsolation`. */
export function profileIsolation(env: Record<string, string | undefined>): boolean {
  const flag = env.OTP_MESSAGE_ISOLATION;
  if (flag === 'on' || flag === '1' || flag === 'true') return true;
  if (flag === 'off' || flag === '0' || flag === 'false') return false;
  const profile = env.OTP_PROFILE;
  return profile === 'dev' || profile === 'test';
}

isolation.on = profileIsolation(process.env);

/**
 * Turns message isolation on or off for every node of this Node.js process; returns the previous
 * setting. By default it follows the profile: on when `OTP_PROFILE` is `dev` or `test` (set by
 * `otp shell` and `otp test`), off otherwise (releases, plain `node`); `OTP_MESSAGE_ISOLATION=on|off`
 * overrides the profile.
 */
export function setMessageIsolation(on: boolean): boolean {
  const was = isolation.on;
  isolation.on = on;
  return was;
}

/** Whether messages are deep-frozen as they are delivered (see setMessageIsolation). */
export function messageIsolation(): boolean {
  return isolation.on;
}

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

/** Deep-freezes what a message shares with its sender (see `isolation`). */
export function isolateMessage(message: unknown): void {
  if (typeof message !== 'object' || message === null || isolation.fromWire) return;
  const proto = Object.getPrototypeOf(message) as unknown;
  if (proto === OBJECT_PROTO || proto === ARRAY_PROTO || proto === null) {
    freeze(message, 0);
    return;
  }
  // The runtime's own wrappers (calls, casts, replies): their payload is the user's.
  const payload = payloads.get(proto as object);
  if (payload !== undefined) freeze(payload(message), 0);
}

// What of a wrapper class's instance is the user's payload, by the class's prototype.
const payloads = new Map<object, (message: object) => unknown>();

/** Internal: the user's payload of one of the behaviours' message wrappers (a call's request), or undefined for any other message. */
export function payloadOf(message: unknown): unknown {
  if (typeof message !== 'object' || message === null) return undefined;
  return payloads.get(Object.getPrototypeOf(message) as object)?.(message);
}

/** Internal: the behaviours' message wrappers declare their payload, which isolation freezes. */
export function isolatePayload<C extends object>(cls: abstract new (...args: never[]) => C, payload: (message: C) => unknown): void {
  payloads.set(cls.prototype as object, payload as (message: object) => unknown);
}

// Deep enough for any real message; a deeper one is frozen to this depth.
const MAX_DEPTH = 256;

function freeze(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || Object.isFrozen(value)) return;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== ARRAY_PROTO && proto !== OBJECT_PROTO && proto !== null) return;
  // A proxy may refuse to be frozen: it is left as it is, as a class instance is, never a throw in delivery
  // (which may run in a timer, where a throw would end the Node.js process).
  try {
    Object.freeze(value);
  } catch {
    return;
  }
  if (proto === ARRAY_PROTO) {
    const a = value as unknown[];
    for (let i = 0; i < a.length; i++) freeze(a[i], depth + 1);
    return;
  }
  const o = value as Record<string | symbol, unknown>;
  for (const key in o) freeze(read(o, key), depth + 1);
  const symbols = Object.getOwnPropertySymbols(o);
  for (let i = 0; i < symbols.length; i++) freeze(read(o, symbols[i]!), depth + 1);
}

// A property's value; a getter that throws is the user's, never a throw in the runtime's delivery.
function read(o: Record<string | symbol, unknown>, key: string | symbol): unknown {
  try {
    return o[key];
  } catch {
    return undefined;
  }
}
