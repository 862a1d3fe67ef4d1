import type { OtpNode } from '../node.js';
import type { VersionFiles } from './files.js';

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
}

/** What the release handler knows about the release its node runs. */
export interface RunningRelease {
  root: string;
  node: OtpNode;
  env: Record<string, string | undefined>;
  /** The running version's files. */
  files: VersionFiles;
  /** Applications started, in start order. */
  started: string[];
  log: (line: string) => void;
  stop: (reason?: unknown) => Promise<void>;
  /** The last upgrade or downgrade, once one ran. */
  lastUpgrade?: LastUpgrade;
  /** While the release handler installs `to`: what the install got to, for the report if it rolls back. */
  attempt?: { to: string; modules: LastUpgrade['modules']; processes: number; suspendedMs: number };
}
