import type { OtpNode } from '../node.js';
import type { VersionFiles } from './files.js';

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
}
