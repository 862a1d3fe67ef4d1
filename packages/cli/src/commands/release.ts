import { relative } from 'node:path';
import { assembleRelease, checkReleaseOptions, planRelease, ReleaseError, type AssembleResult, type ReleaseErrorCode, type ReleasePlan } from '@otp-ts/release';
import { info, type Io } from '../cli/io.js';
import { createProgress } from '../cli/progress.js';
import { defineProvider } from '../cli/provider.js';
import { resolveConfig } from '../config/resolve.js';
import { profileHelp } from './compile.js';
import { OtpError, type OtpErrorCode } from '../errors/otp-error.js';

// Bad input exits 2 (the config, the project's files, the version asked for); a failure of the work exits 1.
const codes: Record<ReleaseErrorCode, OtpErrorCode> = {
  notCompiled: 'failed',
  unknownApp: 'badConfig',
  circularApps: 'badConfig',
  unknownRelease: 'badConfig',
  badSysConfig: 'badConfig',
  badNodeArgs: 'badConfig',
  unknownVersion: 'usage',
  badTarball: 'usage',
  sameVersion: 'badConfig',
  badOverride: 'badConfig',
  missingPackage: 'failed',
  missingImport: 'usage',
  installing: 'failed',
  assembly: 'failed',
};

function toOtpError(error: unknown): unknown {
  if (!(error instanceof ReleaseError)) return error;
  // A message that names its file already is the one line: the file is not said again below it.
  const location = error.file && !error.message.includes(error.file) ? { file: error.file } : undefined;
  return new OtpError(codes[error.code], error.message, { location, cause: error });
}

const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

function relupSummary(plan: ReleasePlan): string | undefined {
  const step = plan.relup?.up[0];
  if (!step) return undefined;
  const apps = step.apps.map((c) => {
    if (c.kind !== 'change') return `${c.app} ${c.kind === 'add' ? 'added' : 'removed'}`;
    const behaviours = c.changed.filter((m) => m.behaviour).map((m) => `${m.module} (${m.behaviour})`);
    return `${c.app} ${c.from} → ${c.to}: ${c.added.length} added, ${c.changed.length} changed, ${c.removed.length} removed${behaviours.length ? `; codeChange for ${behaviours.join(', ')}` : ''}`;
  });
  return `relup from ${step.vsn}: ${apps.length ? apps.join('; ') : 'no changes'} (releases/${plan.vsn}/relup.json)`;
}

// Warnings, the relup and the tarball, then the summary line last.
function report(plan: ReleasePlan, result: AssembleResult, io: Io, started: number): void {
  for (const w of plan.warnings) io.stderr.write(`otp: warning: ${w}\n`);
  const relup = relupSummary(plan);
  if (relup) info(io, relup);
  if (result.tarball) info(io, `tarball ${relative(io.cwd, result.tarball.file)} (${size(result.tarball.bytes)})`);
  const status = plan.releases.releases.find((r) => r.vsn === plan.vsn)?.status;
  // A version the root marks old or unpacked is not what a boot starts: a warning (--quiet keeps it), as daemon then boots
  // the permanent one without a word.
  const permanent = plan.releases.releases.find((r) => r.status === 'permanent')?.vsn;
  if ((status === 'old' || status === 'unpacked') && permanent !== undefined && permanent !== plan.vsn) {
    const script = `bin/${plan.name}`;
    const ways = status === 'old' ? `go back to it on the running node (${script} downgrade ${plan.vsn}, or upgrade ${plan.vsn} when it is the newer one)` : `install it on the running node (${script} upgrade ${plan.vsn}, or downgrade ${plan.vsn} when it is the older one)`;
    io.stderr.write(`otp: warning: ${plan.vsn} is ${status} in this release root, so ${script} daemon boots the permanent ${permanent}, not this build: to run ${plan.vsn}, ${ways}, or boot it by name (${script} foreground --vsn ${plan.vsn})\n`);
  }
  info(io, `release ${plan.name} ${plan.vsn} (${status}) in ${relative(io.cwd, plan.root) || '.'}: ${size(result.bytes)}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** `otp release`: compiles with the profile, then assembles `_build/<profile>/rel/<name>/` (relx's job). */
export const releaseCommand = defineProvider({
  name: 'release',
  description: 'Build a release into _build/<profile>/rel/<name>/: the compiled applications, their config, the runtime and the start script bin/<name>; with --upgrade-from, the relup.',
  deps: [{ name: 'compile', args: (a) => ({ profile: a.profile }) }],
  // `--upgrade-from 0.1.0 --upgrade-from 0.2.0` or two --name: refused, not built from the last one without a word.
  once: true,
  positionals: [],
  options: [
    { name: 'name', alias: 'n', type: 'string', value: 'N', description: "which release of otp.config.ts (default: the first one; with none declared, one named after the root package with every application)" },
    { name: 'profile', alias: 'p', type: 'string', value: 'P', default: 'prod', description: `${profileHelp}; compiled, then released` },
    { name: 'tar', type: 'boolean', description: 'also write <name>-<vsn>.tar.gz, this version alone as a runnable root, in the release root' },
    { name: 'include-node', type: 'boolean', description: 'copy this Node.js binary into the release (node/bin/node), for hosts without Node.js' },
    { name: 'upgrade-from', type: 'string', value: 'VSN', path: true, description: 'write releases/<vsn>/relup.json, the upgrade from VSN (a version in the release root, or the path of its tarball)' },
  ],
  examples: [
    { command: 'otp release --tar', description: 'the release of otp.config.ts, and its tarball' },
    { command: 'otp release --upgrade-from 0.1.0', description: 'a new version that a node running 0.1.0 can upgrade to live' },
    { command: 'otp release --include-node --profile prod', description: 'a release that runs where Node.js is not installed' },
  ],
  // Before the compile it runs after: the release --name picks and an --upgrade-from tarball.
  async check(args, _io, state) {
    // The compile it runs after leaves its warnings to it: a static import of a missing package, which it refuses, is said once.
    state.heldWarnings = [];
    const { config } = await state.config();
    try {
      checkReleaseOptions({ root: state.project().root, releases: resolveConfig(config, args.profile).releases, name: args.name, upgradeFrom: args['upgrade-from'] });
    } catch (error) {
      throw toOtpError(error);
    }
  },
  async run(args, io, state) {
    const started = performance.now();
    const project = state.project();
    const profile = args.profile;
    // Loaded once for the chain: compile ran with the same config.
    const { config } = await state.config();
    // The compile's warnings, but for the one the refusal of a static import of a missing package repeats.
    const warn = (refusal?: string): void => {
      for (const w of state.heldWarnings?.splice(0) ?? []) if (refusal === undefined || !refusal.includes(w)) io.stderr.write(`otp: warning: ${w}\n`);
    };
    const progress = createProgress(io, `releasing (${profile})`);
    try {
      const resolved = resolveConfig(config, profile);
      const plan = await planRelease({
        root: project.root,
        profile,
        buildDir: resolved.build.outDir,
        releases: resolved.releases,
        name: args.name,
        includeNode: args['include-node'] ? true : undefined,
        tar: args.tar,
        upgradeFrom: args['upgrade-from'],
        env: resolved.env,
      });
      const result = await assembleRelease(plan, { onProgress: (line) => progress.step(line) });
      progress.stop();
      warn();
      report(plan, result, io, started);
    } catch (error) {
      progress.stop();
      warn(error instanceof ReleaseError && error.code === 'missingImport' ? error.message : undefined);
      throw toOtpError(error);
    }
  },
});
