// Colour for the tools' terminal output (the otp command, the test reporter, a release's start script),
// decided in one place: on a terminal, through Node's util.styleText; never in a pipe or a file unless
// FORCE_COLOR asks; never with NO_COLOR (https://no-color.org).
import { styleText } from 'node:util';

/** A stream the decision looks at: a terminal says so with `isTTY`. */
export interface ColourStream {
  isTTY?: boolean;
}

/** Styles for one stream: each returns its text unchanged when colour is off. */
export interface Colours {
  /** Whether this stream gets colour. */
  readonly enabled: boolean;
  /** Errors and failures. */
  red(text: string): string;
  /** Passes and successes. */
  green(text: string): string;
  /** Warnings, skips and flaky tests. */
  yellow(text: string): string;
  /** Headings. */
  bold(text: string): string;
  /** Secondary detail: hints, durations. */
  dim(text: string): string;
}

/**
 * Whether `stream` gets colour: FORCE_COLOR set (to anything but 0 or false) turns it on even in a
 * pipe; NO_COLOR set and not empty turns it off; otherwise a terminal (not dumb) gets it.
 */
export function colourEnabled(stream: ColourStream, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The styles for `stream` (see colourEnabled). */
export function colours(stream: ColourStream, env: Readonly<Record<string, string | undefined>> = process.env): Colours {
  const enabled = colourEnabled(stream, env);
  // The decision is made above: styleText must not make its own from process.stdout (newer Node 20s
  // do unless told not to; older ones ignore the option).
  const styled = styleText as (format: Parameters<typeof styleText>[0], text: string, options?: { validateStream?: boolean }) => string;
  const style =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      enabled && text !== '' ? styled(format, text, { validateStream: false }) : text;
  return { enabled, red: style('red'), green: style('green'), yellow: style('yellow'), bold: style('bold'), dim: style('dim') };
}
