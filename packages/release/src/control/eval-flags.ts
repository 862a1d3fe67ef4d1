// The start script's eval bounds: --eval-timeout MS and --eval-await-timeout MS (or OTP_EVAL_TIMEOUT and
// OTP_EVAL_AWAIT_TIMEOUT), as `otp remote` takes them.
import { evalBounds, evalReplyTimeout, type EvalOptions } from '@otp-ts/runtime/tools';
import { ScriptError } from './client.js';

/** The eval flags as the command line gave them (checked by evalBounds, which names the flag). */
export interface EvalFlags {
  'eval-timeout': string | undefined;
  'eval-await-timeout': string | undefined;
}

/** The bounds given by flags (else this shell's variables; else left to the node), and how long to wait for an answer. */
export function evalFlags(flags: EvalFlags, env: NodeJS.ProcessEnv = process.env): { bounds: EvalOptions; replyMs: number } {
  const given = { timeoutMs: flags['eval-timeout'] ?? env.OTP_EVAL_TIMEOUT, awaitTimeoutMs: flags['eval-await-timeout'] ?? env.OTP_EVAL_AWAIT_TIMEOUT };
  let checked: Required<EvalOptions>;
  try {
    checked = evalBounds(given, {});
  } catch (error) {
    throw new ScriptError((error as Error).message, 2);
  }
  const bounds = { ...(given.timeoutMs !== undefined && { timeoutMs: checked.timeoutMs }), ...(given.awaitTimeoutMs !== undefined && { awaitTimeoutMs: checked.awaitTimeoutMs }) };
  return { bounds, replyMs: evalReplyTimeout(checked) };
}
