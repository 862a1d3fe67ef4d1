/* global fetch */
// A real npm registry on loopback for the end-to-end tests and the newcomer benchmark: verdaccio with a
// throwaway config and storage and no uplinks, so nothing reaches the network. Every package of this
// repository is published to it with `npm publish`; the packages they (and the templates) depend on are
// packed from this checkout's node_modules (the versions the lockfile pinned) and published beside them.
import { spawn, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const execFileP = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The environment for npm and npx against the registry: the caller's, less npm's own variables (an enclosing `npm test` sets some), with a private cache, user config and home. */
export function registryEnv(work, url, token) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  const userconfig = join(work, 'npmrc');
  const host = url.replace(/^http:/, '');
  writeFileSync(userconfig, `registry=${url}\n${token ? `${host}:_authToken=${token}\n` : ''}audit=false\nfund=false\nupdate-notifier=false\n`);
  const globalconfig = join(work, 'npmrc-global');
  writeFileSync(globalconfig, '');
  return { ...env, HOME: home, npm_config_userconfig: userconfig, npm_config_globalconfig: globalconfig, npm_config_cache: join(work, 'npm-cache'), npm_config_registry: url };
}

/**
 * Starts verdaccio in a child process on 127.0.0.1 (a port the OS picks), storage under `work`.
 * Resolves to { url, env, stop }: `env` runs npm against it with a private cache and config.
 */
export async function startRegistry(work) {
  mkdirSync(work, { recursive: true });
  const config = join(work, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(work, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(work, 'htpasswd'))}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'max_body_size: 500mb',
      'log: { type: stdout, format: json, level: error }',
      '',
    ].join('\n'),
  );
  // runServer gives the express app: listening on port 0 from inside tells the port without a race.
  const serve = `const { runServer } = require(${JSON.stringify(join(repo, 'node_modules', 'verdaccio'))});
runServer(${JSON.stringify(config)}).then((app) => { const s = app.listen(0, '127.0.0.1', () => console.log('registry listening on ' + s.address().port)); });`;
  const child = spawn(process.execPath, ['-e', serve], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`verdaccio did not start within 180 s:\n${log}`)), 180_000);
    const onData = (c) => {
      log += c.toString();
      const m = /registry listening on (\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`verdaccio exited (${code}) before listening:\n${log}`));
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  try {
    // A user for publishing: verdaccio answers `npm adduser`'s request with a token.
    const res = await fetch(`${url}-/user/org.couchdb.user:otp-ts-test`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'otp-ts-test', password: 'otp-ts-test-password' }),
    });
    if (!res.ok) throw new Error(`verdaccio refused the test user: ${res.status} ${await res.text()}`);
    const { token } = await res.json();
    return { url, token, env: registryEnv(work, url, token), stop, log: () => log };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The folder of package `name` as Node would resolve it from `from` (nearest node_modules up the tree), or undefined. */
function resolvePackage(name, from) {
  for (let d = from; ; d = dirname(d)) {
    if (basename(d) !== 'node_modules') {
      const dir = join(d, 'node_modules', name);
      if (existsSync(join(dir, 'package.json'))) return dir;
    }
    if (dirname(d) === d) return undefined;
  }
}

/** This repository's workspace packages: { name, dir }. */
export function workspacePackages() {
  return readJson(join(repo, 'package.json'))
    .workspaces.filter((ws) => ws.startsWith('packages/') && existsSync(join(repo, ws, 'package.json')))
    .map((ws) => ({ name: readJson(join(repo, ws, 'package.json')).name, dir: join(repo, ws) }));
}

/**
 * Every installed package a registry user needs besides ours: the runtime dependencies of the workspace
 * packages and the templates' dependencies, and theirs in turn (peer and optional ones too, when installed).
 */
export function dependencyFolders(extra = []) {
  const ours = new Set(workspacePackages().map((p) => p.name));
  const found = new Map();
  const queue = [];
  const need = (name, from, optional) => {
    if (ours.has(name)) return;
    const dir = resolvePackage(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from}) is not installed in this checkout: run npm install`);
    }
    const real = realpathSync(dir);
    if (found.has(real)) return;
    found.set(real, name);
    queue.push(real);
  };
  for (const { dir } of workspacePackages()) {
    const p = readJson(join(dir, 'package.json'));
    for (const d of Object.keys(p.dependencies ?? {})) need(d, dir, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) need(d, dir, true);
  }
  for (const t of readdirSync(join(repo, 'templates'))) {
    const file = join(repo, 'templates', t, 'package.json');
    if (!existsSync(file)) continue;
    const p = readJson(file);
    for (const d of Object.keys({ ...p.dependencies, ...p.devDependencies })) need(d, repo, false);
  }
  for (const name of extra) need(name, repo, false);
  while (queue.length > 0) {
    const dir = queue.shift();
    const p = readJson(join(dir, 'package.json'));
    for (const d of Object.keys(p.dependencies ?? {})) need(d, dir, false);
    for (const d of Object.keys(p.optionalDependencies ?? {})) need(d, dir, true);
    for (const d of Object.keys(p.peerDependencies ?? {})) need(d, dir, true);
  }
  // One folder per name@version: the same version may be installed in more than one place.
  const unique = new Map();
  for (const dir of found.keys()) {
    const { name, version } = readJson(join(dir, 'package.json'));
    if (!unique.has(`${name}@${version}`)) unique.set(`${name}@${version}`, dir);
  }
  return [...unique.values()];
}

/** Publishes a packed tarball to the registry the way `npm publish` does (one PUT of the packument with the tarball attached). */
async function putTarball(registry, manifest, tarball) {
  const data = readFileSync(tarball);
  const file = `${manifest.name.replace(/^@[^/]+\//, '')}-${manifest.version}.tgz`;
  const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
  const shasum = createHash('sha1').update(data).digest('hex');
  const version = { ...manifest, _id: `${manifest.name}@${manifest.version}`, dist: { integrity, shasum, tarball: `${registry.url}${manifest.name}/-/${file}` } };
  delete version.scripts?.prepublishOnly;
  const body = {
    _id: manifest.name,
    name: manifest.name,
    'dist-tags': { latest: manifest.version },
    versions: { [manifest.version]: version },
    _attachments: { [file]: { content_type: 'application/octet-stream', data: data.toString('base64'), length: data.length } },
  };
  const put = () =>
    fetch(`${registry.url}${manifest.name.replace('/', '%2f')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registry.token}` },
      body: JSON.stringify(body),
    });
  // fetch reuses a kept-alive socket, which the registry may have closed meanwhile (on a loaded machine the
  // gap between two packages outlasts its keep-alive): the write fails with EPIPE before any answer. The PUT
  // is idempotent (a version already there answers 409), so it is sent again, on a new socket.
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await put();
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  if (res.status === 409) return; // that version is there already
  if (!res.ok) throw new Error(`publishing ${manifest.name}@${manifest.version} failed: ${res.status} ${await res.text()}`);
}

/** The files a package's exports and bin name that do not exist in `dir` (its built entries and declarations). */
function missingEntries(dir) {
  const manifest = readJson(join(dir, 'package.json'));
  const files = [];
  const walk = (v) => (typeof v === 'string' ? files.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
  walk(manifest.exports);
  walk(manifest.bin);
  return files.filter((f) => !existsSync(join(dir, f)));
}

/**
 * Publishes this repository to the registry: its packages with `npm publish` (as a maintainer would:
 * the built dist/, through each package's `files` and pack scripts), then the dependencies from
 * node_modules. Resolves to the number of packages published.
 */
export async function publishRepository(registry, work) {
  // From a copy of the packages (and the templates, which @otp-ts/cli's prepack copies in from ../..):
  // the pack scripts then write nothing into this working tree, where other tests read the templates.
  const stage = join(work, 'stage');
  cpSync(join(repo, 'templates'), join(stage, 'templates'), { recursive: true });
  for (const { name, dir } of workspacePackages()) {
    const copy = join(stage, relative(repo, dir));
    // A build elsewhere empties dist/ for a while (declarations come last): copy once every entry is there.
    for (const end = Date.now() + 180_000; ; await new Promise((r) => setTimeout(r, 250))) {
      rmSync(copy, { recursive: true, force: true });
      if (missingEntries(dir).length === 0) {
        cpSync(dir, copy, { recursive: true, filter: (from) => !from.split(sep).includes('node_modules') });
        if (missingEntries(copy).length === 0) break;
      }
      if (Date.now() > end) throw new Error(`${name} is not built (${missingEntries(dir).join(', ')} missing): run node scripts/build.mjs`);
    }
    await execFileP(npm, ['publish', '--registry', registry.url], { cwd: copy, env: registry.env, maxBuffer: 64 << 20 });
  }
  return workspacePackages().length + (await publishDependencies(registry, work));
}

/**
 * Publishes to the registry, from this checkout's node_modules, what this repository's packages and
 * templates depend on, and the packages named in `extra` (e.g. vitest for a benchmark), each with its
 * dependencies. Resolves to the number of packages.
 */
export async function publishDependencies(registry, work, extra = []) {
  const packs = join(work, 'dependency-tarballs');
  mkdirSync(packs, { recursive: true });
  const folders = dependencyFolders(extra);
  // One npm process packs them all (an npm per package costs seconds each on a loaded machine).
  const { stdout } = await execFileP(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', packs, ...folders], { cwd: work, env: registry.env, maxBuffer: 64 << 20 });
  const packed = new Map(JSON.parse(stdout).map((p) => [`${p.name}@${p.version}`, p.filename]));
  for (const dir of folders) {
    const manifest = readJson(join(dir, 'package.json'));
    const file = packed.get(`${manifest.name}@${manifest.version}`);
    if (!file) throw new Error(`npm pack did not pack ${manifest.name}@${manifest.version} (${dir})`);
    await putTarball(registry, manifest, join(packs, file));
  }
  return folders.length;
}
