// otp shell in an umbrella whose app imports a sibling's module: the sibling is loaded first, whatever the apps'
// names, as the importing app's otp.applications says (the release orders them so too). Generated inside the
// repository's _build/ so the projects resolve the workspace's packages as an installed project would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

// The shell's node registers with this file's own port mapper, stopped at the end, instead of leaving one running.
const shellPort = String(await privatePortMapper());
const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = (cwd: string, args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, input, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1', OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'umord' } });

test("otp shell in an umbrella loads a sibling app before the app importing its module, though the importer's name sorts first", { timeout: 300_000 }, () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'umord-'));
  try {
    assert.equal(otp(base, ['new', 'umbrella', 'umord', '--quiet']).status, 0);
    const root = join(base, 'umord');
    assert.equal(otp(root, ['new', 'lib', 'zz_text', '--dir', 'apps/zz_text', '--quiet']).status, 0);
    assert.equal(otp(root, ['new', 'app', 'aa_billing', '--dir', 'apps/aa_billing', '--quiet']).status, 0);
    const pkg = join(root, 'apps', 'aa_billing', 'package.json');
    const text = readFileSync(pkg, 'utf8');
    const edited = text.replace('"applications": []', '"applications": ["zz_text"]');
    assert.notEqual(edited, text, 'the edit applied');
    writeFileSync(pkg, edited);
    appendFileSync(join(root, 'apps', 'aa_billing', 'src', 'aa_billing_server.ts'), "\nimport { delayFor } from 'zz_text/src/zz_text.ts';\n\n/** The retry delay of attempt n. */\nexport const retryIn = (n: number): number => delayFor(n);\n");
    const r = otp(root, ['shell'], "mod('aa_billing/aa_billing_server').retryIn(3)\nq()\n");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /started zz_text, aa_billing, umord;/);
    assert.match(r.stdout, /otp> 800\n/);
    assert.doesNotMatch(r.stderr, /not loaded|internal error/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
