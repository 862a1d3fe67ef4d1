/**
 * `text` as one word of a POSIX shell command line, for the commands otp prints to copy and paste: as
 * it is when the shell would read it unchanged, else in single quotes (spaces, `$`, quotes and globs
 * stay literal).
 */
export function shellWord(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
