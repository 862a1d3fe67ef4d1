import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newProject, readTemplate, readTemplates, OtpError, type OtpErrorCode } from '@otp-ts/cli';
import { tempDir, writeTree } from './helpers.ts';

const fails = (body: () => unknown, code: OtpErrorCode, message: string, hint?: string) =>
  assert.throws(body, (e: unknown) => {
    assert.ok(e instanceof OtpError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    if (hint !== undefined) assert.equal(e.hint, hint);
    return true;
  });

test('newProject writes the planned files under cwd/NAME, or under --dir', () => {
  const cwd = tempDir();
  const made = newProject({ template: 'lib', name: 'backoff', cwd });
  assert.equal(made.root, join(cwd, 'backoff'));
  assert.ok(made.files.includes('src/backoff.ts'));
  for (const f of made.files) assert.ok(existsSync(join(made.root, f)), f);
  const other = newProject({ template: 'lib', name: 'retry', dir: 'libs/r', cwd });
  assert.equal(other.root, join(cwd, 'libs', 'r'));
  assert.match(readFileSync(join(other.root, 'src', 'retry.ts'), 'utf8'), /export function delayFor/);
});

test('an empty existing folder is fine; a non-empty one needs force; a file is refused', () => {
  const cwd = writeTree(tempDir(), { 'busy/notes.txt': 'mine', 'plain.txt': 'x' });
  newProject({ template: 'lib', name: 'empty_ok', dir: join(cwd, 'fresh'), cwd });
  fails(() => newProject({ template: 'app', name: 'busy', cwd }), 'exists', `the folder ${join(cwd, 'busy')} exists and is not empty`, 'Choose another name or --dir, or pass --force to write into it.');
  assert.deepEqual(readdirSync(join(cwd, 'busy')), ['notes.txt']);
  newProject({ template: 'app', name: 'busy', cwd, force: true });
  assert.equal(readFileSync(join(cwd, 'busy', 'notes.txt'), 'utf8'), 'mine');
  fails(() => newProject({ template: 'app', name: 'shop', dir: 'plain.txt', cwd }), 'exists', `${join(cwd, 'plain.txt')} exists and is not a folder`, 'Choose another name or --dir.');
});

test('a bad name is refused before the folder is looked at', () => {
  const cwd = writeTree(tempDir(), { 'Bad/x': '' });
  fails(() => newProject({ template: 'app', name: 'Bad', cwd }), 'badName', "invalid name 'Bad': application names are lowercase");
});

test('broken templates folders are named: unreadable manifest, missing lists, missing sources', () => {
  const dir = writeTree(tempDir(), {
    'bad_json/manifest.json': '{',
    'no_files/manifest.json': '{"description":"x","variables":{}}',
    'missing/manifest.json': '{"description":"x","variables":{},"files":{"a.txt":"gone.txt"}}',
    'ok/manifest.json': '{"description":"x","variables":{},"files":{"a.txt":"a.txt"},"include":[{"template":"ok2","into":"sub","files":["b.txt"]}]}',
    'ok/a.txt': 'a',
    'ok2/manifest.json': '{"description":"y","variables":{},"files":{"b.txt":"b.txt"}}',
    'ok2/b.txt': 'b',
  });
  assert.throws(() => readTemplate('bad_json', dir), (e: unknown) => e instanceof OtpError && e.code === 'badTemplate' && e.message.startsWith(`template manifest ${join(dir, 'bad_json', 'manifest.json')} cannot be read: `));
  fails(() => readTemplate('no_files', dir), 'badTemplate', `template manifest ${join(dir, 'no_files', 'manifest.json')} needs "variables" and "files" objects`);
  fails(() => readTemplate('missing', dir), 'badTemplate', "template 'missing' lists gone.txt, which does not exist");
  assert.deepEqual(Object.keys(readTemplates('ok', dir)).sort(), ['ok', 'ok2']);
  writeFileSync(join(dir, 'ok2', 'b.txt'), 'changed');
  assert.equal(readTemplates('ok', dir).ok2!.sources['b.txt'], 'changed');
});
