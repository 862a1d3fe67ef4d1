// What a foreground boot holds back while it runs: the error reports, crash prints and crash dump line that a failed
// boot's one-line error stands for (the crash dump keeps them). A boot that succeeds, or runs long, prints them after all.
import { clearTimeout, setTimeout } from 'node:timers';
import { describeReason } from '../errors.js';
import { loggerOf, type LogLevel } from '../logger.js';
import type { OtpNode } from '../node.js';
import type { Pid } from '../pid.js';

const SEVERE: ReadonlySet<LogLevel> = new Set(['emergency', 'alert', 'critical', 'error']);
// A boot still running after this long prints what it held and holds no more: a slow start's errors are not hidden.
const HOLD_MS = 5000;

/** Holds a booting node's error output until `release` (printed) or `drop` (left to the crash dump). */
export interface BootReports {
  /** The node's onCrash (createNode): "Error in process" with the stack, held while holding. */
  onCrash(pid: Pid, error: unknown): void;
  /** The crash dump's "written to" line, held while holding. */
  announce(file: string): void;
  /** Holds the node's logger's error reports from now on (its default stderr handler). */
  attach(node: OtpNode): void;
  /** Prints what was held and holds no more. */
  release(): void;
  /** Forgets what was held (a failed boot whose dump keeps it) and holds no more. */
  drop(): void;
}

/** A holder of a boot's error output; `hold` false prints everything at once, as a node does. */
export function bootReports(hold: boolean): BootReports {
  const held: string[] = [];
  let holding = hold;
  const say = (text: string): void => {
    if (holding) held.push(text);
    else process.stderr.write(`${text}\n`);
  };
  const timer = hold ? setTimeout(() => reports.release(), HOLD_MS).unref() : undefined;
  const reports: BootReports = {
    onCrash: (pid, error) => say(`Error in process ${pid}: ${error instanceof Error ? (error.stack ?? String(error)) : describeReason(error)}`),
    announce: (file) => say(`crash dump written to ${file}`),
    attach(node) {
      if (!hold) return;
      const logger = loggerOf(node);
      logger.removeHandler('default');
      logger.addHandler({ id: 'default', log: (event, text) => (SEVERE.has(event.level) ? say(text) : process.stderr.write(`${text}\n`)) });
    },
    release() {
      clearTimeout(timer);
      holding = false;
      for (const text of held.splice(0)) process.stderr.write(`${text}\n`);
    },
    drop() {
      clearTimeout(timer);
      holding = false;
      held.length = 0;
    },
  };
  return reports;
}
