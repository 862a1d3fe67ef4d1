import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { osProcessRuns } from '@otp-ts/runtime/tools';

/** One step of an install, journaled before it is done: a move into the root (`backup`: where what it replaces waits), or a folder made. */
export type JournalStep = { target: string; from: string; backup?: string } | { made: string };

/** The journal of an install in a staging folder: its steps, one JSON line each, then `done`. */
export const journalFile = (work: string): string => join(work, 'journal');

/** Appends a step (or `done`) to the journal, before the step is taken. */
export function journal(work: string, step: JournalStep | 'done'): void {
  appendFileSync(journalFile(work), `${JSON.stringify(step)}\n`);
}

// Undoes one journaled step as far as it went: a move whose source is gone is taken out of the root, and what it replaced put back.
function undoStep(step: JournalStep): void {
  if ('made' in step) {
    rmSync(step.made, { recursive: true, force: true });
    return;
  }
  const movedIn = !existsSync(step.from);
  rmSync(step.from, { force: true, recursive: true });
  if (step.backup !== undefined ? existsSync(step.backup) : movedIn) rmSync(step.target, { recursive: true, force: true });
  if (step.backup !== undefined && existsSync(step.backup)) renameSync(step.backup, step.target);
}

/**
 * Finishes the install a killed `otp release` (SIGKILL, a power cut) left in staging folder `work`: one whose
 * journal says `done` is complete (nothing to do); else every step it took is undone, newest first, so the root
 * is as it was before, with what it replaced put back from the staging folder. Returns whether anything was undone.
 */
export function recoverInstall(work: string): boolean {
  const file = journalFile(work);
  if (!existsSync(file)) return false;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const steps: JournalStep[] = [];
  for (const line of lines) {
    if (line === '"done"') return false;
    try {
      steps.push(JSON.parse(line) as JournalStep);
    } catch {
      break; // the line being written when the process died: its step was not taken
    }
  }
  for (const step of steps.reverse()) undoStep(step);
  return steps.length > 0;
}

/** The staging folders beside a release root named `name` whose `otp release` no longer runs, with the pid in their name. */
export function abandonedStaging(parent: string, name: string): string[] {
  const own = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-staging-(\\d+)-`);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return []; // no such folder, or one this user cannot list: no staging folder of its own there
  }
  return entries.filter((entry) => {
    const pid = own.exec(entry)?.[1];
    return pid !== undefined && !osProcessRuns(Number(pid));
  }).map((entry) => join(parent, entry));
}

/**
 * Removes the staging folders beside the root that an assembly killed part-way left: each holds a whole copy of a
 * release (the Node.js binary with --include-node). Their name carries the pid of the assembly that made them; a
 * folder of a running assembly (`otp release` run twice at once) stays. One killed while it moved its version in
 * (SIGKILL) first has its moves undone from its journal, so what it replaced goes back into the root.
 */
export function removeAbandoned(parent: string, name: string): { removed: number; undone: number } {
  let undone = 0;
  const folders = abandonedStaging(parent, name);
  for (const folder of folders) {
    if (recoverInstall(folder)) undone++;
    rmSync(folder, { recursive: true, force: true });
  }
  return { removed: folders.length, undone };
}
