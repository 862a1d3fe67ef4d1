import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AppSource } from './apps.js';
import type { Diagnostic } from './errors.js';
import { jsonErrorPlace } from './json-key.js';

/** Whether a source file of an application is a JSON module (`import data from './data.json' with { type: 'json' }`). */
export const isJsonModule = (file: string): boolean => file.endsWith('.json');

/** The compiled file of a source file, relative to the output folder: `src/x.ts` → `src/x.js`, `src/data.json` → `src/data.json.js`. */
export const outputFile = (file: string): string => (isJsonModule(file) ? `${file}.js` : file.replace(/\.(ts|mts)$/, '.js'));

/**
 * Writes each JSON file under src/ as a module the code server loads (its name keeps `.json`, as the
 * import that names it does), whose one export `default` is the parsed value, as Node.js gives a JSON
 * import: otherwise the compiled `require("./data.json")` found no module in `otp shell` or a release.
 * A file that is no JSON is a diagnostic at the line and column of its fault; returns whether every file was written.
 */
export async function writeJsonModules(app: AppSource, files: readonly string[], texts: ReadonlyMap<string, string>, dir: string, diagnostics: Diagnostic[]): Promise<boolean> {
  const out: Array<[string, string]> = [];
  for (const file of files) {
    const text = texts.get(file)!;
    try {
      out.push([file, `"use strict";\nmodule.exports = { default: ${JSON.stringify(JSON.parse(text))} };\n`]);
    } catch (error) {
      const { reason, ...at } = jsonErrorPlace(text, error);
      diagnostics.push({ text: `${file} is a JSON module of ${app.name} (a .json file under src/) but holds no valid JSON: ${reason}`, location: { file: join(app.dir, file), ...at, lineText: text.split('\n')[at.line - 1] }, suggestion: 'fix the JSON, or move the file out of src/' });
    }
  }
  if (out.length < files.length) return false;
  for (const [file, code] of out) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, outputFile(file)), code);
  }
  return true;
}
