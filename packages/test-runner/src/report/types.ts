import type { CaseResult, FileResult, RunResult } from '../result.js';
import type { Shard } from '../run/select.js';

/** What a run is about to do, given to `onRunStart`. */
export interface RunStart {
  /** The project root the file names are relative to. */
  readonly root: string;
  /** The test files about to run, relative to the root. */
  readonly files: readonly string[];
  /** The seed of CT `shuffle` groups in this run (print it: it replays the order). */
  readonly shuffleSeed: number;
  /** True when the files run in the seed's random order (`shuffle`). */
  readonly shuffled?: boolean;
  /** The part of the files this run covers (`shard`). */
  readonly shard?: Shard;
}

/** Where reporters write: stdout by default; `isTTY` decides between live progress and plain lines. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A reporter: every hook is optional and may be async (the run awaits `onRunStart` and `onRunEnd`).
 * Hooks are called in order: onRunStart, then per file onFileStart, onCaseEnd for each case, onFileEnd, and onRunEnd.
 */
export interface Reporter {
  /** Before any file runs. */
  onRunStart?(info: RunStart): void | Promise<void>;
  /** When a file's worker starts. Files run in parallel, so file events interleave. */
  onFileStart?(file: string): void;
  /** When a case has its outcome (including cases failed because their worker died). */
  onCaseEnd?(result: CaseResult): void;
  /** When a file is finished, with every case it discovered. */
  onFileEnd?(result: FileResult): void;
  /** After every file, with the totals. */
  onRunEnd?(result: RunResult): void | Promise<void>;
}
