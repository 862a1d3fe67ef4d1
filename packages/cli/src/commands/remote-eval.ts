// The bounds of code evaluated on a node (otp remote, otp rpc NODE otp eval), declared once for both commands.
import { evalBounds, type EvalOptions } from '@otp-ts/runtime/tools';
import type { OptionSpec } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';

/** `--eval-timeout` and `--eval-await-timeout`: how long evaluated code may run without awaiting, and how long its result is awaited. */
export const evalBoundOptions = [
  { name: 'eval-timeout', type: 'string', value: 'MS', description: 'stop evaluated code that runs MS ms before its first await (or in a timer callback) without giving the node back (default: OTP_EVAL_TIMEOUT, then 1000)' },
  { name: 'eval-await-timeout', type: 'string', value: 'MS', description: "give up on a result that an awaited promise has not given within MS ms (default: OTP_EVAL_AWAIT_TIMEOUT, then 30000)" },
] as const satisfies readonly OptionSpec[];

/**
 * The bounds the flags (or OTP_EVAL_TIMEOUT and OTP_EVAL_AWAIT_TIMEOUT of this shell) give, as otp.eval
 * takes them; those given by neither are left to the node. A bad value is a usage error naming it.
 */
export function evalOptionsFrom(flags: { 'eval-timeout'?: string; 'eval-await-timeout'?: string }, env: NodeJS.ProcessEnv = process.env): EvalOptions {
  const given = { timeoutMs: flags['eval-timeout'] ?? env.OTP_EVAL_TIMEOUT, awaitTimeoutMs: flags['eval-await-timeout'] ?? env.OTP_EVAL_AWAIT_TIMEOUT };
  let checked: Required<EvalOptions>;
  try {
    checked = evalBounds(given, {});
  } catch (error) {
    const message = (error as Error).message;
    // The example names the flag that was wrong (an environment variable's value is fixed with its flag too).
    const flag = /eval_await_timeout|eval-await-timeout/i.test(message) ? '--eval-await-timeout' : '--eval-timeout';
    throw new OtpError('usage', message.replace(/; give e\.g\..*$/, ''), { hint: `give a whole number of milliseconds, e.g. ${flag} 5000`, cause: error });
  }
  return { ...(given.timeoutMs !== undefined && { timeoutMs: checked.timeoutMs }), ...(given.awaitTimeoutMs !== undefined && { awaitTimeoutMs: checked.awaitTimeoutMs }) };
}
