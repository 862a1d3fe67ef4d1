// The newcomer's path from a real registry: a local verdaccio (no uplinks: no network) holds every package of
// this repository, published with `npm publish` from the built dist/, and the packages they depend on. The
// test then runs README.md's getting-started lines as written — `npm create otp-ts@latest shop`, `cd`,
// `npm install`, `npx otp test`, `npx otp shell` (typing the README's shell line), `npx otp release`, the
// daemon, `npx otp ping`, stop — once with npm's default layout and once with `--install-strategy=linked`
// (pnpm's layout: a package sees only what it declares). This is the proof that a registry user gets a
// working toolchain: the packages' files, exports, bins and declared dependencies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishRepository, startRegistry, type Registry } from './support/registry.mjs';
import { killPortMapper } from '@otp-ts/runtime/tools';

const repo = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** README.md's getting-started block: the first fenced block that runs `npm create otp-ts`. */
function readmeSteps(): { command: string; comment: string }[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => /^npm create otp-ts@latest /m.test(b));
  assert.ok(block, 'README.md has a fenced block starting the newcomer path with `npm create otp-ts@latest`');
  return block
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const hash = l.indexOf(' #');
      return hash < 0 ? { command: l.trim(), comment: '' } : { command: l.slice(0, hash).trim(), comment: l.slice(hash + 2).trim() };
    });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let work: string;
let registry: Registry | undefined;

before(async () => {
  // Published from the built dist/. Wait out a build in progress elsewhere (it empties dist/ for a moment).
  const packages = ['runtime', 'compiler', 'test-runner', 'release', 'tracer', 'cli', 'create-otp-ts'];
  const built = () => packages.every((p) => existsSync(join(repo, 'packages', p, 'dist', 'index.js')) && existsSync(join(repo, 'packages', p, 'dist', 'index.d.ts')));
  for (const end = Date.now() + 120_000; !built() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
  assert.ok(built(), `the packages are not built (${packages.join(', ')}): run node scripts/build.mjs first`);
  work = realpathSync(mkdtempSync(join(tmpdir(), 'otp-registry-')));
  registry = await startRegistry(join(work, 'registry'));
  const published = await publishRepository(registry, join(work, 'registry'));
  assert.ok(published > 7, `published ${published} packages`);
});

after(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Ran {
  status: number | null;
  out: string;
  stdout: string;
}

/** Kills a child started with `detached` and everything it started in its process group (npx's otp, the shell's esbuild). */
const killGroup = (child: ChildProcess): void => {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
};

/** Runs a command in its own process group; one still running after `ms` is killed, group and all. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, ms = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let out = '';
    child.stdout!.on('data', (c: Buffer) => ((stdout += c.toString()), (out += c.toString())));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => ((out += `\n[killed after ${ms / 1000} s]`), killGroup(child)), ms);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out, stdout });
    });
  });
}

/** `npx otp shell` typed into as a person would: the README's line once the prompt shows, then q() once it answered. */
function shell(args: string[], cwd: string, env: NodeJS.ProcessEnv, line: string, answer: RegExp, ms = 180_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(npx, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let out = '';
    let typed = 0;
    const onData = (c: Buffer, isOut: boolean): void => {
      out += c.toString();
      if (isOut) stdout += c.toString();
      if (typed === 0 && /otp> $/.test(out)) {
        typed = 1;
        child.stdin!.write(`${line}\n`);
      } else if (typed === 1 && (answer.test(out) || /Uncaught/.test(out))) {
        typed = 2;
        child.stdin!.end('q()\n');
      }
    };
    child.stdout!.on('data', (c: Buffer) => onData(c, true));
    child.stderr!.on('data', (c: Buffer) => onData(c, false));
    const timer = setTimeout(() => ((out += `\n[killed after ${ms / 1000} s]`), killGroup(child)), ms);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out, stdout });
    });
  });
}

const ok = (r: Ran, what: string): string => {
  assert.equal(r.status, 0, `${what} failed:\n${r.out}`);
  return r.stdout;
};

/** Runs README.md's newcomer lines in `dir` as app `name` (for `shop`), `npm install` with `installArgs`. */
async function followReadme(dir: string, name: string, installArgs: string[]): Promise<void> {
  const epmdPort = await freePort();
  // The registry's environment (private npm cache, config and home: the home also holds the node cookie),
  // and a port mapper of the test's own, so that concurrent tests' nodes are not in the way.
  const env = { ...registry!.env, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
  // `shop` as a word or a prefix (shop_server, shop@127.0.0.1), not inside other words.
  const rename = (s: string) => s.replace(/(?<![a-z0-9_])shop(?![a-z0-9])/g, name);
  let cwd = dir;
  const done: string[] = [];
  let daemon: string | undefined;
  try {
    for (const step of readmeSteps()) {
      const command = rename(step.command);
      const [cmd, ...args] = command.split(/\s+/);
      const what = `README step \`${command}\` (after: ${done.join('; ') || 'nothing'})`;
      if (cmd === 'cd') {
        cwd = join(cwd, args[0]!);
        assert.ok(existsSync(cwd), `${what}: no folder`);
      } else if (cmd === 'npm' && args[0] === 'create') {
        const out = ok(await run(npm, args, cwd, env), what);
        assert.match(out, new RegExp(`next:\\n  cd ${name}\\n  npm install\\n  npx otp test\\n  npx otp shell`));
        const pkg = JSON.parse(readFileSync(join(cwd, name, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
        assert.match(pkg.devDependencies['@otp-ts/cli']!, /^\d+\.\d+\.\d+/, 'the project depends on the published @otp-ts/cli');
      } else if (command === 'npm install') {
        ok(await run(npm, ['install', ...installArgs], cwd, env), `${what} ${installArgs.join(' ')}`);
        // npx otp must find the project's own otp, never fetch the unrelated public package of that name.
        assert.ok(existsSync(join(cwd, 'node_modules', '.bin', 'otp')), 'the project has its own otp command');
        // Every @otp-ts package came with the license its package.json names (hoisted, or in the linked layout's store).
        const scoped = (at: string) => (existsSync(at) ? readdirSync(at).map((p) => join(at, p)) : []);
        const store = join(cwd, 'node_modules', '.store');
        // The store's real package folders (…/node_modules/@otp-ts/NAME), whatever its folders are named; links are passed over.
        const inStore = (dir: string, depth: number): string[] =>
          depth < 0 ? [] : readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => (/node_modules[/\\]@otp-ts$/.test(dir) ? [join(dir, e.name)] : inStore(join(dir, e.name), depth - 1)));
        const installed = [...scoped(join(cwd, 'node_modules', '@otp-ts')), ...(existsSync(store) ? inStore(store, 5) : [])];
        const names = new Set(installed.map((d) => (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name: string }).name));
        assert.deepEqual([...names].sort(), ['@otp-ts/cli', '@otp-ts/compiler', '@otp-ts/release', '@otp-ts/runtime', '@otp-ts/test-runner', '@otp-ts/tracer']);
        for (const d of installed) assert.match(readFileSync(join(d, 'LICENSE'), 'utf8'), /Apache License\n\s+Version 2\.0/, `${d} has its LICENSE`);
      } else if (cmd === 'npx' && args[0] === 'otp' && args[1] === 'test') {
        const out = ok(await run(npx, args, cwd, env), what);
        assert.match(out.trim().split('\n').pop()!, /^\d+ passed, 0 failed$/, what);
      } else if (cmd === 'npx' && args[0] === 'otp' && args[1] === 'shell') {
        const line = /otp> (.*)$/.exec(rename(step.comment))?.[1];
        assert.ok(line, `${what}: the README shows a line to type after otp>`);
        const r = await shell(args, cwd, env, line, /otp> 1\n/);
        assert.doesNotMatch(r.out, /Uncaught/, `${what}: the README's line fails:\n${r.out}`);
        assert.equal(r.status, 0, `${what}:\n${r.out}`);
        assert.match(r.out, new RegExp(`started ${name}`), what);
        assert.match(r.out, /otp> 1\n/, `${what}: the README's line answers 1\n${r.out}`);
      } else if (cmd === 'npx' && args[0] === 'otp' && args[1] === 'release') {
        const out = ok(await run(npx, args, cwd, env), what);
        assert.match(out, new RegExp(`release ${name} 0\\.1\\.0`), what);
      } else if (cmd!.startsWith('_build/') && args[0] === 'daemon') {
        daemon = join(cwd, cmd!);
        const out = ok(await run(daemon, args, cwd, env), what);
        assert.match(out, new RegExp(`started ${name} 0\\.1\\.0`), what);
      } else if ((cmd === 'npx' && args[0] === 'otp' && args[1] === 'ping') || (cmd!.startsWith('_build/') && args[0] === 'ping')) {
        assert.equal(ok(await run(cmd!.startsWith('_build/') ? join(cwd, cmd!) : cmd!, args, cwd, env), what).trim(), 'pong', what);
      } else if (cmd!.startsWith('_build/') && args[0] === 'stop') {
        ok(await run(join(cwd, cmd!), args, cwd, env), what);
        const ping = await run(daemon!, ['ping'], cwd, env);
        assert.equal(ping.stdout.trim(), 'pang', 'the node is gone after stop');
        daemon = undefined;
      } else {
        assert.fail(`README.md's getting-started line \`${step.command}\` is not one this test knows how to run: teach test/registry.test.ts`);
      }
      done.push(command);
    }
    const kinds = done.map((c) => (c.startsWith('_build/') ? c.split(' ')[1]! : c.startsWith('npx otp') ? c.split(' ')[2]! : c.split(' ')[1]!));
    // The release's node has the release's own cookie (docs/releases.md): the project's otp finds it, no --cookie needed.
    assert.deepEqual(kinds, ['create', name, 'install', 'test', 'shell', 'release', 'daemon', 'ping', 'stop'], 'the README walks the whole path: create, cd, install, test, shell, release, daemon, ping, stop');
  } finally {
    if (daemon) await run(daemon, ['stop'], cwd, env).catch(() => undefined);
    // The port mapper outlives the node (as epmd does); stop it once no node is registered.
    for (let i = 0; i < 100 && !(await killPortMapper('127.0.0.1', epmdPort).catch(() => true)); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Beyond the README (what the tarball-install test used to prove): the installed toolchain type-checks the
 * project, and the release tarball runs on its own, unpacked elsewhere with the project deleted.
 */
async function typecheckAndDeploy(dir: string, name: string): Promise<void> {
  const project = join(dir, name);
  const env = { ...registry!.env, OTP_EPMD_PORT: String(await freePort()), NO_COLOR: '1' };
  assert.match(ok(await run(npx, ['otp', 'compile', '--typecheck'], project, env), 'otp compile --typecheck'), /type-checked: no errors/);
  ok(await run(npx, ['otp', 'release', '--tar'], project, env), 'otp release --tar');
  const deploy = join(dir, 'deploy');
  mkdirSync(deploy);
  ok(await run('tar', ['-xzf', join(project, '_build', 'prod', 'rel', name, `${name}-0.1.0.tar.gz`), '-C', deploy], dir, env), 'unpacking the release');
  rmSync(project, { recursive: true, force: true });
  const script = join(deploy, 'bin', name);
  try {
    assert.match(ok(await run(script, ['daemon'], deploy, env), 'the deployed daemon'), new RegExp(`started ${name} 0\\.1\\.0`));
    const answer = ok(await run(script, ['eval', `genServer.call(ctx, '${name}_server', { op: 'bump', key: 'pears', by: 4 })`], deploy, env), 'eval on the deployed node');
    assert.equal(answer.trim(), '4');
  } finally {
    await run(script, ['stop'], deploy, env);
    for (let i = 0; i < 100 && !(await killPortMapper('127.0.0.1', Number(env.OTP_EPMD_PORT)).catch(() => true)); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

test('README.md newcomer path from a local registry, npm default layout: npm create otp-ts → install → test → shell → release → daemon → ping → stop', { timeout: 900_000 }, async () => {
  const dir = join(work, 'hoisted');
  mkdirSync(dir);
  await followReadme(dir, 'registry_shop', []);
  await typecheckAndDeploy(dir, 'registry_shop');
  // The README's other templates: npm passes what follows its `--` on to create-otp-ts.
  const env = { ...registry!.env, NO_COLOR: '1' };
  for (const [template, name] of [['lib', 'registry_text'], ['umbrella', 'registry_store']] as const) {
    const out = ok(await run(npm, ['create', 'otp-ts@latest', name, '--', '--template', template], dir, env), `npm create otp-ts@latest ${name} -- --template ${template}`);
    assert.match(out, new RegExp(`^created ${template} ${name} in ${name} `, 'm'), out);
  }
  assert.ok(!existsSync(join(dir, 'registry_text', 'src', 'registry_text_sup.ts')), 'a library has no supervisor');
  assert.ok(existsSync(join(dir, 'registry_store', 'apps', 'registry_store', 'package.json')), 'an umbrella has its first app under apps/');
});

test('the same path installed with --install-strategy=linked (each package sees only its declared dependencies)', { timeout: 900_000 }, async () => {
  const dir = join(work, 'linked');
  mkdirSync(dir);
  await followReadme(dir, 'registry_linked', ['--install-strategy=linked']);
  // The linked layout keeps the packages under node_modules/.store: otp really ran from there.
  assert.ok(existsSync(join(dir, 'registry_linked', 'node_modules', '.store')), 'npm used the linked layout');
  await typecheckAndDeploy(dir, 'registry_linked');
});
