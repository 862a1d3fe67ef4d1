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

/**
 * Keeps listening servers (one's, or the port mapper's per address) serving through their own errors (an accept that failed: EMFILE, ENOBUFS): without a
 * listener, Node throws a server's 'error' and the process ends. Running out of descriptors is said by
 * watchDescriptors; any other error is one line naming `who`, at most one a second for them all.
 */
export function keepServing(servers: ReadonlyArray<{ on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown }>, who: string, log: (line: string) => void): void {
  const say = rateLimitedLog(log, 'failed');
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EMFILE' || error.code === 'ENFILE') return;
    say(`${who}: the listener could not take a connection (${error.code ?? error.message}); it goes on serving`);
  };
  for (const server of servers) server.on('error', onError);
}

/**
 * `log`, at most one line a second: a line within the second of the last one logged is left out and counted, and the
 * next line logged ends with how many (`(and 3 more refused since the last line)`, `others` naming them), so a flood
 * of refusals or failed accepts is said without flooding the operator's output.
 */
export function rateLimitedLog(log: (line: string) => void, others: string): (line: string) => void {
  let lastLine = 0;
  let unlogged = 0;
  return (line) => {
    if (Date.now() - lastLine < 1000) {
      unlogged++;
      return;
    }
    log(unlogged > 0 ? `${line} (and ${unlogged} more ${others} since the last line)` : line);
    lastLine = Date.now();
    unlogged = 0;
  };
}
