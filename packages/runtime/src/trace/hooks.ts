import type { Pid } from '../pid.js';
import type { ExitReason } from '../messages.js';
import type { ProcessImpl } from '../process.js';
import type { Dest } from '../types.js';

/**
 * What the runtime tells the trace agent, through `node.trace`, while a session traces messages or
 * process events. With no such session `node.trace` is null and none of these is called.
 */
export interface TraceHooks {
  /** A process sends a message: the hook performs the send itself (so the receiver learns the sender). */
  send(from: ProcessImpl, dest: Dest, message: unknown): void;
  /** A message enters the mailbox of a process whose `traced` flag is set. */
  receive(to: ProcessImpl, message: unknown): void;
  /** A process was spawned (parent null when spawned from outside any process). */
  spawn(parent: ProcessImpl | null, child: ProcessImpl): void;
  /** A process exits with `reason` (called before its links and monitors fire). */
  exit(proc: ProcessImpl, reason: ExitReason): void;
  /** A process links itself to `other` (linked true) or unlinks. */
  link(proc: ProcessImpl, other: Pid, linked: boolean): void;
  /** A name is registered to a process (registered true) or unregistered. */
  register(proc: ProcessImpl, name: string, registered: boolean): void;
}
