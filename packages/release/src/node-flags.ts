// Which Node.js flags of a node.args Node.js will not start with: asked of Node.js itself, in a process that runs
// nothing, so `otp release` (building) and the start script (booting) refuse the same flags in the same words.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Flags already asked about in this process (otp release checks config/node.args before and after compiling).
const asked = new Map<string, { flag: string; why: string } | undefined>();

/** The first of `flags` Node.js will not start with and why, in Node.js' words (`bad option: --x`); undefined when it starts with them all. */
export function refusedNodeFlag(flags: readonly string[]): { flag: string; why: string } | undefined {
  const own = flags.filter((f) => f !== '--enable-source-maps');
  if (own.length === 0) return undefined;
  const key = JSON.stringify(own);
  if (asked.has(key)) return asked.get(key);
  // In a folder of its own, removed after: a flag that writes files as Node.js starts (--prof, --cpu-prof) leaves none
  // in the project or where the operator stands. Only exit 9 (Node.js' own "invalid argument") is a refused flag: a
  // --require'd module that fails here (a relative path, resolved from elsewhere at boot) is not the flag's fault.
  const cwd = mkdtempSync(join(tmpdir(), 'otp-node-flags-'));
  let tried: SpawnSyncReturns<string>;
  try {
    tried = spawnSync(process.execPath, [...own, '--eval', ''], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  let refused: { flag: string; why: string } | undefined;
  if (tried.status === 9) {
    const said = tried.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Try --help/.test(l));
    const flag = own.find((f) => said.some((l) => l.includes(f))) ?? own.join(' ');
    const why = (said.find((l) => l.includes(flag)) ?? said[0] ?? `Node.js exited with code ${tried.status}`).replace(/^.*?(bad option|illegal value)/, '$1');
    refused = { flag, why };
  }
  asked.set(key, refused);
  return refused;
}
