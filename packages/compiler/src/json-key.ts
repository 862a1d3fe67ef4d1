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
