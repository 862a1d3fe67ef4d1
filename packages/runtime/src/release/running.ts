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
  /** Modules swapped (loaded, added, removed) and processes suspended; empty and 0 when it did not get that far. */
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
}
