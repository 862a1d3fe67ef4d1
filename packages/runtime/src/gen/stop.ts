import { Down, TIMEOUT, type ExitReason } from '../messages.js';
import type { ProcessContext } from '../types.js';
import { termEquals } from '../terms.js';
import { checkCallTimeout, describe, downError, remoteByName, unreachable, whereisServer, type ServerRef } from './call.js';
import { CallError } from './errors.js';
import { From, SystemMessage } from './messages.js';

/**
 * Stops a behaviour process with `reason` through the sys protocol (its terminate runs) and waits until
 * it is gone (OTP's proc_lib:stop); throws `CallError` if it does not exist, outlives the timeout, or
 * exits with another reason than `reason` (its terminate crashed): OTP's stop exits with that reason.
 */
export async function stopBehaviour(ctx: ProcessContext, server: ServerRef, reason: ExitReason = 'normal', timeoutMs = Infinity): Promise<void> {
  // Checked before anything is sent, as OTP's stop exits with badarg and leaves the server running.
  checkCallTimeout(timeoutMs, 'stop');
  // A name on another node is monitored and sent to by name, as proc_lib:stop takes {Name, Node}.
  const remote = remoteByName(ctx, server);
  // As OTP's gen:stop of {Name, Node} from a node that is not alive, or of a Node that is no node name: exits {nodedown, Node}, nothing sent.
  const cannot = remote === undefined ? undefined : unreachable(ctx, remote, 'stop', 'stop');
  if (cannot !== undefined) throw cannot;
  const pid = remote ?? whereisServer(ctx, server);
  if (pid === undefined) throw new CallError('noproc', describe(server), 'stop');
  // As OTP's proc_lib:stop of self(): the process would wait forever for its own exit, its order queued behind the wait.
  if (pid === ctx.self()) throw new CallError('calling_self', describe(server), 'stop');
  const ref = ctx.monitor(pid);
  ctx.send(pid, new SystemMessage(new From(ctx.self(), ref), { type: 'terminate', reason }));
  const down = await ctx.receive((m): m is Down => m instanceof Down && m.ref === ref, timeoutMs);
  if (down === TIMEOUT) {
    ctx.demonitor(ref, { flush: true });
    throw new CallError('timeout', describe(server), 'stop', timeoutMs);
  }
  if (down.reason === 'noproc') throw new CallError('noproc', describe(server), 'stop');
  // As OTP's proc_lib:stop: a node that went down, or could not be reached, exits {nodedown, Node}.
  if (down.reason === 'noconnection') throw downError(ctx, pid, server, 'stop', 'noconnection', 'stop');
  if (!termEquals(down.reason, reason)) throw new CallError(down.reason, describe(server), 'stop');
}
