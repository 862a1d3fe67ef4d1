import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// STYLE.md's unit sizes as a check: no class over ~250 lines and no function over ~50 without a stated reason.
// A function's own lines are counted: the functions nested in it are units of their own (a factory that
// returns a table of small handlers is as long as its handlers, not the sum of them). The reason is a
// comment on the unit (or on the statement holding it) that says "longer than ~N lines" or "over ~N lines".

const root = fileURLToPath(new URL('..', import.meta.url));
const CLASS_LINES = 250;
const FUNCTION_LINES = 50;
// Words may be split over the lines of a comment.
const REASON = /\b(longer[\s*/]+than|over)[\s*/]+(the[\s*/]+)?~\d+[\s*/]+lines/i;

/** One class or function past its size, where it is and how long it is. */
export interface Oversized {
  kind: 'class' | 'function';
  where: string;
  name: string;
  lines: number;
  reason: boolean;
}

const isFunction = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);

/** Every class over CLASS_LINES and every function whose own lines are over FUNCTION_LINES in `text`. */
export function oversized(file: string, text: string): Oversized[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number): number => src.getLineAndCharacterOfPosition(pos).line;
  const span = (n: ts.Node): number => lineOf(n.getEnd()) - lineOf(n.getStart(src)) + 1;
  const nameOf = (n: ts.Node): string => {
    const named = (n as { name?: ts.Node }).name;
    if (named) return named.getText(src);
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    const p = n.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) return p.name.getText(src);
    return `(anonymous, line ${lineOf(n.getStart(src)) + 1})`;
  };
  // The comments on the unit and on each node up to the statement or member that holds it.
  const reasoned = (n: ts.Node): boolean => {
    for (let at: ts.Node | undefined = n; at && !ts.isSourceFile(at); at = at.parent) {
      for (const c of ts.getLeadingCommentRanges(text, at.getFullStart()) ?? []) if (REASON.test(text.slice(c.pos, c.end))) return true;
      if (ts.isStatement(at) || ts.isClassElement(at)) break;
    }
    return false;
  };
  const ownLines = (fn: ts.Node): number => {
    let nested = 0;
    const inner = (c: ts.Node): void => {
      if (isFunction(c) || ts.isClassExpression(c)) nested += span(c);
      else c.forEachChild(inner);
    };
    fn.forEachChild(inner);
    return span(fn) - nested;
  };
  const found: Oversized[] = [];
  const visit = (n: ts.Node, owner: string): void => {
    const where = `${file}:${lineOf(n.getStart(src)) + 1}`;
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) {
      const lines = span(n);
      if (lines > CLASS_LINES) found.push({ kind: 'class', where, name: nameOf(n), lines, reason: reasoned(n) });
      n.forEachChild((c) => visit(c, `${nameOf(n)}.`));
      return;
    }
    if (isFunction(n)) {
      const lines = ownLines(n);
      if (lines > FUNCTION_LINES) found.push({ kind: 'function', where, name: owner + nameOf(n), lines, reason: reasoned(n) });
    }
    n.forEachChild((c) => visit(c, owner));
  };
  visit(src, '');
  return found;
}

const sources = (): string[] =>
  execFileSync('git', ['ls-files', 'packages/*/src/*.ts', 'packages/*/src/**/*.ts'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));

test('no class over ~250 lines and no function over ~50 in the packages without a stated reason on it', () => {
  const all = sources().flatMap((f) => oversized(f, readFileSync(join(root, f), 'utf8')));
  const unexplained = all.filter((o) => !o.reason).map((o) => `${o.where} ${o.kind} ${o.name}: ${o.lines} lines`);
  assert.ok(sources().length > 100, 'the packages\' sources were found');
  assert.deepEqual(unexplained, [], `split these, or say on each why it is longer (a comment "longer than ~N lines, on purpose: …"):\n${unexplained.join('\n')}`);
});

test('the size check counts a function\'s own lines, finds a long class or function, and accepts a stated reason', () => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const long = `export function long(): void {\n${body(60)}\n}\n`;
  assert.deepEqual(oversized('a.ts', long).map((o) => [o.kind, o.name, o.lines, o.reason]), [['function', 'long', 62, false]]);
  const explained = `// Over ~50 lines on purpose: a table.\n${long}`;
  assert.deepEqual(oversized('a.ts', explained).map((o) => o.reason), [true]);
  // A factory of short handlers is not long: its handlers are units of their own.
  const factory = `export const make = () => ({\n${Array.from({ length: 30 }, (_, i) => `  h${i}: () => {\n    return ${i};\n  },`).join('\n')}\n});\n`;
  assert.deepEqual(oversized('a.ts', factory), []);
  // A long handler passed as an argument takes the reason written on its statement.
  const handler = `worker.on('message', (e) => {\n${body(55)}\n});\n`;
  assert.deepEqual(oversized('a.ts', handler).map((o) => o.reason), [false]);
  assert.deepEqual(oversized('a.ts', `// Longer than ~50 lines, on purpose: one switch.\n${handler}`).map((o) => o.reason), [true]);
  const cls = `export class Big {\n${Array.from({ length: 260 }, (_, i) => `  f${i} = ${i};`).join('\n')}\n}\n`;
  assert.deepEqual(oversized('a.ts', cls).map((o) => [o.kind, o.name, o.reason]), [['class', 'Big', false]]);
});
