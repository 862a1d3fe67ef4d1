import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OtpNode } from '../node.js';
import type { VersionFiles } from './files.js';

/** The version of the @otp-ts/runtime package this code is part of (from src/ or dist/, its package.json above), if found. */
export function runtimeVersion(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@otp-ts/runtime') return pkg.version;
  }
  return undefined;
}

/** The last upgrade or downgrade the node ran, kept for the observer's Upgrades view. */
export interface LastUpgrade {
  from: string;
  to: string;
  /** When it ended, ms since the epoch. */
  at: number;
  outcome: 'installed' | 'rolled back';
  /** Why it was refused or rolled back. */
  reason?: string;
  /** Modules swapped (loaded, added, removed) — for one rolled back, those it tried to swap, put back since — and processes suspended (0 when it did not get that far). */
  modules: { changed: string[]; added: string[]; removed: string[] };
  processes: number;
  /** The longest suspension, in ms. */
  suspendedMs: number;
  /** Processes killed because they still ran a module version the install purged: pid and module (a rollback does not bring them back). */
  killed: Array<{ pid: string; module: string }>;
}

/** What the release handler knows about the release its node runs. */
export interface RunningRelease {
  root: string;
  node: OtpNode;
  env: Record<string, string | undefined>;
  /** The running version's files. */
  files: VersionFiles;
  /** The version of @otp-ts/runtime the node runs (one per node: a version built with another cannot be installed live). */
  runtime?: string;
  /** Applications started, in start order. */
  started: string[];
  log: (line: string) => void;
  stop: (reason?: unknown) => Promise<void>;
  /** Settles once no install (or its rollback) runs or waits its turn: an orderly stop waits for it (the release handler sets it). */
  idle?: () => Promise<void>;
  /** The last upgrade or downgrade, once one ran. */
  lastUpgrade?: LastUpgrade;
  /** While the release handler installs `to`: what the install got to, for the report if it rolls back. */
  attempt?: { from: string; to: string; modules: LastUpgrade['modules']; processes: number; suspendedMs: number; killed: LastUpgrade['killed'] };
}
