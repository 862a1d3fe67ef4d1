// Notices a process out of file descriptors: at EMFILE the OS accepts a listener's connections and libuv closes them
// at once, without a word to the program, so a node (or the port mapper) would turn peers away silently.
import { closeSync, openSync } from 'node:fs';
import { devNull } from 'node:os';
import { setInterval, clearInterval } from 'node:timers';

/** How often a listener checks that a file descriptor can still be opened, in ms. */
export const DESCRIPTOR_CHECK_MS = 1000;

/**
 * Checks every `everyMs` that the process can open a file descriptor; when it cannot (EMFILE, ENFILE) `log` gets one
 * sentence naming `who`, the effect and the fix, and one more when descriptors are free again. Returns the stop.
 */
export function watchDescriptors(who: string, log: (line: string) => void, everyMs = DESCRIPTOR_CHECK_MS): () => void {
  let out = false;
  const timer = setInterval(() => {
    let code: string | undefined;
    try {
      closeSync(openSync(devNull, 'r'));
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
    }
    const exhausted = code === 'EMFILE' || code === 'ENFILE';
    if (exhausted && !out) log(`${who}: the process has no file descriptors left (${code}), so new connections are closed as they arrive while existing ones are served; raise the limit (ulimit -n) or close idle connections`);
    if (!exhausted && out) log(`${who}: file descriptors are free again; new connections are accepted`);
    out = exhausted;
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
