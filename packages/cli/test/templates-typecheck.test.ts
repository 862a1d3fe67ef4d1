// Every template, rendered inside the repository (so @otp-ts/runtime resolves to its sources), type-checks
// under the tsconfig it generates: the templates follow the runtime's current API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { planProject, templateNames } from '@otp-ts/cli';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
mkdirSync(join(repo, '_build', 'test'), { recursive: true });
const work = mkdtempSync(join(repo, '_build', 'test', 'templates-'));
after(() => rmSync(work, { recursive: true, force: true }));

function diagnostics(project: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(project, 'tsconfig.json'), { customConditions: ['otp-ts-source'] }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) });
  assert.ok(parsed);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  // Only the generated files' diagnostics: the runtime's own are its package's business.
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || d.file.fileName.startsWith(project)).map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => project, getNewLine: () => '\n' }));
}

for (const template of templateNames) {
  test(`the ${template} template type-checks against @otp-ts/runtime`, () => {
    const project = join(work, template);
    for (const f of planProject(template, `probe_${template}`)) {
      mkdirSync(dirname(join(project, f.path)), { recursive: true });
      writeFileSync(join(project, f.path), f.content);
    }
    assert.deepEqual(diagnostics(project), []);
  });
}
