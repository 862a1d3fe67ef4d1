// The start script's eval bounds: --eval-timeout MS and --eval-await-timeout MS before the code (or
// OTP_EVAL_TIMEOUT and OTP_EVAL_AWAIT_TIMEOUT), as `otp remote` takes them.
import { evalBounds, evalReplyTimeout, type EvalOptions } from '@otp-ts/runtime/tools';
import { ScriptError } from './client.js';

const FLAGS = { '--eval-timeout': 'timeoutMs', '--eval-await-timeout': 'awaitTimeoutMs' } as const;

/** The bounds given by flags at the front of `args` (else this shell's variables; else left to the node), the rest of the arguments, and how long to wait for an answer. */
export function evalFlags(args: string[], env: NodeJS.ProcessEnv = process.env): { bounds: EvalOptions; rest: string[]; replyMs: number } {
  const given: { timeoutMs?: string; awaitTimeoutMs?: string } = { timeoutMs: env.OTP_EVAL_TIMEOUT, awaitTimeoutMs: env.OTP_EVAL_AWAIT_TIMEOUT };
  let i = 0;
  for (; i < args.length && args[i]! in FLAGS; i += 2) given[FLAGS[args[i] as keyof typeof FLAGS]] = args[i + 1];
  let checked: Required<EvalOptions>;
  try {
    checked = evalBounds(given, {});
  } catch (error) {
    throw new ScriptError((error as Error).message, 2);
  }
  const bounds = { ...(given.timeoutMs !== undefined && { timeoutMs: checked.timeoutMs }), ...(given.awaitTimeoutMs !== undefined && { awaitTimeoutMs: checked.awaitTimeoutMs }) };
  return { bounds, rest: args.slice(i), replyMs: evalReplyTimeout(checked) };
}
