import type { CrashDump } from '@otp-ts/runtime/tools';

// What a node cuts as it writes a dump (an error's message and stack, a log line, a formatted message or
// state); dumps written before it did hold them whole, so a reader cuts them the same way.
const REASON_CHARS = 2000;
const WHERE_CHARS = 8000;
const LOG_LINE_CHARS = 1000;
const TERM_CHARS = 2000;

// The mark a node leaves on what it cut: a text that carries it is as the node cut it.
const CUT_MARK = /… \(\d+ more characters\)$/;

/** `text` cut to `chars` characters with the node's mark saying how many more there were; text a node already cut is left as it is. */
export function cutText(text: string, chars: number): string {
  if (text.length <= chars || (CUT_MARK.test(text) && text.length <= chars + 40)) return text;
  return `${text.slice(0, chars)}… (${text.length - chars} more characters)`;
}

// A node cuts a log line, message or state to `chars` and an ellipsis.
const cutLine = (text: string, chars: number): string => (text.length > chars + 1 || (text.length === chars + 1 && !text.endsWith('…')) ? `${text.slice(0, chars)}…` : text);

/** The dump with its texts cut as a node of this version writes them: a dump of an older node prints no huge reason, stack, log line, message or state. */
export function withinWriteBounds(dump: CrashDump): CrashDump {
  return {
    ...dump,
    reason: cutText(dump.reason, REASON_CHARS),
    ...(typeof dump.where === 'string' ? { where: cutText(dump.where, WHERE_CHARS) } : {}),
    log: dump.log.map((l) => (typeof l === 'string' ? cutLine(l, LOG_LINE_CHARS) : l)),
    processes: dump.processes.map((p) => ({
      ...p,
      mailbox: p.mailbox.map((m) => (typeof m === 'string' ? cutLine(m, TERM_CHARS) : m)),
      ...(typeof p.state === 'string' ? { state: cutLine(p.state, TERM_CHARS) } : {}),
    })),
  };
}
