import type { OtpNode, Pid, ProcessContext } from '@otp-ts/runtime';
import { waitingTable } from '../assert/process.js';
import { timerDelay } from './protocol.js';

/** How a timeboxed process run ended. */
export type Boxed<T> = { ok: true; value: T } | { ok: false; error: unknown } | { ok: false; timedOut: string };

/** Where a process is waiting, for a timeout message: the pending assertion if any, its status and mailbox. */
export function whereWaiting(node: OtpNode, pid: Pid): string {
  const info = node.processInfo(pid);
  if (info === undefined) return `${pid} had already exited`;
  const assertion = waitingTable().get(String(pid));
  // 'running' at a timeout means awaiting something that is not a message (the event loop turns: it cannot be busy).
  const waiting = assertion ? ` waiting in ${assertion}` : info.status === 'waiting' ? ' waiting (in a receive or a sleep)' : info.status === 'running' ? ' awaiting something other than a message (a promise that never settled?)' : ` ${info.status}`;
  return `${pid} was${waiting}, with ${info.messageQueueLen} message(s) in its mailbox`;
}

/** Runs `fn` as a fresh process, killing it after `timeoutMs`; the pid is handed to `onPid` as soon as it exists. */
export function runBoxed<T>(node: OtpNode, timeoutMs: number, fn: (ctx: ProcessContext) => T | Promise<T>, onPid?: (pid: Pid) => void): Promise<Boxed<T>> {
  return new Promise((resolve) => {
    let pid: Pid | undefined;
    let settled = false;
    const settle = (r: Boxed<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      const where = pid ? whereWaiting(node, pid) : 'the process never started';
      if (pid && node.isAlive(pid)) node.exit(pid, 'kill');
      settle({ ok: false, timedOut: `timed out after ${timeoutMs} ms: ${where}` });
    }, timerDelay(timeoutMs));
    node
      .run(async (ctx) => {
        pid = ctx.self();
        onPid?.(pid);
        return fn(ctx);
      })
      .then((value) => settle({ ok: true, value }), (error: unknown) => settle({ ok: false, error }));
  });
}
