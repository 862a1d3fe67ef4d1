import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { PassThrough } from 'node:stream';
import type { Io } from '@otp-ts/cli';
import { tempDir as sharedTempDir, writeTree } from '../../../test/support/files.ts';
import { waitUntil } from '../../../test/support/wait.ts';

export { writeTree };

/** A fresh temp folder, removed when the test file ends. */
export const tempDir = (prefix = 'otp-cli-'): string => sharedTempDir(prefix);

/**
 * A port mapper private to the test file, from its first test to its end: the tool nodes its commands start
 * register there (OTP_EPMD_PORT), never on the default port 4369, where the first one would start the built-in
 * port mapper and leave it running after the suite (it outlives its node, as epmd does).
 */
export function privatePortMapper(): void {
  let stop = (): Promise<void> => Promise.resolve();
  before(async () => {
    // Imported here: the other tests that use these helpers start no node.
    const { EpmdServer } = await import('@otp-ts/runtime/tools');
    const epmd = new EpmdServer();
    process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
    stop = () => epmd.close();
  });
  after(() => stop());
}

/** An io that records what is written, with a fake home. */
export function captureIo(overrides: Partial<Io> = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const home = overrides.home ?? tempDir('otp-home-');
  return {
    stdout: { write: (t: string) => (out += t), isTTY: false },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    cwd: home,
    env: {},
    home,
    verbosity: 'normal',
    crashDir: home,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}

/** Types a line into a shell's input and waits (up to 60 s) until its output after the line matches `expect`. */
async function typeLine(input: PassThrough, output: { text: string }, line: string, expect: RegExp): Promise<void> {
  const before = output.text.length;
  input.write(`${line}\n`);
  await waitUntil(() => expect.test(output.text.slice(before)), { ms: 60_000 });
  assert.match(output.text.slice(before), expect, `after typing: ${line}`);
}

/** otp shell's session on a project, fed through streams: `type` enters a line and waits for its answer, `exit` ends it. */
export async function shellSession(root: string): Promise<{ output: { text: string }; type(line: string, expect: RegExp): Promise<void>; exit(): Promise<void> }> {
  const input = new PassThrough();
  const output = { text: '' };
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  // Imported here: the other tests that use these helpers do not load the shell.
  const { startShell } = await import('../src/shell/session.ts');
  const shell = await startShell({ root, input, output: out });
  return {
    output,
    type: (line, expect) => typeLine(input, output, line, expect),
    exit: async () => {
      input.write('.exit\n');
      await shell.closed;
    },
  };
}
