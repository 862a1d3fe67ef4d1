import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OtpError } from '../errors/otp-error.js';

/**
 * Checks a file a command will write (`--snapshot FILE`, `--cpuprofile FILE`) before the command does its
 * work: a folder given as the file, or a folder that does not exist, is a usage error naming the flag.
 */
export function checkOutputFile(flag: string, file: string, example: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) throw new OtpError('usage', `${flag} ${file} is a folder: give a file in it, e.g. ${flag} ${join(file, example)}`);
  if (!existsSync(dirname(file))) throw new OtpError('usage', `${flag} ${file}: the folder ${dirname(file)} does not exist: create it, or give a file in a folder that exists`);
}
