import type { AnyProvider } from '../cli/provider.js';
import { newCommand } from './new.js';
import { completionCommand } from './completion.js';
import { compileCommand } from './compile.js';
import { shellCommand } from './shell.js';
import { testCommand } from './test.js';
import { releaseCommand } from './release.js';
import { pingCommand, rpcCommand, nodesCommand } from './remote.js';

/** Every command of `otp`, in the order help lists them. */
export const providers: readonly AnyProvider[] = [newCommand, compileCommand, shellCommand, testCommand, releaseCommand, pingCommand, rpcCommand, nodesCommand, completionCommand];
