import { join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import type { Project } from './find.js';

/** What `watchProject` returns: stop watching. */
export interface ProjectWatcher {
  /** Resolves once the initial scan is done: changes from then on are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** One file event seen by `watchProject`: chokidar's event name (`add`, `change`, `unlink`, `addDir`…) and the path. */
export interface WatchEvent {
  readonly event: string;
  readonly path: string;
}

/**
 * Runs `onChange` whenever a file changes in the project's applications' `folders` (default src/),
 * one run at a time, with the events it runs for: changes during a run start one more run after it,
 * for all of them at once. Build output and node_modules are ignored relative to the project, so a
 * project that lives under a _build folder is watched too. An error thrown by a run is reported
 * through `onError` and the watching goes on.
 */
export function watchProject(project: Project, onChange: (events: readonly WatchEvent[]) => Promise<unknown>, onError: (error: Error) => void, folders: readonly string[] = ['src']): ProjectWatcher {
  const watcher = watch(
    project.apps.flatMap((app) => folders.map((f) => join(app, f))),
    { ignoreInitial: true, ignored: (p) => relative(project.root, p).split(sep).some((part) => part === '_build' || part === 'node_modules') },
  );
  let running: Promise<unknown> = Promise.resolve();
  let pending: WatchEvent[] = [];
  watcher.on('all', (event, path) => {
    pending.push({ event, path });
    if (pending.length > 1) return; // a run is already queued: it takes this event too
    running = running
      .then(() => {
        const events = pending;
        pending = [];
        return onChange(events);
      })
      .catch((error: Error) => onError(error));
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
