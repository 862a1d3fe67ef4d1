// A release root written by hand (what otp release writes, for one application `fx` and its gen_server `fx/srv`),
// and a running release on a node of this process, for the release handler's install without building a project.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The runtime's sources throughout, as the handler below is (not helpers.ts, which imports the package): a node of
// the built package would not answer them, and npm test's runner would hold two copies of the runtime.
import { application, createNode } from '../src/index.ts';
import { readVersion } from '../src/release/files.ts';
import type { AppChange, RelupStep } from '../src/release/types.ts';
import { releaseHandler, type InstallError, type RunningRelease } from '../src/release/handler.ts';
import { startApplications, stopApplications } from '../src/release/apps.ts';
import { transformSync } from 'esbuild';

/** One version of the application: its version label and its modules' TypeScript, by module name. */
export interface FixtureVersion {
  vsn: string;
  modules: Record<string, string>;
  /** The modules its relup from the version before changes (default: fx/srv). */
  changed?: string[];
}

/** The application module every version starts: a supervisor over `fx/srv`'s `srv`, registered as fx_srv. */
export const APP = `
import { genServer, supervisor } from '@otp-ts/runtime';
import { srv } from './srv';
export default { start: (_t: unknown, _a: unknown, ctx: any) => supervisor.startLink(ctx, { init: () => ({ type: 'ok', flags: { strategy: 'oneForOne', intensity: 3, period: 5 }, children: [{ id: 'srv', start: (c: any) => genServer.startLink(c, srv, undefined, { name: 'fx_srv' }) }] }) }, undefined) };`;

/** Writes one version of `fx` into a release root: its lib/ folder, its release.json and, given, its relup. */
export function writeVersion(root: string, v: FixtureVersion, relup?: { up: RelupStep[]; down: RelupStep[] }): void {
  const lib = join(root, 'lib', `fx-${v.vsn}`);
  mkdirSync(join(lib, 'src'), { recursive: true });
  const modules: Record<string, string> = {};
  for (const [name, ts] of Object.entries(v.modules)) {
    const file = `src/${name.split('/').pop()}.js`;
    writeFileSync(join(lib, file), transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: `${name}.ts` }).code);
    modules[name] = file;
  }
  writeFileSync(join(lib, 'app.json'), JSON.stringify({ name: 'fx', vsn: v.vsn, mod: 'fx/app', applications: [], registered: [], env: {}, modules }));
  const dir = join(root, 'releases', v.vsn);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'release.json'), JSON.stringify({ name: 'fx', vsn: v.vsn, node: process.versions.node, runtime: '0', applications: [{ name: 'fx', vsn: v.vsn }] }));
  if (relup) writeFileSync(join(dir, 'relup.json'), JSON.stringify({ vsn: v.vsn, ...relup }));
}

/**
 * Writes version 2 of the release, unpacked: fx 2 (fx/srv's source given) and the application lx 1 added, whose
 * downgrade to 1 changes fx back and removes lx. lx's own files are the caller's to write (lib/lx-1).
 */
export function writeVersionAddingLx(root: string, srv2: string): void {
  const change = (from: string, to: string): AppChange => ({ kind: 'change', app: 'fx', from, to, added: [], removed: [], changed: [{ module: 'fx/srv', behaviour: 'gen_server' }] });
  const v2: FixtureVersion = { vsn: '2', modules: { 'fx/app': APP, 'fx/srv': srv2 } };
  writeVersion(root, v2, { up: [{ vsn: '1', apps: [{ kind: 'add', app: 'lx', vsn: '1' }, change('1', '2')] }], down: [{ vsn: '1', apps: [change('2', '1'), { kind: 'remove', app: 'lx', vsn: '1' }] }] });
  const applications = [{ name: 'lx', vsn: '1' }, { name: 'fx', vsn: '2' }];
  const release = join(root, 'releases', '2', 'release.json');
  writeFileSync(release, JSON.stringify({ ...(JSON.parse(readFileSync(release, 'utf8')) as object), applications }));
  const file = join(root, 'releases', 'RELEASES.json');
  const releases = JSON.parse(readFileSync(file, 'utf8')) as { releases: unknown[] };
  releases.releases.push({ vsn: '2', status: 'unpacked', applications });
  writeFileSync(file, JSON.stringify(releases));
}

/** The relup step changing fx from `from` to `to`, its changed modules given. */
export function step(vsn: string, from: string, to: string, changed: string[]): RelupStep {
  return { vsn, apps: [{ kind: 'change', app: 'fx', from, to, added: [], removed: [], changed: changed.map((module) => ({ module, behaviour: 'gen_server' })) }] };
}

/**
 * A release root holding `versions` (each after the first with a relup from and back to the one before it, changing
 * `fx/srv`), the first permanent and booted on a fresh node: `body` gets the running release and its handler.
 */
export async function withRelease<T>(versions: FixtureVersion[], body: (state: RunningRelease, handler: ReturnType<typeof releaseHandler>, root: string) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'otp-fx-'));
  versions.forEach((v, i) => {
    const prev = versions[i - 1];
    writeVersion(root, v, prev ? { up: [step(prev.vsn, prev.vsn, v.vsn, v.changed ?? ['fx/srv'])], down: [step(prev.vsn, v.vsn, prev.vsn, v.changed ?? ['fx/srv'])] } : undefined);
  });
  const releases = versions.map((v, i) => ({ vsn: v.vsn, status: i === 0 ? 'permanent' : 'unpacked', applications: [{ name: 'fx', vsn: v.vsn }] }));
  writeFileSync(join(root, 'releases', 'RELEASES.json'), JSON.stringify({ name: 'fx', releases }));
  const node = createNode();
  const log: string[] = [];
  const state: RunningRelease = { root, node, env: {}, files: await readVersion(root, versions[0]!.vsn, {}), started: [], log: (line) => log.push(line), stop: async () => undefined };
  try {
    await node.run((ctx) => application.startController(ctx, { onNodeStop: () => undefined }));
    await startApplications(state, state.files);
    return await body(state, releaseHandler(state), root);
  } finally {
    await stopApplications(state).catch(() => undefined);
    node.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
}

/** A release install held in its health probe's window: `failure` is what it failed with, `release` ends the window. */
export interface HeldInstall {
  /** The install's error (a ProcessExit's cause unwrapped); an install that succeeds fails the test. */
  failure: Promise<InstallError>;
  /** Ends the probe window (removes the hold file): the install goes on to its verdict. */
  release(): void;
}

/** Starts installing `vsn` with a probe window of 0 ms held open by a hold file in `root` until `release()`. */
export function heldInstall(handler: ReturnType<typeof releaseHandler>, root: string, vsn: string): HeldInstall {
  const hold = join(root, 'probe.hold');
  writeFileSync(hold, '');
  const install = handler.install as (vsn: string, options?: { probeMs?: number; holdFile?: string }) => Promise<unknown>;
  const failure = install(vsn, { probeMs: 0, holdFile: hold }).then(
    () => assert.fail(`the install of ${vsn} succeeded`),
    (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as InstallError,
  );
  return { failure, release: () => rmSync(hold, { force: true }) };
}
