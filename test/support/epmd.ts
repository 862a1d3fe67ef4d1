// A port mapper private to one test file: the nodes and tools the file starts register there, never on the
// default port 4369, so no test leaves a port mapper running (one started by a release's node outlives it,
// as epmd does) and no test stands in the way of Erlang's own epmd. It runs as its own OS process: a test
// blocked in spawnSync could not answer registrations from a port mapper in its own event loop.
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const program = fileURLToPath(new URL('../../packages/runtime/dist/epmd.js', import.meta.url));

/** A free port on loopback, closed again: nothing listens there (for a port mapper a test starts, or none at all). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the built-in port mapper on a free port, points OTP_EPMD_PORT at it and stops it when the file's tests end (or the file's process exits). */
export async function privatePortMapper(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [program, '--port', String(port), '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): void => void child.kill();
  process.once('exit', stop);
  after(stop);
  let said = '';
  await new Promise<void>((resolve, reject) => {
    const on = (c: Buffer): void => {
      said += c.toString();
      if (/listening/.test(said)) resolve();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (code) => reject(new Error(`the private port mapper on port ${port} exited (${code}): ${said}`)));
  });
  process.env.OTP_EPMD_PORT = String(port);
  return port;
}
