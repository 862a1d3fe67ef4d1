import { formatValue } from '../logger.js';

/**
 * Runs a callback module's formatStatus, if it has one; a formatStatus that throws, or returns anything but a
 * status object (undefined, a number, a promise), must not hide the report it was asked for, nor crash the
 * process reporting (a gen_event manager reporting one handler's crash), so `field` of the status is replaced
 * by a note saying what went wrong, and the sys log and a crash report's queued messages (which hold states and
 * messages it meant to redact) are left out, as OTP's gen marks a format_status that crashed or did not return a map.
 */
export function safeFormatStatus<S extends object>(formatStatus: ((status: S) => S) | undefined, status: S, field: keyof S & string): S {
  if (!formatStatus) return status;
  let note: string;
  try {
    const shaped: unknown = formatStatus(status);
    if (isStatusObject(shaped)) return shaped as S;
    const what = isThenable(shaped) ? 'a promise (formatStatus may not be async)' : formatValue(shaped, 100);
    note = `<formatStatus returned ${what}, not a status object>`;
  } catch (error) {
    note = `<formatStatus crashed: ${formatValue(error, 200)}>`;
  }
  const { log: _log, messages: _messages, ...rest } = status as S & { log?: unknown; messages?: unknown };
  return { ...rest, [field]: note } as S;
}

// A status object: what formatStatus got, changed or rebuilt; not a promise (an async formatStatus), which no report can wait for.
function isStatusObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isThenable(value);
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
