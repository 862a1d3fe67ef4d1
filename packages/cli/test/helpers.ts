import type { Io } from '@otp-ts/cli';
import { tempDir as sharedTempDir, writeTree } from '../../../test/support/files.ts';

export { writeTree };

/** A fresh temp folder, removed when the test file ends. */
export const tempDir = (prefix = 'otp-cli-'): string => sharedTempDir(prefix);

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
