// A .json file under an application's src/ is a module; one that holds no valid JSON is refused by otp compile at the
// FILE:LINE:COLUMN of its fault, as tsc prints a TypeScript error, so an editor goes there: not at line 1 with a
// character offset in the text, and not without a place when Node.js names none (a trailing comma in an array).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bin } from './support/cli.ts';
import { scratchProject } from './support/files.ts';
import { run } from './support/run.ts';

const app = `import { supervisor, type ApplicationModule, type Supervisor } from '@otp-ts/runtime';
import limits from './limits.json' with { type: 'json' };
const top: Supervisor = { init: () => ({ flags: { strategy: 'oneForOne', intensity: limits.max }, children: [] }) };
export default { start: (_t, _a, ctx) => supervisor.startLink(ctx, top, undefined) } satisfies ApplicationModule;
`;
const pkg = JSON.stringify({ name: 'kiosk', version: '0.1.0', private: true, type: 'module', otp: { mod: 'src/kiosk_app.ts' } });

// Each case: what is wrong, the JSON text, and the `line:column` (1-based) an editor shows at the fault.
const cases: Array<[string, string, string]> = [
  ['a missing comma (Node.js names an offset)', '{\n  "max": 3\n  "names": ["a"]\n}\n', '3:3'],
  ['a trailing comma in an array (Node.js 20 names no offset)', '{\n  "max": 3,\n  "names": ["a", "b",]\n}\n', '3:22'],
  ['a comment', '{\n  "max": 3,\n  // the names\n  "names": []\n}\n', '3:3'],
  ['an unfinished object', '{\n  "max": 3,\n  "names": []\n', '4:1'],
];

for (const [what, json, place] of cases) {
  test(`a JSON module with ${what}: otp compile names its file:line:column, exit 1, and builds nothing`, { timeout: 120_000 }, async () => {
    const dir = scratchProject('kiosk', { 'package.json': pkg, 'src/kiosk_app.ts': app, 'src/limits.json': json });
    const r = await run(process.execPath, [bin, 'compile'], dir, { ...process.env, NO_COLOR: '1' });
    assert.equal(r.status, 1, r.out);
    assert.ok(r.stderr.startsWith(`otp: compiling failed: ${join('src', 'limits.json')}:${place}: src/limits.json is a JSON module of kiosk`), r.stderr);
    // JSON.parse's reason (its words vary with the Node.js version), without its offset or its echo of the file.
    assert.match(r.stderr, /holds no valid JSON: [^"\n]+ \(fix the JSON, or move the file out of src\/\)$/);
    assert.doesNotMatch(r.stderr, /position|is not valid JSON|internal error/);
    assert.equal(existsSync(join(dir, '_build', 'dev', 'lib', 'kiosk-0.1.0', 'src', 'limits.json.js')), false, r.stderr);
  });
}
