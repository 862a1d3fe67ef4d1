import type { AnyProvider } from '../cli/provider.js';
import { newCommand } from './new.js';
import { completionCommand } from './completion.js';
import { compileCommand } from './compile.js';
import { shellCommand } from './shell.js';
import { testCommand } from './test.js';
import { releaseCommand } from './release.js';
import { pingCommand, rpcCommand, nodesCommand } from './remote.js';
import { traceCommand } from './trace.js';
import { procsCommand } from './procs.js';
import { infoCommand } from './info.js';
import { treeCommand } from './tree.js';
import { topCommand } from './top.js';
import { remoteCommand } from './remote-shell.js';
import { observerCommand } from './observer.js';
import { crashdumpCommand } from './crashdump.js';
import { profileCommand } from './profile.js';
import { heapCommand } from './heap.js';

/** Every command of `otp`, in the order help lists them. */
export const providers: readonly AnyProvider[] = [newCommand, compileCommand, shellCommand, testCommand, releaseCommand, pingCommand, rpcCommand, nodesCommand, traceCommand, procsCommand, infoCommand, treeCommand, topCommand, observerCommand, profileCommand, heapCommand, crashdumpCommand, remoteCommand, completionCommand(() => providers)];
