import type { OtpNode, Pid } from '@otp-ts/runtime';
import type { Step } from '../plan/types.js';
import type { Boxed } from './timebox.js';
import { whereWaiting } from './timebox.js';
import { timerDelay } from './protocol.js';

/** A group's fixture process: it ran `init` and lives until `stop` runs the group's `end` in it. */
export interface Holder {
  readonly pid: Pid;
  readonly fixture: unknown;
  stop(end: Step | undefined, timeoutMs: number): Promise<Boxed<void>>;
}

const END = Symbol('end');
interface EndMessage { [END]: true; end: Step | undefined; done: (r: Boxed<void>) => void }
const isEnd = (m: unknown): m is EndMessage => typeof m === 'object' && m !== null && END in m;

/** Starts a holder process running `init(fixture)`; resolves with it, or with why init failed (a throw, a Skip, a timeout). */
export function startHolder(node: OtpNode, init: Step, fixture: unknown, timeoutMs: number): Promise<Boxed<Holder>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      const where = whereWaiting(node, pid);
      node.exit(pid, 'kill');
      resolve({ ok: false, timedOut: `init timed out after ${timeoutMs} ms: ${where}` });
    }, timerDelay(timeoutMs));
    const pid = node.spawn(async (ctx) => {
      let value: unknown;
      try {
        value = await init(fixture, ctx);
      } catch (error) {
        clearTimeout(timer);
        resolve({ ok: false, error });
        return;
      }
      clearTimeout(timer);
      resolve({ ok: true, value: { pid, fixture: value, stop: (end, ms) => stop(node, pid, end, ms) } });
      const msg = await ctx.receive(isEnd);
      try {
        await msg.end?.(value, ctx);
        msg.done({ ok: true, value: undefined });
      } catch (error) {
        msg.done({ ok: false, error });
      }
    });
  });
}

function stop(node: OtpNode, pid: Pid, end: Step | undefined, timeoutMs: number): Promise<Boxed<void>> {
  return new Promise((resolve) => {
    if (!node.isAlive(pid)) return resolve({ ok: false, error: new Error(`the group's fixture process ${pid} died before its end function could run`) });
    const timer = setTimeout(() => {
      const where = whereWaiting(node, pid);
      node.exit(pid, 'kill');
      resolve({ ok: false, timedOut: `end timed out after ${timeoutMs} ms: ${where}` });
    }, timerDelay(timeoutMs));
    const done = (r: Boxed<void>): void => {
      clearTimeout(timer);
      resolve(r);
    };
    node.send(pid, { [END]: true, end, done } satisfies EndMessage);
  });
}
