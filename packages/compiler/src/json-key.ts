// Where a key of a JSON file is written, so a problem with its value points at its line (package.json's
// "otp.mod" on line 9), not at the file's first line.

/** A key's place in JSON text: 1-based line, 0-based column (a diagnostic's location). */
export interface KeyPlace {
  line: number;
  column: number;
}

// One open object or array while scanning: for an object, the key read last and whether a key comes next.
interface Open {
  object: boolean;
  key?: string;
  keyNext: boolean;
}

/**
 * The place of the key at `path` (`['otp', 'mod']`) in `text`, the last one written when a key repeats (the one
 * JSON.parse keeps), or line 1 when the key is not found (a caller names the file either way).
 */
export function keyPlace(text: string, path: readonly string[]): KeyPlace {
  const open: Open[] = [];
  let found = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = open.at(-1);
      if (top?.object && top.keyNext) {
        top.key = parsedKey(text.slice(i, end + 1));
        top.keyNext = false;
        if (open.length === path.length && open.every((o, d) => o.object && o.key === path[d])) found = i;
      }
      i = end;
    } else if (ch === '{' || ch === '[') open.push({ object: ch === '{', keyNext: ch === '{' });
    else if (ch === '}' || ch === ']') open.pop();
    else if (ch === ',' && open.at(-1)?.object) open.at(-1)!.keyNext = true;
  }
  if (found < 0) return { line: 1, column: 0 };
  const before = text.slice(0, found);
  return { line: before.split('\n').length, column: found - (before.lastIndexOf('\n') + 1) };
}

// A key as JSON.parse reads it (escapes undone), or undefined for one that is not valid JSON text.
function parsedKey(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}

/** Why JSON text is not valid JSON and where: 1-based line, 0-based column (a diagnostic's location). */
export interface JsonErrorPlace extends KeyPlace {
  /** JSON.parse's reason without its position or its echo of the text (`Expected ',' or '}' after property value`). */
  reason: string;
}

/**
 * Where JSON.parse's `error` for `text` is, as an editor's line and column. Node.js names a character offset for
 * some errors and none for others (a trailing comma in an array, a comment: `Unexpected token ']', "…" is not
 * valid JSON`): then the place is found by reading the text as JSON up to its first fault; line 1 if none is found.
 */
export function jsonErrorPlace(text: string, error: unknown): JsonErrorPlace {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message.replace(/( in JSON)? at position \d+( \(line \d+ column \d+\))?$/, '').replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '');
  const named = /at position (\d+)/.exec(message)?.[1];
  const offset = named !== undefined ? Number(named) : /end of JSON input/.test(message) ? text.length : (faultOffset(text) ?? 0);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1), reason };
}

// The offset of the first character that is not valid JSON in `text` (its length when it ends too soon), or
// undefined when it is valid or nested too deep to read here.
function faultOffset(text: string): number | undefined {
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string): void => {
    space();
    if (text[i] !== ch) throw new Fault(i);
    i++;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const ch = text.charCodeAt(i);
      if (i >= text.length || ch < 0x20) throw new Fault(i);
      i++;
      if (ch === 0x22) return;
      if (ch !== 0x5c) continue;
      if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
      else if (/^u[0-9a-fA-F]{4}/.test(text.slice(i, i + 5))) i += 5;
      else throw new Fault(i);
    }
  };
  const items = (close: string, item: () => void): void => {
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(',');
    }
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') {
      i++;
      items('}', () => (string(), expect(':'), value()));
    } else if (ch === '[') {
      i++;
      items(']', value);
    } else if (ch === '"') string();
    else {
      const literal = /true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
      literal.lastIndex = i;
      if (!literal.exec(text) || literal.lastIndex === i) throw new Fault(i);
      i = literal.lastIndex;
    }
  };
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (error) {
    return error instanceof Fault ? error.at : undefined;
  }
}

// Reading JSON text stopped at offset `at`.
class Fault extends Error {
  constructor(readonly at: number) {
    super(`not JSON at ${at}`);
  }
}
