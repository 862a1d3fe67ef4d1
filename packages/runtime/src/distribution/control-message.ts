// The shape of the control messages nodes exchange once connected (docs/protocol.md §4): what control.ts handles,
// codec.ts encodes and remote.ts sends, in a file of its own so that those know it without knowing each other.
import type { ExitReason } from '../messages.js';
import type { Pid, Ref } from '../pid.js';

/** A control message: its operation, then its elements, in the order of docs/protocol.md's table. */
export type ControlMessage =
  | readonly [op: 'send', to: Pid, message: unknown]
  | readonly [op: 'reg_send', name: string, message: unknown]
  | readonly [op: 'link', from: Pid, to: Pid]
  | readonly [op: 'unlink', from: Pid, to: Pid]
  | readonly [op: 'exit', from: Pid, to: Pid, reason: ExitReason]
  | readonly [op: 'exit2', from: Pid, to: Pid, reason: ExitReason]
  | readonly [op: 'monitor', from: Pid, target: Pid | string, ref: Ref]
  | readonly [op: 'demonitor', from: Pid, target: Pid | string, ref: Ref]
  | readonly [op: 'down', target: Pid | string, to: Pid, ref: Ref, reason: ExitReason]
  | readonly [op: 'alias_send', alias: Ref, message: unknown];
