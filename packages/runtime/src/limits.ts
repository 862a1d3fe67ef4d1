import { RuntimeError } from './errors.js';

/**
 * The `maxMailbox` spawn option: the most messages a process may have waiting (OTP's `max_heap_size`
 * spawn option, applied to what grows without bound here: the mailbox). A number is `{ size }`.
 */
export interface MailboxLimit {
  /** The most messages that may wait in the mailbox; one more overflows it. */
  size: number;
  /** Kill the process (reason `'killed'`, untrappable) when it overflows; default true. */
  kill?: boolean;
  /** Log an error report when it overflows; default true. */
  errorLogger?: boolean;
}

// The largest limit (OTP's largest small integer on a 32-bit heap word).
const MOST = 0x3fffffff;

/** The limit a `maxMailbox` option asks for; throws `badarg` naming the option if it is not one. */
export function mailboxLimitOf(option: number | MailboxLimit): MailboxLimit | null {
  const limit = typeof option === 'number' ? { size: option } : option;
  if (limit === null || typeof limit !== 'object' || !Number.isInteger(limit.size) || limit.size < 0 || limit.size > MOST) {
    throw new RuntimeError('badarg', `maxMailbox must be a whole number of messages from 0 (no limit) to ${MOST}, or { size, kill?, errorLogger? }; got ${JSON.stringify(option)}`);
  }
  return limit.size === 0 ? null : limit;
}
