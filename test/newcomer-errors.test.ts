// The newcomer's first hour through the built binary: what the generated README and --help say to
// type works as written, the shell's node is the one node.args names, a crash in the project's own code
// is reported as the project's error, and the small answers (otp alone, otp nodes, --typecheck, the
// start script's --help) are the ones docs/cli.md promises. Projects are generated inside the
// repository's _build/ so they resolve the workspace's packages as an installed project would.
import { test } from 'node:test';
import { waitFor } from './support/wait.ts';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode, describeReason, isDown, type Down } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, otpWith } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

// The shells below start a node, whose port mapper would outlive the test: they register with this file's own, stopped at the end.
const shellPort = String(await privatePortMapper());

const repo = fileURLToPath(new URL('..', import.meta.url));

// `otp new app NAME` in a fresh folder under _build/e2e; returns the project and a cleanup.
function generate(name: string): { dir: string; remove: () => void } {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', `${name}-`));
  const created = spawnSync(process.execPath, [bin, 'new', 'app', name, '--quiet'], { cwd: base, encoding: 'utf8' });
  assert.equal(created.status, 0, created.stderr);
  return { dir: join(base, name), remove: () => rmSync(base, { recursive: true, force: true }) };
}

// A port nothing listens on.
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** A running `otp shell` in a project: type lines, wait for what they print. */
function shellIn(dir: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const until = async (re: RegExp, from = 0): Promise<void> => {
    // A deadline, not a count of 10 ms turns (30 s): a shell's compile and boot take longer on a loaded machine.
    await waitFor(`the shell to print ${re}`, () => re.test(out.slice(from)) || child.exitCode !== null, { ms: 120_000 }).catch(() => undefined);
    assert.match(out.slice(from), re);
  };
  return {
    out: () => out,
    until,
    say: async (line: string, answer: RegExp) => {
      // Type only at the prompt: what the shell prints before it is not the answer to this line.
      await until(/otp> $/);
      const mark = out.length;
      child.stdin.write(`${line}\n`);
      await until(answer, mark);
    },
    quit: () => {
      child.stdin.write('q()\n');
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

test("the generated README's shell line and otp shell --help's example run as written in the shell", async () => {
  const { dir, remove } = generate('readme_line');
  const shell = shellIn(dir, { ...process.env, OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'readme' });
  try {
    const readmeLine = /npx otp shell .*REPL: (.+)$/m.exec(readFileSync(join(dir, 'README.md'), 'utf8'))?.[1];
    assert.ok(readmeLine, 'the README shows a line to type in the shell');
    const help = spawnSync(process.execPath, [bin, 'shell', '--help'], { encoding: 'utf8' });
    // Read with yargs' wrapping undone (the line has single spaces only).
    const helpLine = /otp shell in a project made by otp new app shop, then: (await call\(.*?\)), flush/.exec(help.stdout.replace(/\s+/g, ' '))?.[1];
    assert.ok(helpLine, help.stdout);
    await shell.until(/started readme_line/);
    await shell.say(readmeLine, /^1\n/);
    await shell.say(helpLine.replace("'shop_server'", "'readme_line_server'"), /^2\n/);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.kill();
    remove();
  }
});

test('otp shell takes its node name and cookie from config/node.args, so otp ping NAME@127.0.0.1 answers pong', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'not-the-node-args-cookie' };
  const { dir, remove } = generate('pinged');
  const nodeArgs = join(dir, 'config', 'node.args');
  writeFileSync(nodeArgs, `${readFileSync(nodeArgs, 'utf8')}--setcookie from_node_args\n`);
  const shell = shellIn(dir, env);
  try {
    await shell.until(/otp-ts shell \(pinged@127\.0\.0\.1\): started pinged/);
    const ping = await otpWith(env)('ping', 'pinged@127.0.0.1', '--cookie', 'from_node_args');
    assert.deepEqual([ping.status, ping.stdout], [0, 'pong\n'], ping.stderr);
    const nodes = await otpWith(env)('nodes');
    assert.match(nodes.stdout, /^pinged at port \d+$/m);
    // otp procs on the shell's node: the column it ranks by (memory, the default) shows once.
    const procs = await otpWith(env)('procs', 'pinged@127.0.0.1', '--cookie', 'from_node_args');
    assert.equal(procs.status, 0, procs.stderr);
    assert.deepEqual(procs.stdout.split('\n')[0]!.trim().split(/\s+/), ['PID', 'NAME', 'RUNS', 'MEMORY', 'MAILBOX', 'REDUCTIONS']);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.kill();
    epmd.close();
    remove();
  }
});

test('otp nodes says in one line that no node is registered, and how to start one', async () => {
  const r = await otpWith({ ...process.env, OTP_EPMD_PORT: String(await freePort()) })('nodes');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "no port mapper is running on this host, so no nodes are registered: start one with otp shell --name N in a project, or a release's bin/<name> daemon\n");
});

test("an application whose init throws: otp shell reports the project's error with its message and where it was thrown, exit 1", async () => {
  const { dir, remove } = generate('crashy');
  try {
    const server = join(dir, 'src', 'crashy_server.ts');
    const source = readFileSync(server, 'utf8');
    const edited = source.replace('  init: (_args, ctx) => ok(', "  init: (_args, ctx) => (Date.now() > 0 ? fail('the counts file is missing') : ok)(");
    assert.notEqual(edited, source, 'the edit applied');
    writeFileSync(server, `${edited}\nfunction fail(why: string): never {\n  throw new Error(why);\n}\n`);
    const r = spawnSync(process.execPath, [bin, 'shell'], { cwd: dir, input: 'q()\n', encoding: 'utf8', timeout: 120_000, env: { ...process.env, OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'crashy' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^otp: application 'crashy' failed to start: its process crashy_server threw Error: the counts file is missing\n {2}at .*src\/crashy_server\.ts:\d+:\d+\n/m);
    assert.doesNotMatch(r.stderr, /internal error|bug report|\{\}/);
  } finally {
    remove();
  }
});

test("a module importing a package that is not installed: otp shell names the module, the import and the fix, exit 1, not an internal error", () => {
  const { dir, remove } = generate('nopkg');
  try {
    writeFileSync(join(dir, 'src', 'pads.ts'), "import pad from 'no-such-pad';\n\nexport const padded = (s: string): string => pad(s, 4);\n");
    const r = spawnSync(process.execPath, [bin, 'shell'], { cwd: dir, input: 'q()\n', encoding: 'utf8', timeout: 120_000, env: { ...process.env, OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'nopkg', NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^otp: module nopkg\/pads imports 'no-such-pad', which cannot be loaded: .*\(install it, or check the import\)$/m);
    assert.doesNotMatch(r.stderr, /internal error|bug report/);
  } finally {
    remove();
  }
});

test("a module whose top level throws: otp shell reports the project's error and where it was thrown, exit 1, not an internal error", () => {
  const { dir, remove } = generate('badtop');
  try {
    writeFileSync(join(dir, 'src', 'settings.ts'), "export const settings = JSON.parse('{ not json');\n");
    const r = spawnSync(process.execPath, [bin, 'shell'], { cwd: dir, input: 'q()\n', encoding: 'utf8', timeout: 120_000, env: { ...process.env, OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'badtop', NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^otp: module badtop\/settings failed to load: .*JSON.*\n {2}at .*src\/settings\.ts:1:\d+\n/m);
    assert.doesNotMatch(r.stderr, /internal error|bug report/);
  } finally {
    remove();
  }
});

test("an application depending on one the project does not have: otp shell names the dependency and the package.json to fix, exit 2, not an internal error", () => {
  const { dir, remove } = generate('needy');
  try {
    const pkg = join(dir, 'package.json');
    const text = readFileSync(pkg, 'utf8');
    const edited = text.replace('"applications": []', '"applications": ["ledger"]');
    assert.notEqual(edited, text, 'the edit applied');
    writeFileSync(pkg, edited);
    const r = spawnSync(process.execPath, [bin, 'shell'], { cwd: dir, input: 'q()\n', encoding: 'utf8', timeout: 120_000, env: { ...process.env, OTP_EPMD_PORT: shellPort, OTP_COOKIE: 'needy', NO_COLOR: '1' } });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^otp: application needy depends on 'ledger', which the project does not have: fix otp.applications in .*package\.json \(the project's applications: needy\)$/m);
    assert.doesNotMatch(r.stderr, /internal error|bug report/);
  } finally {
    remove();
  }
});

test("a suite whose initPerSuite throws: otp test names the error and where the project's code threw it, exit 1", () => {
  const { dir, remove } = generate('setupfail');
  try {
    const suite = join(dir, 'test', 'setupfail.suite.ts');
    const source = readFileSync(suite, 'utf8');
    const edited = source.replace('  const node = createNode();\n', "  missingFixture('the fixture database is missing');\n  const node = createNode();\n");
    assert.notEqual(edited, source, 'the edit applied');
    writeFileSync(suite, `${edited}\nfunction missingFixture(why: string): void {\n  throw new Error(why);\n}\n`);
    const r = spawnSync(process.execPath, [bin, 'test', 'test/setupfail.suite.ts'], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /initPerSuite failed:\n\s+its 2 case\(s\) were auto-skipped: Error: the fixture database is missing\n\s+at missingFixture \(.*test\/setupfail\.suite\.ts:\d+:\d+\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /internal error|bug report/);
  } finally {
    remove();
  }
});

test('otp test in a project whose npm install has not run names the packages it lacks and the fix, exit 1, instead of each file failing to load', () => {
  // Outside the repository: no node_modules above the project resolves its @otp-ts packages.
  const base = mkdtempSync(join(tmpdir(), 'otp-not-installed-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'fresh', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'fresh');
    const r = spawnSync(process.execPath, [bin, 'test'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `otp: @otp-ts/runtime, @otp-ts/cli, @otp-ts/test-runner are not installed in ${dir}: run npm install there first\n  at ${join(dir, 'package.json')}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp compile --typecheck in a project whose npm install has not run says to run npm install, not to add TypeScript it already lists', () => {
  // Outside the repository: no node_modules above the project resolves typescript.
  const base = mkdtempSync(join(tmpdir(), 'otp-not-installed-'));
  try {
    assert.equal(spawnSync(process.execPath, [bin, 'new', 'app', 'fresh', '--quiet'], { cwd: base, encoding: 'utf8' }).status, 0);
    const dir = join(base, 'fresh');
    const r = spawnSync(process.execPath, [bin, 'compile', '--typecheck'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stderr, `otp: otp compile --typecheck needs TypeScript, which package.json lists but is not installed in ${dir}: run npm install there first\n  at ${join(dir, 'package.json')}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('otp compile --typecheck reports type errors as file:line:column', () => {
  const { dir, remove } = generate('typo');
  try {
    writeFileSync(join(dir, 'src', 'typo_bad.ts'), "/** Not a number. */\nexport const n: number = 'one';\n");
    const r = spawnSync(process.execPath, [bin, 'compile', '--typecheck'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    // One error: one line, as a compile error is said.
    assert.equal(r.stderr, "otp: type-checking failed: src/typo_bad.ts:2:14: error TS2322: Type 'string' is not assignable to type 'number'.\n");
    // Two, from a folder under the root: one line each under their count, paths from the root, an elaboration on its error's line.
    writeFileSync(join(dir, 'src', 'typo_bad.ts'), "/** Not a number. */\nexport const n: number = 'one';\n/** Not numbers. */\nexport const r: Array<{ k: number }> = [{ k: 'a' }] as Array<{ k: string }>;\n");
    const two = spawnSync(process.execPath, [bin, 'compile', '--typecheck'], { cwd: join(dir, 'src'), encoding: 'utf8', timeout: 120_000 });
    assert.equal(two.status, 1, two.stdout + two.stderr);
    assert.deepEqual(two.stderr.split('\n'), [
      'otp: type-checking failed, 2 errors:',
      "src/typo_bad.ts:2:14: error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/typo_bad.ts:4:14: error TS2322: Type '{ k: string; }[]' is not assignable to type '{ k: number; }[]'. Type '{ k: string; }' is not assignable to type '{ k: number; }'. Types of property 'k' are incompatible. Type 'string' is not assignable to type 'number'.",
      '',
    ]);
  } finally {
    remove();
  }
});

test('otp alone prints the help on stdout and exits 0', () => {
  const alone = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
  assert.deepEqual([alone.status, alone.stderr], [0, '']);
  assert.equal(alone.stdout, spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout);
});

test("a node that is not running: otp procs and otp info exit 1, as otp ping's pang does", async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const otp = otpWith({ ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'absent' });
  try {
    const [ping, procs, info] = await Promise.all([otp('ping', 'absent@127.0.0.1'), otp('procs', 'absent@127.0.0.1'), otp('info', 'absent@127.0.0.1', 'x')]);
    assert.deepEqual([ping.status, ping.stdout], [1, 'pang\n']);
    for (const r of [procs, info]) assert.deepEqual([r.status, r.stderr], [1, 'otp: no node absent@127.0.0.1 is running (the port mapper on 127.0.0.1 does not know it)\n']);
  } finally {
    epmd.close();
  }
});

test("the release start script answers --help and -h with its help, exit 0", () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-script-help-'));
  try {
    mkdirSync(join(root, 'releases'));
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'helped', releases: [] }));
    const control = join(repo, 'packages', 'release', 'dist', 'control.js');
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(process.execPath, [control, flag], { encoding: 'utf8', env: { ...process.env, OTP_RELEASE_ROOT: root } });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^bin\/helped <command> \[options\]\n/);
      assert.match(r.stdout, /^Examples:\n {2}bin\/helped foreground /m);
      assert.match(r.stdout, /^ {2}bin\/helped daemon && bin\/helped ping /m);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the release start script refuses --version (it has none: versions lists them) with exit 2 and one line, instead of an empty line and exit 0', () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-script-version-'));
  try {
    mkdirSync(join(root, 'releases'));
    writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'versioned', releases: [] }));
    const control = join(repo, 'packages', 'release', 'dist', 'control.js');
    for (const args of [['--version'], ['ping', '--version']]) {
      const r = spawnSync(process.execPath, [control, ...args], { encoding: 'utf8', env: { ...process.env, OTP_RELEASE_ROOT: root } });
      assert.equal(r.status, 2, `bin/versioned ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^versioned: unknown option '--version' for bin\/versioned/);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an Error as an exit reason keeps its class, message and stack across nodes, nested in a reason too', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [here, there] = [createNode(), createNode()];
  try {
    await here.startDistribution({ name: 'errhere@127.0.0.1', cookie: 'reasons', epmdPort });
    await there.startDistribution({ name: 'errthere@127.0.0.1', cookie: 'reasons', epmdPort });
    await there.run((ctx) => {
      ctx.register('errplain', ctx.spawn(async (w) => (await w.receive(), failWith(new TypeError('the counts file is missing')))));
      ctx.register('errnested', ctx.spawn(async (w) => (await w.receive(), w.exit({ shutdown: { reason: new RangeError('no room') } }))));
    });
    await here.run(async (ctx) => {
      const down = async (name: string): Promise<unknown> => {
        const ref = ctx.monitor({ name, node: 'errthere@127.0.0.1' });
        ctx.send({ name, node: 'errthere@127.0.0.1' }, 'go');
        return ((await ctx.receive((m) => isDown(m, ref), 30_000)) as Down).reason;
      };
      const plain = await down('errplain');
      assert.ok(plain instanceof TypeError, String(plain));
      assert.equal(plain.message, 'the counts file is missing');
      assert.match(plain.stack ?? '', /^TypeError: the counts file is missing\n {4}at .*newcomer-errors\.test\.ts:\d+:\d+/);
      const nested = (await down('errnested')) as { shutdown: { reason: unknown } };
      assert.ok(nested.shutdown.reason instanceof RangeError);
      assert.equal(describeReason(nested), '{"shutdown":{"reason":"RangeError: no room"}}');
    });
  } finally {
    here.shutdown();
    there.shutdown();
    await epmd.close();
  }
});

function failWith(error: Error): never {
  throw error;
}
