// Words after which a `/` starts a regular expression rather than dividing (`return /x/.test(s)`).
const BEFORE_REGEX = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
const OPENING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
// The last characters of operators that need an operand after them (`1 +`, `x =`, `a ?? `, `f =>`): text ending in one is
// cut short. `/` is left out (a regular expression or a division), and a postfix `++` or `--` ends an expression.
const CONTINUING = new Set(['+', '-', '*', '%', '&', '|', '^', '=', '<', '>', '?', ':', ',']);

/**
 * Where JavaScript read a line at a time stands: inside which brackets, template literals (and their `${…}`) and
 * block comments. Each line is read once, so joining a long statement costs its length, not its length squared;
 * a string or regular expression left open at a line's end, or a bracket closed that was never opened, marks the
 * scan `broken` (the text has an error the parser is to name).
 */
export class LineScanner {
  // Open brackets: '(', '[', '{', '${' (a template's substitution) and '`' (inside a template's text).
  private readonly stack: string[] = [];
  private comment = false;
  // A string continued past a line's end by a backslash: its quote.
  private quote: string | undefined;
  private regexNext = true;
  private word = '';
  private afterDot = false;
  // What the last token was: a punctuator, 'value' (a string, number, true, false, null) or 'word'.
  private last = '';
  // How many template substitutions (`${`) are open.
  private substitutions = 0;
  /** Whether the text has an error the scan cannot follow (the parser is then asked at every line). */
  broken = false;

  /**
   * Whether only a parse can tell if the text read so far is cut short: it has an error, or it ends inside a
   * block comment, a string continued by a backslash or a template's `${…}`, which V8 reports as other errors
   * than the end of the input.
   */
  get uncertain(): boolean {
    return this.broken || this.comment || this.quote !== undefined || this.substitutions > 0;
  }

  /** Whether the text read so far ends inside a bracket, a template literal, a string or a comment. */
  get open(): boolean {
    return this.stack.length > 0 || this.comment || this.quote !== undefined;
  }

  /**
   * Whether the text read so far is inside a template's text, or ends after a comma, a semicolon, an opening
   * bracket or a literal value (as the lines of a pasted object, array or template do): text cut short there has
   * the parser report the end of the input, so when the text has no error, it is cut short.
   */
  get resting(): boolean {
    return !this.uncertain && (this.stack.at(-1) === '`' || [',', ';', '(', '[', '{', 'value'].includes(this.last));
  }

  /**
   * Whether the text read so far ends after an operator that needs an operand (`1 +`, `total =`), outside any
   * bracket: text cut short there has the parser report the end of the input, so when it has no error, it is cut short.
   */
  get continued(): boolean {
    return !this.uncertain && this.stack.length === 0 && CONTINUING.has(this.last);
  }

  /** Reads one more line (without its line break). */
  line(text: string): void {
    // A script's HTML-like comments (`<!--` anywhere, `-->` starting a line) hide what the scan would read as operators.
    if (!this.comment && this.quote === undefined && this.stack.at(-1) !== '`' && (/^\s*-->/.test(text) || text.includes('<!--'))) this.broken = true;
    let i = 0;
    while (i < text.length && !this.broken) {
      if (this.comment) i = this.endComment(text, i);
      else if (this.quote !== undefined) i = this.inString(text, i);
      else if (this.stack.at(-1) === '`') i = this.inTemplate(text, i);
      else i = this.code(text, i);
    }
    this.endWord();
    // A line break ends a string (unless escaped) and a regular expression: either left open is an error.
    if (this.quote !== undefined && !text.endsWith('\\')) this.broken = true;
  }

  private endComment(text: string, i: number): number {
    const end = text.indexOf('*/', i);
    if (end < 0) return text.length;
    this.comment = false;
    return end + 2;
  }

  private inString(text: string, i: number): number {
    for (; i < text.length; i++) {
      const c = text.charAt(i);
      if (c === '\\') i++;
      else if (c === this.quote) {
        this.quote = undefined;
        this.regexNext = false;
        this.last = 'value';
        return i + 1;
      }
    }
    return i;
  }

  private inTemplate(text: string, i: number): number {
    for (; i < text.length; i++) {
      const c = text.charAt(i);
      if (c === '\\') i++;
      else if (c === '`') {
        this.stack.pop();
        this.regexNext = false;
        this.last = 'value';
        return i + 1;
      } else if (c === '$' && text[i + 1] === '{') {
        this.stack.push('${');
        this.substitutions++;
        this.regexNext = true;
        return i + 2;
      }
    }
    return i;
  }

  // One token of code (or the space before one) from `i`: answers where the next one starts.
  private code(text: string, i: number): number {
    const c = text.charAt(i);
    if (/[\w$#\u0080-\uffff]/.test(c)) {
      this.word += c;
      return i + 1;
    }
    this.endWord();
    if (c === ' ' || c === '\t') return i + 1;
    if (c === '/') return this.slash(text, i);
    this.afterDot = c === '.' && !/\d/.test(text[i + 1] ?? '');
    const twice = (c === '+' || c === '-') && text[i + 1] === c;
    // A `++` or `--` is no operator waiting for its operand (after a value it ends the expression).
    this.last = twice ? c + c : c;
    if (c === "'" || c === '"') this.quote = c;
    else if (c === '`') this.stack.push('`');
    else if (c === '(' || c === '[' || c === '{') this.stack.push(c);
    else if (c === ')' || c === ']' || c === '}') this.close(c);
    // After a closing bracket or a postfix ++/--, a `/` divides; after other punctuation it starts a regex.
    // A `}` ends a block far more often than an object literal divided by something, so a regex follows it.
    this.regexNext = !(c === ')' || c === ']' || twice);
    return twice ? i + 2 : i + 1;
  }

  private close(c: string): void {
    const top = this.stack.pop();
    if (c === '}' && top === '${') {
      this.substitutions--;
      return;
    }
    if (top !== OPENING[c]) this.broken = true;
  }

  private slash(text: string, i: number): number {
    const next = text[i + 1];
    if (next === '/') return text.length;
    if (next === '*') {
      this.comment = true;
      return i + 2;
    }
    if (!this.regexNext) {
      this.regexNext = true;
      return i + 1;
    }
    return this.regex(text, i + 1);
  }

  private regex(text: string, i: number): number {
    let inClass = false;
    for (; i < text.length; i++) {
      const c = text.charAt(i);
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) {
        this.regexNext = false;
        this.last = 'value';
        return i + 1;
      }
    }
    this.broken = true;
    return i;
  }

  private endWord(): void {
    if (this.word === '') return;
    this.regexNext = !this.afterDot && BEFORE_REGEX.has(this.word);
    this.last = /^(\d|true$|false$|null$)/.test(this.word) ? 'value' : 'word';
    this.afterDot = false;
    this.word = '';
  }
}
