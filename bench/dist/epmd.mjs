// Stopping the Erlang epmd a dist benchmark started on its own port.
import { spawnSync } from 'node:child_process';

/**
 * Stops the epmd on `port`: epmd refuses `-kill` while a node is still registered, and the peers a benchmark
 * killed just before may not have closed their registrations yet, so it is asked again until it stops or no
 * epmd answers (10 s at most). True when stopped.
 */
export async function stopEpmd(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = spawnSync('epmd', ['-port', String(port), '-kill'], { encoding: 'utf8' });
    if (/Killed|cannot connect|no epmd/i.test(`${r.stdout}${r.stderr}`)) return true;
    if (Date.now() > deadline) {
      console.error(`bench: the epmd on port ${port} would not stop (${`${r.stdout}${r.stderr}`.trim()}); stop it with: epmd -port ${port} -kill`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
