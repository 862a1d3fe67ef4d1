import type { Interface } from 'node:readline';
import vm from 'node:vm';
import { LineScanner } from './js-scan.js';

// Whether source compiles as the body of an async function (as the node's eval runs it): the error, or undefined.
function compileError(source: string): Error | undefined {
  try {
    new vm.Script(source);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/**
 * Whether a shell line is JavaScript cut short (`function f(x) {`, `1 +`, an open template literal): as the body
 * of an async function it does not parse, and without the function's closing brace its parse fails only at the
 * very end of the text, so more lines complete it. A REPL buffers such a line and reads on (`...`); anything else,
 * complete or wrong, is for the evaluator to run or report. Decided at once, before the line waits its turn, as
 * the next lines of a paste or a pipe arrive before an earlier line has run. Needs nothing but Node.js (the
 * release's start script uses it too).
 */
export function incompleteLine(line: string): boolean {
  const text = line.trimEnd();
  if (text === '') return false;
  if (compileError(`async function line() {${text}\n}`) === undefined) return false;
  const open = compileError(`async function line() {${text}\n`);
  // An unterminated '...' or "..." string is an error in a REPL too ('Invalid or unexpected token'); an open `template` goes on.
  return open !== undefined && /^(Unexpected end of input|Unterminated template literal)$/.test(open.message);
}

// Up to this many characters a statement is parsed whole at every line, as the first lines of any statement are.
const PARSE_EVERY_LINE = 2048;

/**
 * Joins lines into statements as incompleteLine decides, in time linear in their length: the pending statement is
 * a list of lines, and while a scan says it is still inside a bracket, a template literal or a comment, or after an
 * operator awaiting its operand (`1 +`), it is parsed whole only each time it doubled (below PARSE_EVERY_LINE
 * characters, at every line). A parse that finds it no longer cut short looks back for the line where that began,
 * so the statements are the ones a parse at every line makes.
 */
export class StatementJoiner {
  private lines: string[] = [];
  private scanner = new LineScanner();
  private length = 0;
  // The lines of the longest start of the statement a parse found cut short, and its length.
  private cutLines = 0;
  private cutLength = 0;

  /** parseBelow: the length up to which the statement is parsed at every line (tests make it small). */
  constructor(private readonly parseBelow = PARSE_EVERY_LINE) {}

  /** Whether lines are held, waiting for the ones that complete them. */
  get pending(): boolean {
    return this.lines.length > 0;
  }

  /** Reads a line: the statements it completes, in order (none while the statement goes on). */
  push(line: string): string[] {
    const done: string[] = [];
    this.add(line, done);
    return done;
  }

  /**
   * The statements held when the input ends: the last, cut short, is sent as it is (so that its error is reported);
   * lines read since the last parse may have ended statements before it.
   */
  end(): string[] {
    const done: string[] = [];
    while (this.lines.length > this.cutLines && this.cutLines > 0 && !incompleteLine(this.lines.join('\n'))) this.cut(done);
    const rest = this.lines.length > 0 ? `${this.lines.join('\n')}\n` : '';
    this.reset();
    if (rest.trim() !== '') done.push(rest);
    return done;
  }

  /** Holds text a parse found cut short (a REPL's buffer) as the start of the statement. */
  hold(text: string): void {
    this.reset();
    for (const line of text.split('\n')) this.take(line);
    this.cutLines = this.lines.length;
    this.cutLength = this.length;
  }

  /** Forgets the statement held. */
  reset(): void {
    this.lines = [];
    this.scanner = new LineScanner();
    this.length = 0;
    this.cutLines = 0;
    this.cutLength = 0;
  }

  private take(line: string): void {
    this.lines.push(line);
    this.length += line.length + 1;
    this.scanner.line(line);
  }

  private add(line: string, done: string[]): void {
    this.take(line);
    const scanned = ((this.scanner.open && this.scanner.resting) || this.scanner.continued) && this.cutLines > 0;
    if (scanned && this.length > this.parseBelow && this.length < 2 * this.cutLength) return;
    if (incompleteLine(this.lines.join('\n'))) {
      this.cutLines = this.lines.length;
      this.cutLength = this.length;
      return;
    }
    this.cut(done);
  }

  // The statement is no longer cut short: it ends with the first line read since the last parse found it cut short
  // whose parse says so, and the lines after that are read again.
  private cut(done: string[]): void {
    const end = this.cutLines > 0 && this.lines.length - this.cutLines > 1 ? this.firstEnd() : this.lines.length;
    const rest = this.lines.slice(end);
    done.push(this.lines.slice(0, end).join('\n'));
    this.reset();
    for (const next of rest) this.add(next, done);
  }

  // The fewest lines that are no longer cut short, past the cutLines known to be.
  private firstEnd(): number {
    let [low, high] = [this.cutLines, this.lines.length];
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (incompleteLine(this.lines.slice(0, middle).join('\n'))) low = middle;
      else high = middle;
    }
    return high;
  }
}

/**
 * The statements of a REPL's input, in order: a line cut short (`await call('shop_server', {`) is joined with
 * the lines that complete it (on a terminal the prompt says `...` meanwhile), and the statement comes once whole.
 */
export async function* replStatements(rl: Interface, tty: boolean, prompt: string, say: (text: string) => void = () => undefined): AsyncGenerator<string> {
  const joiner = new StatementJoiner();
  for await (const line of rl) {
    // `.exit`, `.break` and `.clear` are the shell's commands wherever they are typed, as node:repl (otp shell) takes them.
    const command = line.trim();
    if (command === '.exit') return yield command;
    // The other dot-commands are answered here, not sent as code (`.help` lists them); a line that only continues a
    // statement (`.then(…)` under `fetch(…)`) is code, as node:repl reads it.
    const answer = command === '.break' || command === '.clear' ? undefined : dotCommandAnswer(command, joiner.pending);
    if (answer !== undefined) {
      say(`${answer}\n`);
      if (tty) rl.prompt();
      continue;
    }
    if (command === '.break' || command === '.clear') {
      joiner.reset();
      if (tty) rl.setPrompt(prompt);
      // `.clear` drops the statement being typed too, then the shell forgets its declarations (clearsSession).
      if (command === '.clear') {
        yield command;
        continue;
      }
      if (tty) rl.prompt();
      continue;
    }
    const statements = joiner.push(line);
    if (tty) rl.setPrompt(joiner.pending ? '... ' : prompt);
    yield* statements;
    if (joiner.pending && tty) rl.prompt();
  }
  // Input ended inside a statement: it is sent as it is, so its error is reported rather than the lines lost.
  yield* joiner.end();
}

/** What `.help` at a remote shell prints: its dot-commands, as node:repl's `.help` lists otp shell's, and help(). */
export const REMOTE_DOT_HELP = [
  '.break    Drop the statement being typed (its lines read so far)',
  '.clear    Break, and also forget the names the lines declared (const a = 1), as otp shell\'s .clear',
  '.exit     Leave the shell, as q() does; the node runs on',
  '.help     Print this list',
  "help()    The shell's helpers (call, whereis, sys, ctx, …)",
].join('\n');

/**
 * What a remote shell answers to `line` when it is a dot-command other than .exit and .break (`.help`, or one it does
 * not take, e.g. otp shell's `.load`), as node:repl reads one: a `.` then no digit or `.`, at the start of a statement
 * (`pending` false) unless it is a command the shell knows. Undefined when the line is code.
 */
export function dotCommandAnswer(line: string, pending = false): string | undefined {
  const command = /^\.([^\s.\d][^\s]*)/.exec(line.trim())?.[1];
  if (command === undefined) return undefined;
  if (command === 'help') return REMOTE_DOT_HELP;
  if (pending) return undefined;
  return `.${command} is not a command of the remote shell, which takes .break, .clear, .exit and .help (otp shell's node:repl takes .editor, .load and .save too): help() lists its helpers`;
}

/** What a remote shell prints at `.clear`, as otp shell's node:repl does. */
export const CLEARING_CONTEXT = 'Clearing context...';

/**
 * Whether a statement from replStatements is `.clear`: the shell then asks the node to forget its session's
 * declarations (otp.evalClear) and prints CLEARING_CONTEXT; the session, and where its late output goes, stay.
 */
export function clearsSession(statement: string): boolean {
  return statement === '.clear';
}

/**
 * Whether a statement quits every shell alike: `.exit` (read as the command even inside a statement, which it
 * drops, as otp shell's node:repl reads it), or `q()`, `exit` or `quit` as a statement of their own (`q();` too).
 */
export function quitsShell(statement: string): boolean {
  const text = statement.trim();
  return text === '.exit' || /^(?:q\(\s*\)|exit|quit)(?:\s*;)*$/.test(text);
}

/** What a REPL is to do with the text it buffered: run these statements, in order, and hold the rest (`...`) or not. */
export interface ReplStep {
  run: string[];
  hold: boolean;
}

/**
 * Cuts a REPL's buffered text into statements for node:repl's eval, which is handed the whole buffered text again at
 * every line: while the text goes on from the one held before, only its new line is read (a StatementJoiner's cost).
 * A statement found to end a few lines back (one with an error, found late) is run alone, as it would have been
 * had it been short, and the lines after it are read afresh: what they complete runs after it, what they start is held.
 * parseBelow: as StatementJoiner's (tests make it small). `end()` answers the text held when the input ends.
 */
export function replStatementSteps(parseBelow?: number): ((cmd: string) => ReplStep) & { end(): string[] } {
  const joiner = new StatementJoiner(parseBelow);
  let held = '';
  const step = (cmd: string): ReplStep => {
    if (held === '' || cmd.length <= held.length || !cmd.startsWith(held) || !cmd.endsWith('\n') || cmd.indexOf('\n', held.length) !== cmd.length - 1) {
      held = incompleteLine(cmd) ? cmd : '';
      if (held === '') {
        joiner.reset();
        return { run: [cmd], hold: false };
      }
      joiner.hold(held.slice(0, -1));
      return { run: [], hold: true };
    }
    const run = joiner.push(cmd.slice(held.length, -1)).map((statement) => `${statement}\n`);
    held = joiner.pending ? cmd : '';
    if (!joiner.pending) joiner.reset();
    return { run, hold: held !== '' };
  };
  // The statements held when the input ends (none of them run: the last one cut short, and those a long statement's
  // error hid, which the scan alone cannot find before the statement closes), as a parse at every line cuts them.
  const end = (): string[] => {
    const rest = held === '' ? [] : joiner.end();
    held = '';
    return rest;
  };
  return Object.assign(step, { end });
}
