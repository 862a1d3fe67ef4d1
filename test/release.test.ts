// Releases end to end, with real OS processes: a generated app is released, its tarball deployed into
// a fresh folder and started as a daemon by its own start script, then hot-upgraded and downgraded
// under load over distribution with zero failed calls; a codeChange that throws rolls back; bad
// tarballs and unknown versions change nothing; a release carrying Node.js runs with no node on PATH.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';
import { startLoad } from '../bench/lib/call-load.ts';
import { makePki } from './support/pki.ts';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
const epmdPort = await privatePortMapper();

// The generated server's 0.2.0: its state gains `total`, migrated by codeChange (and dropped going down).
function withTotal(source: string, codeChange: string): string {
  const edits: Array<[string | RegExp, string]> = [
    ['counts: Record<string, number>;\n}', 'counts: Record<string, number>;\n  total: number;\n}'],
    ["'initialCounts', {}) } }),", "'initialCounts', {}) }, total: 0 }),"],
    ['return reply(n, { counts: { ...state.counts, [request.key]: n } });', 'return reply(n, { counts: { ...state.counts, [request.key]: n }, total: state.total + request.by });'],
    ['handleCast: () => noreply({ counts: {} }),', 'handleCast: () => noreply({ counts: {}, total: 0 }),'],
    [/codeChange: .*\n/, `${codeChange}\n`],
  ];
  return edits.reduce((text, [from, to]) => replaceOrFail(text, from, to), source);
}

const migrate = `codeChange(oldVsn: unknown, state: any): State {
    if (typeof oldVsn === 'object' && oldVsn !== null && 'down' in oldVsn) return { counts: state.counts } as State;
    return { counts: state.counts, total: Object.values(state.counts as Record<string, number>).reduce((a, b) => a + b, 0) };
  },`;

// One deployed release goes through nine scenarios in order, each its own test so a failure names it;
// they share the running node, so a scenario runs only when those before it passed.
describe('a release deployed from its tarball and run as a daemon', { timeout: 600_000 }, () => {
  const base = (mkdirSync(join(repo, '_build', 'e2e'), { recursive: true }), mkdtempSync(join(repo, '_build', 'e2e', 'rel-')));
  const deploy = join(base, 'deploy');
  const script = join(deploy, 'bin', 'kiosk');
  const dir = join(base, 'kiosk');
  const rel = join(dir, '_build', 'prod', 'rel', 'kiosk');
  const serverFile = join(dir, 'src', 'kiosk_server.ts');
  const supFile = join(dir, 'src', 'kiosk_sup.ts');
  const pkg = join(dir, 'package.json');
  const node = 'kiosk@127.0.0.1';
  let v1 = '';
  let sup1 = '';
  let cookie = '';
  let failed: string | undefined;
  // A scenario that runs only when every one before it passed: they build on each other's state.
  const scenario = (name: string, body: () => Promise<void>) =>
    it(name, async (t) => {
      if (failed !== undefined) return t.skip(`needs the scenario that failed first: ${failed}`);
      try {
        await body();
      } catch (error) {
        failed = name;
        throw error;
      }
    });
  // The project's next version: its server and supervisor sources (the edits checked to apply), released with a relup.
  const releaseVersion = async (vsn: string, server: string, sup: string, from: string) => {
    writeFileSync(serverFile, server);
    writeFileSync(supFile, sup);
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), /"version": "[^"]+"/, `"version": "${vsn}"`));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', from], dir), `otp release ${vsn}`);
  };
  const evalOn = (code: string, what: string) => ok(run(script, ['eval', code], deploy), what);

  before(async () => {
    await ok(run(process.execPath, [otp, 'new', 'app', 'kiosk', '--quiet'], base), 'otp new');
    await ok(run(process.execPath, [otp, 'release', '--tar'], dir), 'otp release 0.1.0');
    v1 = readFileSync(serverFile, 'utf8');
    sup1 = readFileSync(supFile, 'utf8');
    // Deploy 0.1.0 where nothing of the project exists: only the tarball.
    mkdirSync(deploy);
    await extract({ file: join(rel, 'kiosk-0.1.0.tar.gz'), cwd: deploy });
    cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(deploy, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
  });
  after(async () => {
    await run(script, ['stop'], deploy);
    rmSync(base, { recursive: true, force: true });
  });

  scenario("its start script parses with otp's adapter: --help lists the commands with examples; an unknown command or flag is one line, exit 2", async () => {
    const env = { ...process.env, NO_COLOR: '1' };
    const help = await run(script, ['--help'], deploy, env);
    assert.equal(help.status, 0, help.out);
    assert.match(help.stdout, /^bin\/kiosk <command> \[options\]\n/);
    for (const command of ['foreground', 'daemon', 'stop', 'ping', 'eval', 'versions', 'upgrade', 'downgrade']) assert.match(help.stdout, new RegExp(`^ {2}bin/kiosk ${command}\\b`, 'm'), command);
    assert.match(help.stdout, /^Examples:\n {2}bin\/kiosk foreground /m);
    assert.doesNotMatch(help.stdout, /heart +the watchdog/, 'the heart command the daemon starts is not listed');
    const upgradeHelp = await run(script, ['upgrade', '--help'], deploy, env);
    assert.match(upgradeHelp.stdout, /^bin\/kiosk upgrade <release> \[options\]\n[^]*--probe-ms/, upgradeHelp.out);
    const refused: Array<[string[], string, string]> = [
      [['frobnicate'], "unknown command 'frobnicate'", 'bin/kiosk'],
      [['vesrions'], "unknown command 'vesrions' (did you mean 'versions'?)", 'bin/kiosk'],
      [['ping', '--bogus'], "unknown option '--bogus' for bin/kiosk ping", 'bin/kiosk ping'],
      [['upgrade', '0.2.0', '--probe-ms', 'soon'], "--probe-ms must be a number, got 'soon'", 'bin/kiosk upgrade'],
      [['rpc', 'otp'], 'missing <fn> (the exported function): bin/kiosk rpc <module> <fn> [json-args]', 'bin/kiosk rpc'],
    ];
    for (const [args, line, help] of refused) {
      const r = await run(script, args, deploy, env);
      assert.deepEqual([r.status, r.stdout, r.stderr], [2, '', `kiosk: ${line}\nRun \`${help} --help\` for usage.`], args.join(' '));
    }
  });

  scenario('starts with daemon and answers ping, pid, rpc and eval through its start script', async () => {
    assert.match(await ok(run(script, ['daemon'], deploy), 'daemon'), /started kiosk 0\.1\.0 as kiosk@127\.0\.0\.1/);
    assert.equal(await ok(run(script, ['ping'], deploy), 'ping'), 'pong');
    const osPid = Number(await ok(run(script, ['pid'], deploy), 'pid'));
    assert.equal(Number(readFileSync(join(deploy, 'run', 'kiosk.pid'), 'utf8')), osPid);
    assert.equal(await ok(run(script, ['rpc', 'otp', 'processCount'], deploy), 'rpc') !== '', true);
    assert.equal(await evalOn("genServer.call(ctx, 'kiosk_server', { op: 'bump', key: 'apples', by: 3 })", 'eval'), '3');
    // The server's client API takes ctx first; rpc runs it in a process of the node (minified prod build).
    assert.equal(await ok(run(script, ['rpc', 'kiosk/kiosk_server', 'bump', '["plums", 2]'], deploy), 'rpc of a ctx-first function'), '2');
    assert.equal(await ok(run(script, ['rpc', 'kiosk/kiosk_server', 'bump', '["pears"]'], deploy), 'rpc with a default argument'), '1');
  });

  scenario('is inspected by otp tree, info and procs with its cookie; a wrong cookie is one line, exit 2', async () => {
    assert.match(await ok(run(process.execPath, [otp, 'tree', node, 'kiosk', '--cookie', cookie], base), 'otp tree'), /kiosk_sup <0\.\d+\.0>[\s\S]*kiosk_server <0\.\d+\.0> .*restarts: 0/);
    assert.match(await ok(run(process.execPath, [otp, 'info', node, 'kiosk_server', '--cookie', cookie], base), 'otp info'), /behaviour:\s+gen_server[\s\S]*current function:\s+gen_server\.loop[\s\S]*apples/);
    assert.match(await ok(run(process.execPath, [otp, 'procs', node, '--sort', 'memory', '--top', '3', '--cookie', cookie], base), 'otp procs'), /<0\.\d+\.0>/);
    const wrongCookie = await run(process.execPath, [otp, 'info', node, 'kiosk_server', '--cookie', 'NOTTHECOOKIE'], base);
    assert.equal(wrongCookie.status, 2, wrongCookie.out);
    assert.equal(wrongCookie.stderr.split('\n').length, 1, wrongCookie.stderr);
    assert.match(wrongCookie.stderr, /cookie/);
  });

  scenario('upgrades to 0.2.0 (codeChange migrates the state) and downgrades under load with no failed call', async () => {
    await releaseVersion('0.2.0', withTotal(v1, migrate), sup1, '0.1.0');
    copyFileSync(join(rel, 'kiosk-0.2.0.tar.gz'), join(deploy, 'releases', 'kiosk-0.2.0.tar.gz'));
    const load = await startLoad({ node, cookie, server: 'kiosk_server', clients: 4 });
    // Waits until the load has made `more` further calls (no fixed sleep: on a loaded machine calls are slower).
    const moreCalls = async (more: number) => {
      const target = load.counts().ok + more;
      await waitFor(`the load made ${more} more calls`, () => load.counts().ok >= target).catch(() => undefined);
      assert.ok(load.counts().ok >= target, `the load made ${more} more calls (${load.counts().failed} failed: ${load.counts().errors.join('; ')})`);
    };
    try {
      await moreCalls(20);
      const up = await ok(run(script, ['upgrade', '0.2.0'], deploy), 'upgrade');
      assert.match(up, /upgraded 0\.1\.0 → 0\.2\.0/);
      assert.match(up, /modules swapped: kiosk\/kiosk_server/);
      assert.match(up, /processes suspended: 1, longest suspension [\d.]+ ms/);
      await moreCalls(20);
      assert.match(await evalOn("sys.getState(ctx, 'kiosk_server')", 'state'), /total: [1-9]\d*/, 'codeChange computed the total');
      assert.match(await ok(run(script, ['versions'], deploy), 'versions'), /0\.1\.0\s+old\n0\.2\.0\s+permanent \(running\)/);

      const down = await ok(run(script, ['downgrade', '0.1.0'], deploy), 'downgrade');
      assert.match(down, /downgraded 0\.2\.0 → 0\.1\.0/);
      await moreCalls(20);
      assert.doesNotMatch(await evalOn("sys.getState(ctx, 'kiosk_server')", 'state'), /total/, 'the state went back to 0.1.0 shape');
    } finally {
      const counts = await load.stop();
      assert.ok(counts.ok > 50, `the load ran (${counts.ok} calls)`);
      assert.deepEqual({ failed: counts.failed, outOfOrder: counts.outOfOrder, duplicated: counts.duplicated }, { failed: 0, outOfOrder: 0, duplicated: 0 }, counts.errors.join('; '));
    }
  });

  scenario("rolls back an upgrade whose codeChange throws: 0.1.0 keeps running with its state", async () => {
    await releaseVersion('0.3.0', withTotal(v1, "codeChange(): State {\n    throw new Error('cannot migrate the counts');\n  },"), sup1, '0.1.0');
    const bad = await run(script, ['upgrade', join(rel, 'kiosk-0.3.0.tar.gz')], deploy);
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.stderr, /^kiosk: upgrade to 0\.3\.0 rolled back, 0\.1\.0 still runs: .*codeChange of kiosk\/kiosk_server in <0\.\d+\.0> failed: cannot migrate the counts$/);
    assert.match(await evalOn("genServer.call(ctx, 'kiosk_server', { op: 'count', key: 'apples' })", 'count'), /^3$/, 'the old state serves on');
    assert.match(await ok(run(script, ['versions'], deploy), 'versions'), /0\.1\.0\s+permanent \(running\)/);
  });

  scenario('a tarball that is not one and an unknown version are refused with exit 2 and change nothing', async () => {
    const releasesBefore = readFileSync(join(deploy, 'releases', 'RELEASES.json'), 'utf8');
    writeFileSync(join(base, 'garbage.tar.gz'), 'this is not a tarball');
    const garbage = await run(script, ['unpack', join(base, 'garbage.tar.gz')], deploy);
    assert.equal(garbage.status, 2);
    assert.match(garbage.stderr, /garbage\.tar\.gz is not a readable release tarball .*[:;] rebuild it with otp release --tar$/);
    const missing = await run(script, ['upgrade', '9.9.9'], deploy);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /version 9\.9\.9 is neither installed nor found as releases\/kiosk-9\.9\.9\.tar\.gz/);
    assert.equal(readFileSync(join(deploy, 'releases', 'RELEASES.json'), 'utf8'), releasesBefore);
    assert.equal(existsSync(join(deploy, 'releases', '9.9.9')), false);
  });

  scenario('the health probe rolls back an upgrade whose new child cannot start, child specs and state included', async () => {
    // 0.5.0's supervisor gains a child that cannot start.
    const withCache = replaceOrFail(sup1, "children: [supervisor.worker('kiosk_server', startLink)],", "children: [supervisor.worker('kiosk_server', startLink), supervisor.worker('kiosk_cache', async () => {\n      throw new Error('no cache at 127.0.0.1:1');\n    })],");
    await releaseVersion('0.5.0', v1, withCache, '0.1.0');
    const unhealthy = await run(script, ['upgrade', join(rel, 'kiosk-0.5.0.tar.gz')], deploy);
    assert.equal(unhealthy.status, 1, unhealthy.out);
    assert.match(unhealthy.stderr, /^kiosk: upgrade to 0\.5\.0 rolled back, 0\.1\.0 still runs: child kiosk_cache of <0\.\d+\.0> did not start: no cache at 127\.0\.0\.1:1$/);
    assert.match(await ok(run(script, ['versions'], deploy), 'versions'), /0\.1\.0\s+permanent \(running\)/);
    assert.equal(await evalOn("supervisor.whichChildren(ctx, 'kiosk_sup').then((c) => c.map((x) => x.id).join())", 'children'), "'kiosk_server'", 'the old child specs are back');
    assert.match(await evalOn("genServer.call(ctx, 'kiosk_server', { op: 'count', key: 'apples' })", 'count'), /^3$/, 'and the old state serves on');
  });

  scenario('the health probe rolls back an upgrade whose server crashes under calls in the probe window', async () => {
    // 0.6.0's codeChange leaves a state its own code crashes on.
    const crashingChange = replaceOrFail(v1, /codeChange: .*\n/, "codeChange: (oldVsn: unknown, state: any) => (typeof oldVsn === 'object' && oldVsn !== null ? state : { counts: null }),\n");
    await releaseVersion('0.6.0', crashingChange, sup1, '0.1.0');
    await evalOn("(ctx.spawn(async (p) => { for (let i = 0; i < 100000; i++) { await genServer.call(p, 'kiosk_server', { op: 'count', key: 'apples' }).catch(() => 0); await p.sleep(2); } }), 'calling')", 'a caller on the node');
    const crashing = await run(script, ['upgrade', join(rel, 'kiosk-0.6.0.tar.gz')], deploy);
    assert.equal(crashing.status, 1, crashing.out);
    assert.match(crashing.stderr, /^kiosk: upgrade to 0\.6\.0 rolled back, 0\.1\.0 still runs: <0\.\d+\.0> crashed after the upgrade: .*null/);
    assert.match(await ok(run(script, ['versions'], deploy), 'versions'), /0\.1\.0\s+permanent \(running\)/);
    // The crash lost the server's counts (its supervisor restarted it); 0.1.0's code serves again.
    assert.match(await evalOn("genServer.call(ctx, 'kiosk_server', { op: 'bump', key: 'apples', by: 3 })", 'bump after the rollback'), /^3$/);
  });

  scenario('chains upgrades 0.1 → 0.2 → 0.4 and back down, restarts its applications and stops', async () => {
    const v4 = `codeChange(oldVsn: unknown, state: any): State {
    if (typeof oldVsn === 'object' && oldVsn !== null && 'down' in oldVsn) return { counts: state.counts, total: state.total };
    return { ...state, label: 'v4' };
  },`;
    await releaseVersion('0.4.0', withTotal(v1, v4), sup1, '0.2.0');
    copyFileSync(join(rel, 'kiosk-0.4.0.tar.gz'), join(deploy, 'releases', 'kiosk-0.4.0.tar.gz'));
    const state = () => evalOn("sys.getState(ctx, 'kiosk_server').then((s) => `${Object.keys(s)} apples=${s.counts.apples} label=${s.label}`)", 'state');
    const skipping = await run(script, ['upgrade', '0.4.0'], deploy);
    assert.equal(skipping.status, 2, skipping.out);
    // One line: the version stays unpacked, the running one runs, and the two ways on.
    assert.equal(skipping.stderr, 'kiosk: no relup leads from 0.1.0 to 0.4.0, so 0.4.0 is unpacked here but not installed and 0.1.0 still runs: build 0.4.0 with otp release --tar --upgrade-from 0.1.0 and run upgrade 0.4.0 again with its tarball (it replaces the unpacked copy), or run 0.4.0 with a restart (bin/kiosk stop, then bin/kiosk foreground --vsn 0.4.0; the next daemon boots the permanent 0.1.0 again)');
    const unknownDown = await run(script, ['downgrade', '0.0.9'], deploy);
    assert.equal(unknownDown.status, 2, unknownDown.out);
    assert.match(unknownDown.stderr, /^kiosk: 0\.0\.9 is not a version of this release root, so there is nothing to downgrade to: versions here: 0\.1\.0 \(permanent\), .*; run bin\/kiosk downgrade with one of them/);
    await ok(run(script, ['upgrade', '0.2.0'], deploy), 'upgrade 0.2.0 again');
    assert.match(await ok(run(script, ['upgrade', '0.4.0'], deploy), 'upgrade 0.4.0'), /upgraded 0\.2\.0 → 0\.4\.0/);
    assert.equal(await state(), "'counts,total,label apples=3 label=v4'");
    await ok(run(script, ['downgrade', '0.2.0'], deploy), 'downgrade 0.2.0');
    assert.equal(await state(), "'counts,total apples=3 label=undefined'");
    await ok(run(script, ['downgrade', '0.1.0'], deploy), 'downgrade 0.1.0');
    assert.equal(await state(), "'counts apples=3 label=undefined'");
    assert.equal(await ok(run(script, ['restart'], deploy), 'restart'), 'restarted kiosk');
    assert.equal(await state(), "'counts apples=undefined label=undefined'", 'a restart starts the applications afresh');

    assert.equal(await ok(run(script, ['stop'], deploy), 'stop'), 'stopped');
    assert.equal((await run(script, ['ping'], deploy)).stdout, 'pang');
    assert.equal(existsSync(join(deploy, 'run', 'kiosk.pid')), false);
    assert.match(readFileSync(join(deploy, 'log', 'kiosk.log'), 'utf8'), /stopped kiosk 0\.1\.0/);
  });
});

test('a release built with --include-node boots, answers and stops with no Node.js on PATH; ${VAR} in sys.config is substituted at boot or named when unset', { timeout: 120_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'reln-'));
  const rel = join(base, 'kiosk', '_build', 'prod', 'rel', 'kiosk');
  const bare = { HOME: process.env.HOME, PATH: join(base, 'no-node-here'), OTP_EPMD_PORT: String(epmdPort) };
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'kiosk', '--quiet'], base), 'otp new');
    writeFileSync(join(base, 'kiosk', 'config', 'sys.config.json'), '{ "kiosk": { "initialCounts": {}, "db": "postgres://${KIOSK_DB_HOST}/kiosk" } }');
    await ok(run(process.execPath, [otp, 'release', '--include-node'], join(base, 'kiosk')), 'otp release --include-node');
    assert.ok(existsSync(join(rel, 'node', 'bin', 'node')));
    const unset = await run(join(rel, 'bin', 'kiosk'), ['daemon'], rel, bare);
    assert.equal(unset.status, 2, unset.out);
    assert.match(unset.stderr, /sys\.config\.json: \$\{KIOSK_DB_HOST\} at kiosk\.db is not set: export KIOSK_DB_HOST, or write \$\{KIOSK_DB_HOST:-default\}$/);
    assert.match(await ok(run(join(rel, 'bin', 'kiosk'), ['daemon'], rel, { ...bare, KIOSK_DB_HOST: 'db.internal' }), 'daemon'), /started kiosk 0\.1\.0/);
    assert.equal(await ok(run(join(rel, 'bin', 'kiosk'), ['eval', "application.getEnv(ctx, 'kiosk', 'db')"], rel, bare), 'eval'), "'postgres://db.internal/kiosk'", 'substituted at boot; clients need only node.args');
    assert.equal(await ok(run(join(rel, 'bin', 'kiosk'), ['eval', 'process.execPath'], rel, bare), 'eval'), `'${join(rel, 'node', 'bin', 'node')}'`);
    assert.equal(await ok(run(join(rel, 'bin', 'kiosk'), ['stop'], rel, bare), 'stop'), 'stopped');
    rmSync(join(rel, 'node'), { recursive: true });
    const none = await run(join(rel, 'bin', 'kiosk'), ['ping'], rel, bare);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /Node\.js is not on PATH and this release carries none/);
  } finally {
    await run(join(rel, 'bin', 'kiosk'), ['stop'], rel);
    rmSync(base, { recursive: true, force: true });
  }
});

test('the lib and umbrella templates release too: each boots as a daemon, answers ping, rpc and a remote REPL, and stops; the lib one over TLS only', { timeout: 120_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'relt-'));
  const pki = makePki({ ca: ['textkit'] });
  const scripts: string[] = [];
  try {
    for (const [template, name] of [['lib', 'textkit'], ['umbrella', 'store']] as const) {
      await ok(run(process.execPath, [otp, 'new', template, name, '--quiet'], base), `otp new ${template}`);
      await ok(run(process.execPath, [otp, 'release'], join(base, name)), `otp release (${template})`);
      const rel = join(base, name, '_build', 'prod', 'rel', name);
      const script = join(rel, 'bin', name);
      scripts.push(script);
      // The lib's node listens for TLS only: the start script's clients take node.args' certificate files too.
      const nodeArgs = join(rel, 'releases', '0.1.0', 'node.args');
      if (template === 'lib') appendFileSync(nodeArgs, `\n${pki.flags(name).join(' ')}\n`);
      // The umbrella's node turns distribution's busy waiting off from node.args.
      if (template === 'umbrella') appendFileSync(nodeArgs, '\n--busy-wait 0\n');
      assert.match(await ok(run(script, ['daemon'], rel), 'daemon'), new RegExp(`started ${name} 0\\.1\\.0 as ${name}@127\\.0\\.0\\.1`));
      assert.equal(await ok(run(script, ['ping'], rel), 'ping'), 'pong');
      assert.equal(await ok(run(script, ['rpc', 'otp', 'name'], rel), 'rpc'), `"${name}@127.0.0.1"`);
      assert.match(await ok(run(script, ['eval', 'application.whichApplications(ctx).then((apps) => apps.map((a) => a.name))'], rel), 'eval'), new RegExp(`'${name}'`));
      assert.equal(await ok(run(script, ['eval', 'ctx.node.dist.busyWaitUs'], rel), 'busy-wait window'), template === 'umbrella' ? '0' : '200');
      // Piped, the line that threw makes the exit code 1, once every line ran.
      const repl = await run(script, ['remote'], rel, process.env, "node.name\nwhereis('nobody')\nthrow new Error('typo')\n");
      assert.equal(repl.status, 1, repl.out);
      assert.equal(repl.stdout, `'${name}@127.0.0.1'\nundefined\n** typo`);
      if (template === 'lib') {
        const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(nodeArgs, 'utf8'))![1]!;
        const plain = await run(process.execPath, [otp, 'ping', `${name}@127.0.0.1`, '--cookie', cookie], rel);
        assert.deepEqual([plain.status, plain.stdout], [1, 'pang'], plain.out);
        assert.match(plain.stderr, /^otp: textkit@127\.0\.0\.1 refused the connection: it speaks TLS and this tool does not \(add --proto tls/);
        assert.equal(await ok(run(process.execPath, [otp, 'ping', `${name}@127.0.0.1`, '--cookie', cookie, ...pki.flags(name)], rel), 'otp ping over TLS'), 'pong');
      }
      assert.equal(await ok(run(script, ['stop'], rel), 'stop'), 'stopped');
    }
  } finally {
    for (const script of scripts) await run(script, ['stop'], base);
    rmSync(base, { recursive: true, force: true });
    pki.remove();
  }
});
