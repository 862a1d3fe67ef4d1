// The names a test file exports, read from its source text alone: a small tokenizer blanks comments, strings,
// template literals and regular expressions (keeping every offset), so only code at the module's top level is read.

const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await', 'instanceof']);

// Whether a `/` at `i` of `out` (the code blanked so far) starts a regular expression rather than a division.
function regexAt(out: string[], i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(out[j]!)) j--;
  if (j < 0) return true;
  const c = out[j]!;
  if (/[\w$]/.test(c)) {
    let k = j;
    while (k >= 0 && /[\w$]/.test(out[k]!)) k--;
    return KEYWORDS_BEFORE_REGEX.has(out.slice(k + 1, j + 1).join(''));
  }
  return !/[)\]}]/.test(c);
}

/**
 * The source with comments, string and template literal contents and regular expressions blanked (pure), and code
 * below the top level (inside braces, brackets or parentheses) blanked too; offsets and newlines are kept. Longer than
 * ~50 lines, on purpose: one scanner loop whose states (template, comment, string, regex, brackets) share its index
 * and output; split, each piece would hand both back and forth.
 */
export function topLevelCode(source: string): string {
  const out: string[] = [];
  // The open brackets, and `t` for a template literal's `${`.
  const stack: string[] = [];
  let template = false;
  const blank = (c: string): string => (c === '\n' ? '\n' : ' ');
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (template) {
      if (c === '\\') { out.push(' ', blank(next ?? '')); i += 2; continue; }
      if (c === '`') { out.push('`'); template = false; i++; continue; }
      if (c === '$' && next === '{') { out.push(' ', ' '); stack.push('t'); template = false; i += 2; continue; }
      out.push(blank(c)); i++; continue;
    }
    if (c === '/' && next === '/') { while (i < source.length && source[i] !== '\n') { out.push(' '); i++; } continue; }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      for (; i < stop; i++) out.push(blank(source[i]!));
      continue;
    }
    if (c === "'" || c === '"') {
      out.push(c); i++;
      while (i < source.length && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') { out.push(' '); i++; }
        if (i < source.length) out.push(blank(source[i]!)); i++;
      }
      if (i < source.length) { out.push(source[i]!); i++; }
      continue;
    }
    if (c === '`') { out.push('`'); template = true; i++; continue; }
    if (c === '/' && regexAt(out, i)) {
      out.push(' '); i++;
      let inClass = false;
      while (i < source.length && source[i] !== '\n' && (inClass || source[i] !== '/')) {
        if (source[i] === '\\') { out.push(' '); i++; }
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        if (i < source.length) out.push(blank(source[i]!)); i++;
      }
      if (i < source.length && source[i] === '/') { out.push(' '); i++; }
      continue;
    }
    if (c === '{' || c === '(' || c === '[') { out.push(stack.length === 0 ? c : ' '); stack.push(c); i++; continue; }
    if (c === '}' || c === ')' || c === ']') {
      const open = stack.pop();
      if (open === 't') { out.push(' '); template = true; i++; continue; }
      out.push(stack.length === 0 ? c : ' '); i++; continue;
    }
    out.push(stack.length === 0 ? c : blank(c)); i++;
  }
  return out.join('');
}

const IDENT = /^[A-Za-z_$][\w$]*/;
const NAME = String.raw`[A-Za-z_$][\w$]*|'[^']*'|"[^"]*"`;
const unquote = (n: string): string => (/^['"]/.test(n) ? n.slice(1, -1) : n);
const withoutComments = (s: string): string => s.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ');

// The bound names of a destructuring pattern's text (`{ a, b: c, d = 1, ...e }`, `[f, , g]`, nested ones).
function patternNames(text: string): string[] {
  const inner = text.trim().slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) depth--;
    else if (c === ',' && depth === 0) { parts.push(inner.slice(start, i)); start = i + 1; }
  }
  parts.push(inner.slice(start));
  return parts.flatMap((raw) => {
    const p = raw.trim().replace(/^\.\.\./, '');
    if (p === '') return [];
    const value = text.trim().startsWith('{') && /^(?:[\w$]+|'[^']*'|"[^"]*"|\[[^\]]*\])\s*:/.test(p) ? p.slice(p.indexOf(':') + 1).trim() : p;
    if (/^[{[]/.test(value)) return patternNames(value.slice(0, matchingClose(value)));
    const name = IDENT.exec(value);
    return name ? [name[0]] : [];
  });
}

// The length of a bracketed text up to and with its matching close.
function matchingClose(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if ('{[('.includes(text[i]!)) depth++;
    else if ('}])'.includes(text[i]!) && --depth === 0) return i + 1;
  }
  return text.length;
}

// The names an `export const|let|var` declares, reading its declarators from `at` (just after the keyword):
// `a = 1, bTest = …` and destructured `{ aTest, bTest } = suite`; initializers are skipped (their nested code is blanked).
function declarators(code: string, source: string, at: number): string[] {
  const names: string[] = [];
  let i = at;
  for (;;) {
    while (/\s/.test(code[i] ?? '')) i++;
    const c = code[i];
    if (c === '{' || c === '[') {
      const end = code.indexOf(c === '{' ? '}' : ']', i);
      if (end === -1) return names;
      names.push(...patternNames(withoutComments(source.slice(i, end + 1))));
      i = end + 1;
    } else {
      const name = IDENT.exec(code.slice(i));
      if (!name) return names;
      i += name[0].length;
      // A name followed by anything but what may follow a declarator is not one (`make<A, B>()` has no declarator `B`).
      if (/^\s*(?:[=:,;!]|$|\n)/.test(code.slice(i))) names.push(name[0]);
    }
    // Skip the type and the initializer, to a `,` (another declarator) or the statement's end; a type's
    // angle brackets (`Map<string, number>`) hold commas that separate no declarators.
    let angles = 0;
    let inType = /^\s*!?\s*:/.test(code.slice(i));
    for (;;) {
      const ch = code[i];
      if (ch === undefined || ch === ';') return names;
      if (inType && ch === '<') angles++;
      else if (inType && ch === '>' && code[i - 1] !== '=') angles = Math.max(0, angles - 1);
      else if (inType && ch === '=' && code[i + 1] !== '>' && angles === 0) inType = false;
      if (ch === ',' && angles === 0) { i++; break; }
      if (ch === '\n' && statementEnds(code, i)) return names;
      if (ch === '{' || ch === '(' || ch === '[') { const close = code.indexOf({ '{': '}', '(': ')', '[': ']' }[ch], i); i = close === -1 ? code.length : close + 1; continue; }
      i++;
    }
  }
}

// At a newline inside a declaration: whether the statement ended there (automatic semicolon insertion), as when
// the next line starts a new statement and neither line continues an expression.
function statementEnds(code: string, at: number): boolean {
  const before = code.slice(0, at).trimEnd();
  const after = code.slice(at).trimStart();
  if (/[=+\-*/%&|^<>?:,.!~(]$/.test(before) && !/[)\]}]$/.test(before)) return false;
  return !/^(?:[=+\-*/%&|^<>?:,.]|as\b|satisfies\b|in\b|instanceof\b)/.test(after);
}

/**
 * The names a source exports, in source order (tests run in the order they are written): declarations
 * (`export function aTest`, every declarator of `export const a = 1, bTest = …`, destructured ones), lists
 * (`export { a, b as c }`, also re-exported `from` a module), `export * as ns` and `export default`; type-only
 * exports are not values and are left out, and text in comments, strings and template literals is never read.
 */
export function sourceOrder(source: string): string[] {
  const code = topLevelCode(source);
  const names: string[] = [];
  for (const m of code.matchAll(/(?<![\w$.])export\b\s*/g)) {
    const at = m.index + m[0].length;
    const rest = code.slice(at);
    const declared = /^(?:declare\s+)?(?:(?:async\s+)?function\s*\*?\s*|(?:abstract\s+)?class\s+)([A-Za-z_$][\w$]*)/.exec(rest);
    const variable = /^(?:declare\s+)?(?:const|let|var)\s+/.exec(rest);
    if (declared) names.push(declared[1]!);
    else if (variable && !/^(?:declare\s+)?const\s+enum\b/.test(rest)) names.push(...declarators(code, source, at + variable[0].length));
    else if (/^default\b/.test(rest)) names.push('default');
    else if (/^\*/.test(rest)) {
      const ns = new RegExp(String.raw`^\*\s*as\s+(${NAME})`).exec(source.slice(at));
      if (ns) names.push(unquote(ns[1]!));
    } else if (/^\{/.test(rest)) {
      const end = code.indexOf('}', at);
      names.push(...listed(source.slice(at + 1, end === -1 ? undefined : end)));
    }
  }
  return names;
}

// The exported names of an export list's inside (`a, type T, b as c, 'd-e' as f`), comments removed.
function listed(inside: string): string[] {
  const entry = new RegExp(String.raw`^(?:type\s+)?(${NAME})(?:\s+as\s+(${NAME}))?$`);
  return withoutComments(inside)
    .split(',')
    .map((e) => e.trim())
    .flatMap((e) => {
      const m = entry.exec(e);
      return m && !e.startsWith('type ') ? [unquote(m[2] ?? m[1]!)] : [];
    });
}
