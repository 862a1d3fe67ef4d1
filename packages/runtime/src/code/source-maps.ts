import { SourceMap } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// Source maps of the modules the code server evaluated, by the script name their stack frames carry; per
// compiled file, the version first evaluated from it (it alone goes by the file's path) and its scripts.
const maps = new Map<string, { map: SourceMap; dir: string }>();
const firstVersion = new Map<string, string>();
const scripts = new Map<string, Set<string>>();
let installed = false;

/**
 * The name V8 knows one version of a compiled file by: the file's path for the first version evaluated
 * from it, `path?v=<vsn>` for any other. A file reloaded in place (otp shell --watch, c(), l()) thus keeps
 * each version's own source map, so the stacks and CPU profiles of old code still running show its lines.
 */
export function scriptName(filename: string, vsn: string): string {
  const first = firstVersion.get(filename);
  if (first === undefined) firstVersion.set(filename, vsn);
  return first === undefined || first === vsn ? filename : `${filename}?v=${vsn}`;
}

/**
 * Reads the source map a compiled module points to (inline or beside `filename`) so the frames of its
 * script `script` show TypeScript lines. The maps of the file's other scripts not in `keep` (the versions
 * the code server still holds) are dropped: a file reloaded a hundred times keeps two or three maps.
 */
export function registerSourceMap(script: string, code: string, filename = script, keep: readonly string[] = []): void {
  const names = scripts.get(filename) ?? new Set<string>();
  scripts.set(filename, names);
  for (const other of names) {
    if (other === script || keep.includes(other)) continue;
    maps.delete(other);
    names.delete(other);
  }
  const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code);
  if (!m) return;
  try {
    const url = m[1]!;
    const json = url.startsWith('data:') ? Buffer.from(url.slice(url.indexOf(',') + 1), 'base64').toString('utf8') : readFileSync(resolve(dirname(filename), url), 'utf8');
    maps.set(script, { map: new SourceMap(JSON.parse(json)), dir: dirname(filename) });
    names.add(script);
    install();
  } catch {
    // A missing or broken map only costs the TypeScript line numbers, never the load.
  }
}

function mapFrame(frame: NodeJS.CallSite): string {
  const file = frame.getFileName();
  const entry = file ? maps.get(file) : undefined;
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (!entry || line === null || column === null) return frame.toString();
  const hit = entry.map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (hit.originalSource === undefined || hit.originalLine === undefined) return frame.toString();
  const source = resolve(entry.dir, hit.originalSource);
  const where = `${source}:${hit.originalLine + 1}:${(hit.originalColumn ?? 0) + 1}`;
  const fn = frame.getFunctionName();
  const type = frame.getTypeName();
  const method = frame.getMethodName();
  const name = fn ? (type && !fn.startsWith(`${type}.`) && !frame.isToplevel() ? `${type}.${fn}` : fn) : method ? `${type ?? ''}.${method}` : undefined;
  return `${frame.isAsync() ? 'async ' : ''}${name ? `${name} (${where})` : where}`;
}

// Stack frames of code-server modules are rewritten to TypeScript file:line; all others are left to
// whatever formatted them before (Node's own --enable-source-maps, or V8's default).
function install(): void {
  if (installed) return;
  installed = true;
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!frames.some((f) => maps.has(f.getFileName() ?? ''))) {
      if (previous) return previous(error, frames);
      return `${String(error)}${frames.map((f) => `\n    at ${f.toString()}`).join('')}`;
    }
    return `${String(error)}${frames.map((f) => `\n    at ${mapFrame(f)}`).join('')}`;
  };
}

// The lines of an original source, from the map's sourcesContent or the file: to name a minified function.
// Per map: each version of a source has its own text.
const sourceLines = new WeakMap<SourceMap, Map<string, string[] | null>>();
function originalLine(map: SourceMap, originalSource: string, source: string, line: number): string | undefined {
  const ofMap = sourceLines.get(map) ?? new Map<string, string[] | null>();
  sourceLines.set(map, ofMap);
  let lines = ofMap.get(source);
  if (lines === undefined) {
    const payload = map.payload as { sources?: string[]; sourcesContent?: Array<string | null> };
    const text = payload.sourcesContent?.[payload.sources?.indexOf(originalSource) ?? -1] ?? (() => {
      try {
        return readFileSync(source, 'utf8');
      } catch {
        return null;
      }
    })();
    ofMap.set(source, (lines = text === null ? null : text.split('\n')));
  }
  return lines?.[line];
}

/**
 * The TypeScript position (0-based) and function name of a 0-based line and column of a module the code
 * server loaded (`file` a path or file: URL), if its source map says: the name from the map, else the
 * identifier a function declaration on that source line gives (a minified build renames functions).
 */
export function originalPosition(file: string, line: number, column: number): { source: string; line: number; column: number; name: string | undefined } | undefined {
  const entry = maps.get(file.startsWith('file://') ? decodeURIComponent(new URL(file).pathname) : file);
  if (!entry || line < 0) return undefined;
  const hit = entry.map.findEntry(line, Math.max(0, column)) as { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };
  if (hit.originalSource === undefined || hit.originalLine === undefined) return undefined;
  const source = resolve(entry.dir, hit.originalSource);
  let name = hit.name;
  if (!name) {
    const text = originalLine(entry.map, hit.originalSource, source, hit.originalLine) ?? '';
    const m = /function\s*\*?\s*([\w$]+)|([\w$]+)\s*[:=]\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::[^=]*)?=>)|^\s*(?:(?:public|private|protected|static|async|get|set)\s+)*([\w$]+)\s*\(/.exec(text);
    name = m?.[1] ?? m?.[2] ?? m?.[3];
  }
  return { source, line: hit.originalLine, column: hit.originalColumn ?? 0, name };
}
