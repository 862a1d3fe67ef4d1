import type { Interface } from 'node:readline';
import vm from 'node:vm';

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

/**
 * The statements of a REPL's input, in order: a line cut short (`await call('shop_server', {`) is joined with
 * the lines that complete it (on a terminal the prompt says `...` meanwhile), and the statement comes once whole.
 */
export async function* replStatements(rl: Interface, tty: boolean, prompt: string): AsyncGenerator<string> {
  let pending = '';
  for await (const line of rl) {
    const text = pending + line;
    pending = incompleteLine(text) ? `${text}\n` : '';
    if (tty) rl.setPrompt(pending ? '... ' : prompt);
    if (!pending) yield text;
    else if (tty) rl.prompt();
  }
  // Input ended inside a statement: it is sent as it is, so its error is reported rather than the lines lost.
  if (pending.trim() !== '') yield pending;
}
