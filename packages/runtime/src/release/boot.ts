import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createNode } from '../create.js';
import * as application from '../application/api.js';
import { registerRpcModule } from '../rpc/index.js';
import { configTypeWarnings, ReleaseConfigError, unknownConfigApps } from './config.js';
import { describeReason } from '../errors.js';
import { permanentVersion, readReleases, readVersion } from './files.js';
import { releaseHandler, type RunningRelease } from './handler.js';
import { runtimeVersion } from './running.js';
import { startApplications, stopApplications } from './apps.js';
import { CRASH_DUMP_FILE, installCrashDump } from './crashdump.js';
import { bootReports } from './boot-reports.js';
import { ProcessExit, type OtpNode } from '../node.js';

/** Options of `bootRelease`. */
export interface BootOptions {
  /** The release root (the folder with bin/, lib/ and releases/). */
  root: string;
  /** The version to boot; default: the one RELEASES.json marks permanent. */
  vsn?: string;
  /** Where `${VAR}` values come from; default: process.env. */
  env?: Record<string, string | undefined>;
  /** Called once the node has stopped: by `stop`, or because a permanent application exited. */
  onStop?: (reason: unknown) => void;
  /** Progress and connection lines; default: stdout. */
  log?: (line: string) => void;
  /** Holds the error reports and crash prints of the boot: a failed boot throws one line naming its crash dump, which keeps them; default false. */
  quietFailure?: boolean;
}

/** A booted release: its node, name and version, and an orderly stop. */
export interface BootedRelease {
  readonly node: OtpNode;
  readonly name: string;
  /** The version running now (it changes with upgrades). */
  readonly vsn: string;
  /** Stops the applications in reverse start order, then the node; resolves when done. */
  stop(reason?: unknown): Promise<void>;
}

// Settings an operator's edit made of another kind than their application's env default (lib/<app>-<vsn>/app.json), one
// line each; a string may have come from a ${VAR}, so strings are let be here (otp release checks them as written).
function bootTypeWarnings(root: string, sysConfig: Record<string, Record<string, unknown>>, apps: readonly { name: string; vsn: string }[], file: string): string[] {
  const defaults = new Map<string, Record<string, unknown>>();
  for (const a of apps) {
    try {
      defaults.set(a.name, (JSON.parse(readFileSync(join(root, 'lib', `${a.name}-${a.vsn}`, 'app.json'), 'utf8')) as { env?: Record<string, unknown> }).env ?? {});
    } catch {
      // An app.json that cannot be read is the application loader's to report.
    }
  }
  const nonString = Object.fromEntries(Object.entries(sysConfig).map(([app, env]) => [app, Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v !== 'string'))]));
  return configTypeWarnings(nonString, defaults, file);
}

/**
 * Boots a release (what `bin/<name> foreground` runs): reads the version's release.json, sys.config.json
 * (with `${VAR}` substituted) and node.args, starts distribution under the release's name and cookie,
 * loads every application from lib/ through the code server and starts them in order, permanent, and
 * serves the release handler (versions, upgrade, downgrade, stop, restart) to the start script.
 */
export async function bootRelease(options: BootOptions): Promise<BootedRelease> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const releases = await readReleases(options.root);
  const vsn = options.vsn ?? permanentVersion(releases);
  if (vsn === undefined) throw new ReleaseConfigError(join(options.root, 'releases', 'RELEASES.json'), `no version of ${releases.name} is permanent: boot one by name (foreground --vsn VSN)`);
  const files = await readVersion(options.root, vsn, env);
  for (const line of unknownConfigApps(files.sysConfig, files.release.applications.map((a) => a.name), join('releases', vsn, 'sys.config.json'))) log(line);
  for (const line of bootTypeWarnings(options.root, files.sysConfig, files.release.applications, join('releases', vsn, 'sys.config.json'))) log(`warning: ${line}`);
  const reports = bootReports(options.quietFailure === true);
  const node = createNode({ onCrash: reports.onCrash });
  reports.attach(node);
  let stopping: Promise<void> | undefined;
  let booting = true;
  const state: RunningRelease = { root: options.root, node, env, files, runtime: runtimeVersion() ?? files.release.runtime, started: [], log, stop: (reason) => stop(reason) };
  // A crash dump (uncaught error, a permanent application's exit, the heap limit) goes to the release root unless node.args or $OTP_CRASH_DUMP say where.
  const dumpFile = files.nodeArgs.crashDump ?? env.OTP_CRASH_DUMP;
  let dumped: string | undefined;
  const dumper = installCrashDump(node, { file: resolve(options.root, dumpFile || CRASH_DUMP_FILE), maxBytes: files.nodeArgs.crashDumpBytes, release: () => ({ ...state.files.release }), announce: (file) => reports.announce((dumped = file)) });

  const stop = (reason: unknown = 'stop'): Promise<void> =>
    (stopping ??= (async () => {
      if (reason !== 'stop') dumper.write('application_exit', reason);
      // An orderly stop (SIGTERM, bin/<name> stop) never overlaps an install or its rollback: it waits, so the node stops whole.
      if (reason === 'stop' && state.attempt) log(`stopping ${files.release.name} once the install of ${state.attempt.to} over ${state.attempt.from} has ended (installed, or rolled back)`);
      if (reason === 'stop') await state.idle?.();
      await stopApplications(state).catch(() => undefined);
      log(`stopped ${files.release.name} ${state.files.release.vsn}${reason === 'stop' ? '' : `: ${describeReason(reason)}`}`);
      node.shutdown();
      options.onStop?.(reason);
    })());

  try {
    // While booting, an application that fails to start is the boot's to report: it throws and shuts the node down.
    const bootsFailure = (reason: unknown): boolean => booting && typeof reason === 'object' && reason !== null && 'applicationStartFailure' in reason;
    await node.run((ctx) =>
      application.startController(ctx, {
        onNodeStop: (reason) => void (bootsFailure(reason) || stop(reason)),
        // A permanent application that fails to start at boot stops the node too: dumped now, as the failure left the node (erl_crash.dump's 'Kernel pid terminated').
        beforeNodeStop: (reason) => Promise.resolve(dumper.write('application_exit', reason)),
      }),
    );
    if (files.nodeArgs.name) {
      if (!files.nodeArgs.cookie) throw new ReleaseConfigError(join(options.root, 'releases', vsn, 'node.args'), `node.args names the node but sets no cookie: add --setcookie <secret>`);
      await node
        .startDistribution({ name: files.nodeArgs.name, cookie: files.nodeArgs.cookie, hidden: files.nodeArgs.hidden, log, ...(files.nodeArgs.connect ? { discovery: { static: files.nodeArgs.connect } } : {}), ...(files.nodeArgs.tls ? { tls: files.nodeArgs.tls } : {}), ...(files.nodeArgs.busyWaitUs !== undefined ? { busyWaitUs: files.nodeArgs.busyWaitUs } : {}) })
        .catch((error: unknown) => {
          throw releaseNameTaken(error, files.release.name, vsn);
        });
    }
    await startApplications(state, files);
    booting = false;
    reports.release();
  } catch (error) {
    // Any other failure to boot (an application that is not permanent, a module that throws as it loads, distribution) is a crash too; a wrong node.args is not.
    if (!(error instanceof ReleaseConfigError)) dumper.write('other', error);
    dumper.uninstall();
    node.shutdown();
    if (options.quietFailure !== true || dumped === undefined) {
      reports.release();
      throw error;
    }
    // The boot's reports and stacks are in the dump: the error says what failed, in one line, and where they are.
    reports.drop();
    const failure = error instanceof ProcessExit && error.cause instanceof Error ? error.cause : error;
    throw new Error(`${failure instanceof Error ? failure.message : describeReason(failure)} (its report and stack are in ${dumped})`, { cause: error });
  }
  registerRpcModule(node, 'release_handler', releaseHandler(state));
  log(`started ${files.release.name} ${vsn}${files.nodeArgs.name ? ` as ${files.nodeArgs.name}` : ''}: ${state.started.join(', ')}`);
  return {
    node,
    name: files.release.name,
    get vsn() {
      return state.files.release.vsn;
    },
    stop,
  };
}

// The node name held by another node: the fixes a release has (its stop command, another name in node.args), not
// the --sname/--name of the otp command that the runtime's message names, which a start script does not take.
function releaseNameTaken(error: unknown, release: string, vsn: string): unknown {
  if (!(error instanceof Error) || !/refused to register .*the name is taken/.test(error.message)) return error;
  const refusal = error.message.replace(/; stop that node, or give this one another name \(--sname or --name\)$/, '');
  return new Error(`${refusal}; stop that node (bin/${release} stop, if it is this release already running), or give this release another node name: --name in config/node.args, then otp release (releases/${vsn}/node.args in a release already built)`, { cause: error });
}
