// The shells join the lines of a statement cut short (`{`, an open template literal) before running it. Parsing
// the whole statement again at every line made a pasted 5000-line object take minutes; the StatementJoiner scans
// each line once and parses only now and then, and must still cut the input into the statements a parse at every
// line (incompleteLine, unchanged) cuts it into: regexes and divisions, templates nested in `${…}`, comments and
// strings holding quotes and brackets, escapes, and statements with errors alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { incompleteLine, replStatementSteps, StatementJoiner } from '../../src/index.ts';
import { LineScanner } from '../../src/command/js-scan.ts';

// The joining the shells did before: the whole pending statement parsed again at every line.
function parsedEveryLine(lines: readonly string[], withPending = true): string[] {
  const statements: string[] = [];
  let pending = '';
  for (const line of lines) {
    const text = pending + line;
    pending = incompleteLine(text) ? `${text}\n` : '';
    if (!pending) statements.push(text);
  }
  if (withPending && pending.trim() !== '') statements.push(pending);
  return statements;
}

function joined(lines: readonly string[], parseBelow?: number): string[] {
  const joiner = new StatementJoiner(parseBelow);
  const statements = lines.flatMap((line) => joiner.push(line));
  return [...statements, ...joiner.end()];
}

// What node:repl runs with replStatementSteps as its eval's judge: it hands the eval its buffered text and the line,
// runs what the step says, and buffers the text again while the step holds it.
function replRan(lines: readonly string[], parseBelow?: number, held?: string[]): string[] {
  const step = replStatementSteps(parseBelow);
  const ran: string[] = [];
  let buffered = '';
  for (const line of lines) {
    const cmd = `${buffered}${line}\n`;
    const { run, hold } = step(cmd);
    ran.push(...run.map((s) => s.slice(0, -1)));
    buffered = hold ? cmd : '';
  }
  // node:repl drops what it buffered when its input ends: the shell says those statements were not run (step.end()).
  held?.push(...step.end());
  return ran;
}

// Programs whose brackets a naive count gets wrong, each over several lines.
const TRICKY = [
  'const o = {\n  a: "}{",\n  b: \'\\\'(\',\n  c: [1, 2, /[\\]}]/.source],\n}',
  'const re = {\n  x: a / b / c,\n  y: /\\/\\*/g.test("/*"),\n  z: (1) / 2,\n}',
  'if (x) {\n  return /}/.test(s) ? 1 : 2;\n}',
  'const t = `outer ${\n  `inner ${ { k: "}" }.k } still`\n} tail\n{ not a brace`',
  'const s = `line one\nline two with \\` and ${"${"}\nend`',
  'function f(a) { // a comment with \' and " and {\n  /* a block with ` and ( */\n  return a\n    / 2;\n}',
  'const x = [\n  1, // ]\n  2 /* ] */,\n  "\\\\",\n]',
  'call(\'shop_server\', {\n  op: \'bump\',\n  key: `k${1 + 2}`,\n})',
  'const y = a++ / 2 + b-- / 3',
  'typeof {\n}',
  'let z = void /x/.source.length',
  'obj.return / 2',
  'label: for (const k of [1, 2]) {\n  if (k) continue label;\n}',
  '40 +\n2',
  '/* a comment\n   over lines { */ 3',
  '`a${b\n}c`',
  'foo(1 2',
  'const bad = {\n  a: 1 b: 2,\n}',
  'const s2 = "unterminated\n"',
  ']',
  'x = {\n  a: 1,\n)',
  '',
  // Expressions continued after an operator, outside any bracket.
  '1 +\n2 +\n3',
  'x =\n  a ? b\n  :\n  c',
  'let n = a++\n+ 2',
  'a--\nb',
  'f =>\n1',
  '1 + // c\n2',
  '1 + /* c\n */ 2',
  '1 <!-- c +\n2',
  'x\n--> y +\n3',
  '1 +\n2 3 +\n4',
  'const sum =\n' + Array.from({ length: 40 }, (_, i) => `  ${i} ** 1 +`).join('\n') + '\n  0',
  'const big = {\n' + Array.from({ length: 40 }, (_, i) => `  k${i}: [${i}, "${i}}"],`).join('\n') + '\n}',
];

const program = fc.array(fc.constantFrom(...TRICKY), { minLength: 1, maxLength: 6 });
// The same programs cut at some of their spaces too (a split inside a string or a regex is an error both ways).
const split = fc.tuple(program, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 })).map(([parts, cuts]) => {
  let n = 0;
  return parts.join('\n').replace(/ /g, () => (cuts[n++ % cuts.length] ? '\n' : ' '));
});

test('the joiner cuts input into the statements a parse at every line does', () => {
  fc.assert(
    fc.property(fc.oneof(program.map((p) => p.join('\n')), split), fc.constantFrom(0, 8, 64, undefined), (source, parseBelow) => {
      const lines = source.split('\n');
      assert.deepEqual(joined(lines, parseBelow), parsedEveryLine(lines));
    }),
    { numRuns: 300 },
  );
});

// A long statement with an error some lines back was found to have ended there only lines later, and node:repl
// then ran the whole buffer as one statement (one error for all of it, the lines after the error never run alone).
test('otp shell runs the statements a parse at every line makes, a long one with an error cut at the error', () => {
  fc.assert(
    fc.property(fc.oneof(program.map((p) => p.join('\n')), split), fc.constantFrom(0, 8, 64, undefined), (source, parseBelow) => {
      const lines = source.split('\n');
      const held: string[] = [];
      const ran = replRan(lines, parseBelow, held);
      // Statements short enough to be parsed at every line run as such a parse runs them. Past the size (parseBelow), a
      // statement the scan still finds open (a backtick after an error it cannot see) holds those after it until its
      // input ends, and they are then said not to have run: each is run or accounted for, in order, none lost.
      if (parseBelow === undefined) assert.deepEqual(ran, parsedEveryLine(lines, false));
      assert.deepEqual([...ran, ...held], parsedEveryLine(lines, true));
    }),
    { numRuns: 300 },
  );
  const fill = Array.from({ length: 40 }, (_, i) => `  'k${i} ${'x'.repeat(50)}',`);
  const lines = ['const list = [', ...fill, "  'missing' 'comma',", "  'after'.length", ']', '6 * 7'];
  assert.deepEqual(replRan(lines).map((s) => s.split('\n').at(-1)), ["  'missing' 'comma',", "  'after'.length", ']', '6 * 7']);
  // Found by the property (seed 597099167): a split leaves a backtick after an error the scan cannot see, so the scan
  // holds the rest open; at the input's end those statements are handed back, cut where a parse cuts them.
  const cut = "function f(a) { // a comment with ' and \" and {\n  /* a block with\n` and ( */\n  return a\n    / 2;\n}\ncall('shop_server', {\n  op: 'bump',\n  key: `k${1 + 2}`,\n})\n1 + // c\n2".split('\n');
  const held: string[] = [];
  assert.deepEqual([...replRan(cut, 0, held), ...held], parsedEveryLine(cut, true));
  assert.ok(held.length > 0, 'the case still goes through the held statements');
});

test('a statement the scan finds inside a bracket, template or comment, or after an operator, is one a parse finds cut short', () => {
  for (const source of TRICKY.filter((t) => !/bad|foo\(1 2|unterminated|^\]|\)$|2 3/.test(t))) {
    const scanner = new LineScanner();
    const lines = source.split('\n');
    lines.forEach((line, i) => {
      scanner.line(line);
      const text = lines.slice(0, i + 1).join('\n');
      if (scanner.open && !scanner.uncertain) assert.ok(incompleteLine(text), `open after ${JSON.stringify(text)}`);
      if (scanner.continued) assert.ok(incompleteLine(text), `continued after ${JSON.stringify(text)}`);
      if (i === lines.length - 1 && source !== '') assert.ok(!scanner.open, `closed after ${JSON.stringify(source)}`);
    });
  }
});

test('a 5000-line object literal and template literal are each one statement', () => {
  const object = ['const o = {', ...Array.from({ length: 5000 }, (_, i) => `  k${i}: "v${i}",`), '}', 'Object.keys(o).length'];
  assert.deepEqual(
    joined(object).map((s) => s.split('\n').length),
    [5002, 1],
  );
  const template = ['const t = `', ...Array.from({ length: 5000 }, (_, i) => `line ${i} { ( [`), '`', 't.length'];
  assert.deepEqual(
    joined(template).map((s) => s.split('\n').length),
    [5002, 1],
  );
});

// `1 +` on each of 20 000 lines: outside any bracket, so before the scan knew an operator leaves a statement cut
// short, the statement was parsed whole at every line (hundreds of megabytes of parsing, past the test's deadline).
// The lines are given a thousand per turn of the event loop, so that the test's deadline can end a joiner that stalls.
test('20 000 lines each continued by an operator are one statement, read in about their length', { timeout: 120_000 }, async () => {
  const lines = [...Array.from({ length: 20_000 }, (_, i) => `${i % 10} +`), '1', '6 * 7'];
  const joiner = new StatementJoiner();
  const statements: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    statements.push(...joiner.push(lines[i]!));
    if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  statements.push(...joiner.end());
  assert.deepEqual(statements.map((s) => s.split('\n').length), [20_001, 1]);
});
