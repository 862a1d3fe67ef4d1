// bin/<name> upgrade raced by a second upgrade to the same version, and downgrade to a version that never
// existed: each refusal says what is really the matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('a downgrade to a version the root never had lists the versions it has (exit 2), with no advice to unpack it', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'raced-'));
  const dir = join(base, 'race');
  const rel = join(dir, '_build', 'prod', 'rel', 'race');
  const script = (args: string[]) => run(join(rel, 'bin', 'race'), args, rel);
  const pkg = join(dir, 'package.json');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'race', '--quiet'], base), 'otp new');
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'one';\n}\n");
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release 0.1.0');
    assert.match(await ok(script(['daemon']), 'daemon'), /started race 0\.1\.0/);
    writeFileSync(join(dir, 'src', 'which.ts'), "export function which(): string {\n  return 'two';\n}\n");
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');

    const never = await script(['downgrade', '0.0.1']);
    assert.equal(never.status, 2, never.out);
    assert.doesNotMatch(never.stderr, /unpack it first|bin\/race unpack/);
    assert.match(never.stderr, /0\.0\.1 is not a version of this release root.*versions here: 0\.1\.0 \(permanent\), 0\.2\.0 \(unpacked\)/);

    assert.equal(await ok(script(['stop']), 'stop'), 'stopped');
  } finally {
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
