import { join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import type { Project } from './find.js';

/** What `watchProject` returns: stop watching. */
export interface ProjectWatcher {
  /** Resolves once the initial scan is done: changes from then on are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `onChange` whenever a file changes in the project's applications' `folders` (default src/),
 * one run at a time: changes during a run start one more run after it. Build output and node_modules
 * are ignored relative to the project, so a project that lives under a _build folder is watched too.
 * An error thrown by a run is reported through `onError` and the watching goes on.
 */
export function watchProject(project: Project, onChange: () => Promise<unknown>, onError: (error: Error) => void, folders: readonly string[] = ['src']): ProjectWatcher {
  const watcher = watch(
    project.apps.flatMap((app) => folders.map((f) => join(app, f))),
    { ignoreInitial: true, ignored: (p) => relative(project.root, p).split(sep).some((part) => part === '_build' || part === 'node_modules') },
  );
  let running: Promise<unknown> = Promise.resolve();
  watcher.on('all', () => {
    running = running.then(onChange).catch((error: Error) => onError(error));
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
