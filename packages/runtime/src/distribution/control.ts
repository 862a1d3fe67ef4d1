// What a node does with each control message it receives (docs/protocol.md §4; their shape is control-message.ts):
// one function per message.
import type { OtpNode } from '../node.js';
import { Down, type ExitReason } from '../messages.js';
import { Ref, type Pid } from '../pid.js';
import { isolation, payloadOf } from '../isolation.js';
import { awaitedTag, isReply } from '../wire.js';
import type { RemoteSignals } from './remote.js';
import type { ControlMessage } from './control-message.js';

/** The process (or alias) a control message is for on the receiving node; undefined for a registered name. */
export function targetOf(msg: ControlMessage): Pid | Ref | undefined {
  switch (msg[0]) {
    case 'send':
    case 'alias_send':
      return msg[1];
    case 'reg_send':
      return undefined;
    case 'monitor':
    case 'demonitor':
      return typeof msg[2] === 'string' ? undefined : msg[2];
    default:
      return msg[2];
  }
}

/** What handling a control message needs of the distribution that received it. */
export interface ControlTarget {
  readonly node: OtpNode;
  readonly remote: RemoteSignals;
  /** Answers over the existing connection to `nodeName` (a `noproc` exit or down). */
  tell(nodeName: string, message: ControlMessage): void;
  /** Drops a message `peer` sent to a process of another node, with a line (a node never relays). */
  dropRelay(peer: string, to: Pid): void;
  /** Whether `pid` names a process of `peer`: the only processes whose signals `peer` may carry. */
  isOf(peer: string, pid: Pid): boolean;
  /** The index pids and refs of the node `name` carry here. */
  indexOf(name: string): number;
}

// The connection each message (and a call's or cast's request in it) arrived over, by the decoded object: what a
// receiver that bounds a peer reads, rather than a node name the message claims for itself.
const senders = new WeakMap<object, string>();
// The local processes that read it (the global name server, pg's scope servers): only messages to them are noted. A
// WeakMap entry per message cost about 0.7 µs of the collector's ephemeron work (2M messages, a micro-benchmark), which
// every message from another node paid when all were noted.
const readers = new WeakSet<object>();

/** Internal: `proc` (a local process) reads wireSenderOf on what it receives from other nodes. */
export function readsWireSenders(proc: object | undefined): void {
  if (proc !== undefined) readers.add(proc);
}

function noteSender(m: unknown, peer: string, to: object | undefined): void {
  if (to === undefined || !readers.has(to) || typeof m !== 'object' || m === null) return;
  senders.set(m, peer);
  const payload = payloadOf(m);
  if (typeof payload === 'object' && payload !== null) senders.set(payload, peer);
}

/** The node whose connection delivered `m` (a message or a call's request as received), or undefined for one sent on this node. */
export function wireSenderOf(m: unknown): string | undefined {
  return typeof m === 'object' && m !== null ? senders.get(m) : undefined;
}

/** Handles one control message from `peer` (a connected node). */
export function handleControl(d: ControlTarget, peer: string, msg: ControlMessage): void {
  // What arrives from the wire is the receiver's own copy: message isolation has nothing to guard in it.
  isolation.fromWire = true;
  try {
    dispatch(d, peer, msg);
  } finally {
    isolation.fromWire = false;
  }
}

// A link, exit, monitor or demonitor speaks for its sender, which must be a process of the node that sent it, as
// Erlang requires (one naming a third node's process would make this node link to, or signal, a node of the peer's
// choosing): any other is refused as a malformed message, which closes the connection.
function checkSender(d: ControlTarget, peer: string, op: string, from: Pid): void {
  if (!d.isOf(peer, from)) throw new Error(`a ${op} whose sender is not a process of ${peer}`);
}

function dispatch(d: ControlTarget, peer: string, msg: ControlMessage): void {
  if (msg[0] !== 'send' && msg[0] !== 'reg_send' && msg[0] !== 'alias_send' && msg[0] !== 'down') checkSender(d, peer, msg[0], msg[1]);
  switch (msg[0]) {
    case 'send':
      return onSend(d, peer, msg[1], msg[2]);
    case 'alias_send':
      return onAliasSend(d, msg[1], msg[2]);
    case 'reg_send':
      noteSender(msg[2], peer, d.node.localProcess(d.node.whereis(String(msg[1]))));
      return onRegSend(d, msg[1], msg[2]);
    case 'link':
      return onLink(d, peer, msg[1], msg[2]);
    case 'unlink':
      return onUnlink(d, msg[1], msg[2]);
    case 'exit':
      return onExit(d, msg[1], msg[2], msg[3]);
    case 'exit2':
      return onExit2(d, msg[1], msg[2], msg[3]);
    case 'monitor':
      return onMonitor(d, peer, msg[1], msg[2], msg[3]);
    case 'demonitor':
      return onDemonitor(d, msg[1], msg[2], msg[3]);
    case 'down':
      return onDown(d, peer, msg[1], msg[2], msg[3], msg[4]);
    default: {
      // Every operation has its case (a new one fails to compile here); decodeControl refuses any other, a
      // message built by hand may still carry one.
      const unknownOp: never = msg;
      throw new Error(`unknown operation '${String((unknownOp as readonly unknown[])[0])}'`);
    }
  }
}

// A message for a local process. One for a process of a third node is dropped, as Erlang drops it: a peer must not
// make this node dial, or speak for it to, a node of the peer's choosing.
function onSend(d: ControlTarget, peer: string, to: Pid, m: unknown): void {
  const { node } = d;
  if (to.node !== 0) {
    d.dropRelay(peer, to);
    return;
  }
  if (!isReply(m)) {
    noteSender(m, peer, node.localProcess(to));
    node.send(to, m);
    return;
  }
  // A call's reply from another node: delivered only while the caller still waits on that call.
  const caller = node.localProcess(to);
  const waiting = caller?.activeCall;
  const tag = !caller || m.tag.node !== 0 ? undefined : waiting && waiting.node === 0 && waiting.id === m.tag.id ? waiting : awaitedTag(caller, m.tag.id);
  if (tag) caller!.deliver(new (m.constructor as new (tag: Ref, value: unknown) => unknown)(tag, m.value));
}

function onAliasSend({ node }: ControlTarget, alias: Ref, m: unknown): void {
  if (alias instanceof Ref && alias.node === 0) node.send(alias, m);
}

function onRegSend({ node }: ControlTarget, name: string, m: unknown): void {
  if (node.whereis(String(name)) !== undefined) node.send(String(name), m);
}

// `from` linked itself to a local process; a dead one answers with a `noproc` exit.
function onLink(d: ControlTarget, peer: string, from: Pid, to: Pid): void {
  const target = d.node.localProcess(to);
  if (target) d.remote.addLink(target, from, peer);
  else d.tell(peer, ['exit', to, from, 'noproc']);
}

function onUnlink(d: ControlTarget, from: Pid, to: Pid): void {
  const target = d.node.localProcess(to);
  if (target) d.remote.removeLink(target, from);
}

// A link's exit signal: only a link that still exists carries it.
function onExit(d: ControlTarget, from: Pid, to: Pid, reason: ExitReason): void {
  const target = d.node.localProcess(to);
  if (target && d.remote.removeLink(target, from)) d.node.signalProcess(target, from, reason, true);
}

function onExit2({ node }: ControlTarget, from: Pid, to: Pid, reason: ExitReason): void {
  const target = node.localProcess(to);
  if (target) node.signalProcess(target, from, reason, false);
}

// The local process a monitor names: by pid, or by the name registered here.
function monitored(node: OtpNode, target: Pid | string): ReturnType<OtpNode['localProcess']> {
  return typeof target === 'string' ? node.localProcess(node.whereis(target)) : node.localProcess(target);
}

// `from` monitors a local process; one that does not exist answers with a `noproc` down.
function onMonitor(d: ControlTarget, peer: string, from: Pid, target: Pid | string, ref: Ref): void {
  const local = monitored(d.node, target);
  if (local) d.remote.addWatcher(local, { watcher: from, ref, byName: typeof target === 'string' ? target : undefined }, peer);
  else d.tell(peer, ['down', target, from, ref, 'noproc']);
}

// Ends `from`'s monitor only: a ref another node's monitor holds names no monitor of `from`'s.
function onDemonitor(d: ControlTarget, from: Pid, target: Pid | string, ref: Ref): void {
  const local = monitored(d.node, target);
  if (local) d.remote.removeWatcher(local, from, ref);
}

// A process a local one monitors exited: the DOWN carries the original ref object, so `isDown(m, ref)` matches it by identity.
// Only a monitor on a process of `peer` ends: one on another node's process is that node's to end.
// A DOWN of a monitor by name names { name, node }, as OTP's {Name, Node}.
function onDown(d: ControlTarget, peer: string, target: Pid | string, to: Pid, ref: Ref, reason: ExitReason): void {
  const watcher = d.node.localProcess(to);
  const h = watcher ? d.remote.takeHeld(watcher, ref, d.indexOf(peer)) : undefined;
  if (watcher && h) watcher.deliver(new Down(h.ref, typeof target === 'string' ? { name: target, node: peer } : target, reason));
}
