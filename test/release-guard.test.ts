// Live upgrades that never lose, corrupt or crash, end to end with real OS processes: a new version that
// crash-loops under load is rolled back before it can stop the node, with every acknowledged call's effect
// kept; a node killed in the middle of an upgrade boots its permanent version; `${VAR}` in a new version's
// sys.config.json comes from the upgrade command's shell; an upgrade adds an application with its
// sys.config and a downgrade stops it and unloads its modules. The app is named sentry (and the umbrella
// depot) so their nodes never meet those of other test files running at the same time.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';
import { startLoad } from '../bench/lib/call-load.ts';
import { run, ok, type Ran } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const node = 'sentry@127.0.0.1';

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<unknown> => waitFor(what, check, { ms });

// The shell's environment without the variable 0.3.0's sys.config.json uses.
function envWithout(name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env[name];
  return env;
}

mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
const base = mkdtempSync(join(repo, '_build', 'e2e', 'guard-'));
const project = join(base, 'sentry');
const rel = join(project, '_build', 'prod', 'rel', 'sentry');

// Three versions of one generated app: 0.1.0; 0.2.0, whose every bump throws once codeChange ran (a
// crash loop under load); 0.3.0, healthy, whose sys.config.json needs $SENTRY_GREETING.
before(async () => {
  await ok(run(process.execPath, [otp, 'new', 'app', 'sentry', '--quiet'], base), 'otp new');
  await ok(run(process.execPath, [otp, 'release', '--tar'], project), 'otp release 0.1.0');
  const serverFile = join(project, 'src', 'sentry_server.ts');
  const pkg = join(project, 'package.json');
  const v1 = readFileSync(serverFile, 'utf8');
  const bumpCrashes = replaceOrFail(v1, "case 'bump': {", "case 'bump': {\n        const x: any = (state as any).x ?? {};\n        x.newFn();");
  const crashing = replaceOrFail(bumpCrashes, /codeChange: .*\n/, "codeChange: (oldVsn: any, state: any) => (oldVsn !== null && typeof oldVsn === 'object' ? { counts: state.counts } : { ...state, x: {} }),\n");
  assert.notEqual(crashing, v1, 'the edit of 0.2.0 applied');
  writeFileSync(serverFile, crashing);
  writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
  await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], project), 'otp release 0.2.0');
  writeFileSync(serverFile, v1);
  writeFileSync(join(project, 'config', 'sys.config.json'), JSON.stringify({ sentry: { initialCounts: {}, greeting: '${SENTRY_GREETING}' } }));
  writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
  await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], project), 'otp release 0.3.0');
});

after(() => rmSync(base, { recursive: true, force: true }));

// A fresh deployment of 0.1.0 from its tarball, running as a daemon, with 0.2.0's and 0.3.0's tarballs beside it.
async function deploy(name: string): Promise<{ dir: string; script: string; cookie: string }> {
  const dir = join(base, name);
  mkdirSync(dir);
  await extract({ file: join(rel, 'sentry-0.1.0.tar.gz'), cwd: dir });
  for (const vsn of ['0.2.0', '0.3.0']) copyFileSync(join(rel, `sentry-${vsn}.tar.gz`), join(dir, 'releases', `sentry-${vsn}.tar.gz`));
  const script = join(dir, 'bin', 'sentry');
  assert.match(await ok(run(script, ['daemon'], dir, envWithout('SENTRY_GREETING')), 'daemon'), /started sentry 0\.1\.0/);
  const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(dir, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
  return { dir, script, cookie };
}

const evalOn = (script: string, dir: string, code: string): Promise<string> => ok(run(script, ['eval', code], dir), `eval ${code}`);

test('a new version that crash-loops under load is rolled back before it can stop the node: one line, exit 1, and every acknowledged call kept', { timeout: 300_000 }, async (t) => {
  const { dir, script, cookie } = await deploy('crashloop');
  try {
    assert.equal(await evalOn(script, dir, "genServer.call(ctx, 'sentry_server', { op: 'bump', key: 'apples', by: 3 })"), '3');
    const load = await startLoad({ node, cookie, server: 'sentry_server', clients: 4 });
    let counts;
    let up: Ran | undefined;
    try {
      await until('calls before the upgrade', () => load.counts().ok >= 50);
      up = await run(script, ['upgrade', '0.2.0'], dir);
      assert.equal(up.status, 1, up.out);
      assert.equal(up.stderr.split('\n').length, 1, up.stderr);
      assert.match(up.stderr, /^sentry: upgrade to 0\.2\.0 rolled back, 0\.1\.0 still runs: sentry_server <0\.\d+\.0> crashed \d+ times in \d+ ms: TypeError: .*newFn is not a function$/);
      const served = load.counts().ok;
      await until('calls answered by 0.1.0 again', () => load.counts().ok >= served + 50);
    } finally {
      counts = await load.stop();
    }
    assert.deepEqual({ outOfOrder: counts.outOfOrder, duplicated: counts.duplicated }, { outOfOrder: 0, duplicated: 0 }, counts.errors.join('; '));
    // Each acknowledged bump added one to its client's key: their sum on the server is the acknowledged calls.
    const sum = await evalOn(script, dir, "let sum = 0; for (const key of await genServer.call(ctx, 'sentry_server', { op: 'keys' })) if (key.startsWith('load_')) sum += await genServer.call(ctx, 'sentry_server', { op: 'count', key }); return sum;");
    assert.equal(Number(sum), counts.ok, `${counts.ok} calls acknowledged, ${counts.failed} failed while the new version crashed`);
    t.diagnostic(`${counts.ok} calls acknowledged and kept, ${counts.failed} failed while 0.2.0 crashed; ${up?.stderr}`);
    assert.equal(await evalOn(script, dir, "genServer.call(ctx, 'sentry_server', { op: 'count', key: 'apples' })"), '3', 'the state from before the upgrade serves on');
    assert.match(await ok(run(script, ['versions'], dir), 'versions'), /0\.1\.0\s+permanent \(running\)/);
  } finally {
    await run(script, ['stop'], dir);
  }
});

test('a node killed in the middle of an upgrade boots its permanent version, and upgrade says the node died in one line: why, what boots next, where its log is', { timeout: 300_000 }, async () => {
  const { dir, script } = await deploy('killed');
  try {
    const upgrading = run(script, ['upgrade', '0.3.0', '--probe-ms', '120000'], dir, { ...process.env, SENTRY_GREETING: 'hello' });
    await until('0.3.0 swapped in, not yet permanent', async () => /0\.3\.0\s+unpacked \(running, being installed over 0\.1\.0/.test((await run(script, ['versions'], dir)).stdout));
    const osPid = Number(readFileSync(join(dir, 'run', 'sentry.pid'), 'utf8'));
    process.kill(osPid, 'SIGKILL');
    const up = await upgrading;
    assert.equal(up.status, 1, up.out);
    // One line, as daemon says a failed boot: no log lines quoted, the log's lines from before the upgrade not read.
    assert.equal(up.stderr, `sentry: sentry@127.0.0.1 (os pid ${osPid}) died during the upgrade to 0.3.0: it left no reason in its log (a kill -9, or the out-of-memory killer, leaves none); 0.1.0 is still permanent and is what the next boot starts (bin/sentry daemon); its full log is log/sentry.log`);
    assert.match(await ok(run(script, ['daemon'], dir, envWithout('SENTRY_GREETING')), 'daemon again'), /started sentry 0\.1\.0/);
    assert.match(await ok(run(script, ['versions'], dir), 'versions'), /0\.1\.0\s+permanent \(running\)\n0\.3\.0\s+unpacked/);
  } finally {
    await run(script, ['stop'], dir);
  }
});

test('${VAR} in a new version\'s sys.config.json comes from the upgrade command\'s shell: unset, exit 2 naming it and the file; set there only, the node gets it, quotes and all', { timeout: 300_000 }, async () => {
  const { dir, script } = await deploy('config');
  try {
    const unset = await run(script, ['upgrade', '0.3.0'], dir, envWithout('SENTRY_GREETING'));
    assert.equal(unset.status, 2, unset.out);
    assert.equal(unset.stderr, 'sentry: releases/0.3.0/sys.config.json needs $SENTRY_GREETING, which is not set in this shell: export it and run upgrade again');
    const empty = await run(script, ['upgrade', '0.3.0'], dir, { ...process.env, SENTRY_GREETING: '' });
    assert.equal(empty.status, 2, empty.out);
    assert.equal(empty.stderr, 'sentry: releases/0.3.0/sys.config.json needs $SENTRY_GREETING, which is set but empty in this shell: give SENTRY_GREETING a value and run upgrade again');
    assert.match(await ok(run(script, ['versions'], dir), 'versions'), /0\.1\.0\s+permanent \(running\)\n0\.3\.0\s+unpacked$/, 'unpacked, not installed');
    // The daemon was started without the variable: only the upgrade command's shell has it.
    const up = await ok(run(script, ['upgrade', '0.3.0', '--probe-ms', '200'], dir, { ...process.env, SENTRY_GREETING: 'say "hi" } to {all}' }), 'upgrade with the variable');
    assert.match(up, /upgraded 0\.1\.0 → 0\.3\.0/);
    assert.equal(await evalOn(script, dir, "application.getEnv(ctx, 'sentry', 'greeting')"), `'say "hi" } to {all}'`);
  } finally {
    await run(script, ['stop'], dir);
  }
});

test('an application added by an upgrade starts with the new version\'s sys.config; a downgrade stops it and unloads its modules', { timeout: 300_000 }, async () => {
  const umbrella = join(base, 'depot');
  const urel = join(umbrella, '_build', 'prod', 'rel', 'depot');
  const dir = join(base, 'depot-deploy');
  const script = join(dir, 'bin', 'depot');
  try {
    await ok(run(process.execPath, [otp, 'new', 'umbrella', 'depot', '--quiet'], base), 'otp new umbrella');
    await ok(run(process.execPath, [otp, 'release', '--tar'], umbrella), 'otp release 0.1.0');
    await ok(run(process.execPath, [otp, 'new', 'app', 'ledger', '--dir', 'apps/ledger', '--quiet'], umbrella), 'otp new app ledger');
    const config = join(umbrella, 'otp.config.ts');
    // otp new added ledger to the umbrella's release; 0.2.0 is the version that ships it.
    writeFileSync(config, replaceOrFail(readFileSync(config, 'utf8'), "{ version: '0.1.0', applications: ['depot', 'ledger'] }", "{ version: '0.2.0', applications: ['depot', 'ledger'] }"));
    writeFileSync(join(umbrella, 'config', 'sys.config.json'), JSON.stringify({ depot: { initialCounts: {} }, ledger: { initialCounts: { opening: 7 } } }));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], umbrella), 'otp release 0.2.0');

    mkdirSync(dir);
    await extract({ file: join(urel, 'depot-0.1.0.tar.gz'), cwd: dir });
    copyFileSync(join(urel, 'depot-0.2.0.tar.gz'), join(dir, 'releases', 'depot-0.2.0.tar.gz'));
    await ok(run(script, ['daemon'], dir), 'daemon');
    const up = await ok(run(script, ['upgrade', '0.2.0', '--probe-ms', '200'], dir), 'upgrade');
    assert.match(up, /applications added: ledger; removed: none/);
    assert.equal(await evalOn(script, dir, "application.getEnv(ctx, 'ledger', 'initialCounts')"), '{ opening: 7 }');
    assert.equal(await evalOn(script, dir, "genServer.call(ctx, 'ledger_server', { op: 'count', key: 'opening' })"), '7', 'ledger_server started from its sys.config');
    const ledgerModules = "codeServerOf(ctx.node).loaded().filter((m) => m.startsWith('ledger/')).length";
    assert.notEqual(await evalOn(script, dir, ledgerModules), '0');

    const down = await ok(run(script, ['downgrade', '0.1.0', '--probe-ms', '200'], dir), 'downgrade');
    assert.match(down, /applications added: none; removed: ledger/);
    assert.equal(await evalOn(script, dir, 'application.whichApplications(ctx).then((apps) => apps.map((a) => a.name).join())'), "'depot'");
    assert.equal(await evalOn(script, dir, ledgerModules), '0', "ledger's modules are unloaded");
    assert.equal(await evalOn(script, dir, "whereis('ledger_sup') === undefined"), 'true');
    assert.match(await ok(run(script, ['versions'], dir), 'versions'), /0\.1\.0\s+permanent \(running\)/);
  } finally {
    if (existsSync(script)) await run(script, ['stop'], dir);
  }
});
