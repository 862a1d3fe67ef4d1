// The message classes that cross nodes, registered by the layers that define them (gen's call, cast, reply
// and system messages; global's) and read by distribution's codec: it sits below both, so neither imports
// the other.
import type { Ref } from './pid.js';

/** Turns pids between local indexes and node names: the wire carries names, memory carries indexes. */
export interface PidTranslator {
  /** The node name a pid's node index stands for (index 0: this node). */
  nameOf(index: number): string;
  /** The index of a node name on this node (0 for this node), allocating one for a new name. */
  indexOf(name: string): number;
  /** The creation (which run of its node) pids with this index belong to, when known: the wire carries it (protocol 4). */
  creationOf?(index: number): number | undefined;
  /** The index of pids of the run `creation` of the node `name` (a past or not yet connected run gets one of its own). */
  incarnationOf?(name: string, creation: number): number;
  /** The index of a node name read from the wire (a pid or ref of a third node): as indexOf, within the node's limit on such names. */
  wireIndexOf?(name: string): number;
}

/** How a class crosses the wire: its fields as plain data, and back. */
export interface WireClass {
  tag: string;
  cls: abstract new (...args: never[]) => unknown;
  toPlain(value: never, encode: (v: unknown) => unknown): Record<string, unknown>;
  fromPlain(plain: Record<string, unknown>, decode: (v: unknown) => unknown, t: PidTranslator): unknown;
}

/** Every registered class, in registration order (the encoder tests them in turn). */
export const wireClasses: WireClass[] = [];
/** The registered classes by their tag on the wire (the decoder's lookup). */
export const wireByTag = new Map<string, WireClass>();
let replyClass: (abstract new (...args: never[]) => { tag: Ref; value: unknown }) | null = null;

/** Names the class of call replies, which distribution delivers only to a caller still waiting. */
export function markReplyClass(cls: abstract new (...args: never[]) => { tag: Ref; value: unknown }): void {
  replyClass = cls;
}

let awaited: ((caller: unknown, tagId: number) => Ref | undefined) | null = null;

/** Installs how to find a tag a process awaits beyond its active call (the generic layer's pending requests). */
export function setAwaitedTags(find: (caller: unknown, tagId: number) => Ref | undefined): void {
  awaited = find;
}

/** The local tag under which `caller` awaits the reply tagged `tagId`, other than its active call's, if any. */
export function awaitedTag(caller: unknown, tagId: number): Ref | undefined {
  return awaited?.(caller, tagId);
}

/** True for a call reply (see markReplyClass). */
export function isReply(m: unknown): m is { tag: Ref; value: unknown } {
  return replyClass !== null && m instanceof replyClass;
}

/**
 * Lets a higher layer send its message classes across nodes (gen's call, cast and reply messages).
 * `toPlain` returns the fields to send; `fromPlain` rebuilds the instance from them. The codec encodes
 * the fields itself (pids and refs included), so `encode` and `decode` are the identity: they remain
 * for the callers written against the earlier tree-walking codec.
 */
export function registerWireClass<C>(
  tag: string,
  cls: abstract new (...args: never[]) => C,
  toPlain: (value: C, encode: (v: unknown) => unknown) => Record<string, unknown>,
  fromPlain: (plain: Record<string, unknown>, decode: (v: unknown) => unknown, t: PidTranslator) => C,
): void {
  const w: WireClass = { tag, cls, toPlain: toPlain as WireClass['toPlain'], fromPlain };
  wireClasses.push(w);
  wireByTag.set(tag, w);
}
