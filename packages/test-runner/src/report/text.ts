// What the tty report prints of text tests wrote (failure messages, names, output): a test's own escape sequences
// must not paint, move or clear the terminal, and a pipe, a file or NO_COLOR gets none at all.

// Every terminal escape sequence, whole: CSI (ESC [ … letter), OSC (ESC ] … BEL or ESC \), and two-character ESC forms.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -/]*[0-~]?/g;
// The colour sequences alone (SGR: ESC [ digits m).
// eslint-disable-next-line no-control-regex
const SGR = /^\u001b\[[0-9;:]*m$/;
// Control characters other than newline and tab (a carriage return alone, a backspace, a bell, DEL, C1).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` (a failure, output, a log) to print: colour sequences only when `colour` is on, no other escape sequence or control character. */
export function printable(text: string, colour: boolean): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(ESCAPES, (seq) => (colour && SGR.test(seq) ? seq : ''))
    .replace(CONTROLS, (c) => (c === '\u001b' ? c : ''));
}

const CONTROL_NAMES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A name (a test's, a file's) on one line: newlines and every control character (ESC too) shown as escapes, as JSON writes them. */
export function oneLine(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => CONTROL_NAMES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
