// Ctrl-C on bin/<name> upgrade while the node installs and rolls back: the start script waits for the node to be
// whole, prints the outcome, then exits 130; before, it left at once and the operator never learnt what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';
import { daemonWithNextVersion } from './support/upgrade-project.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

// 0.2.0's codeChange says it runs (GATE.in), blocks its node until GATE exists, then throws: the upgrade rolls back.
function slowFailingCodeChange(dir: string, gate: string): void {
  const file = join(dir, 'src', 'hold_server.ts');
  const text = replaceOrFail(readFileSync(file, 'utf8'), /codeChange: \(_oldVsn, state: State \| OldState\) => \(.*\),\n/, `codeChange: (): State => {\n    writeFileSync(${JSON.stringify(`${gate}.in`)}, '');\n    while (!existsSync(${JSON.stringify(gate)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);\n    throw new Error('codeChange refused on purpose');\n  },\n`);
  writeFileSync(file, `import { existsSync, writeFileSync } from 'node:fs';\n${text}`);
}

test('Ctrl-C on upgrade while the node rolls back waits until it has, prints the rollback, then exits 130', { timeout: 300_000 }, async () => {
  let gate = '';
  const { script, remove, root } = await daemonWithNextVersion('hold', (dir) => slowFailingCodeChange(dir, (gate = join(dir, 'gate'))));
  try {
    const child = spawn(join(root, 'bin', 'hold'), ['upgrade', '0.2.0'], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor('0.2.0 codeChange to run', () => existsSync(`${gate}.in`) || undefined, { ms: 60_000, everyMs: 50 });
    child.kill('SIGINT');
    await waitFor('the start script to say it waits', () => /waiting for the upgrade to 0\.2\.0 to end on the node/.test(stderr) || undefined, { ms: 10_000, everyMs: 20 });
    writeFileSync(gate, '');
    assert.equal(await exit, 130, stderr);
    assert.match(stderr, /upgrade to 0\.2\.0 rolled back, 0\.1\.0 still runs: .*codeChange refused on purpose/);
    assert.match(await ok(script(['versions']), 'versions'), /0\.1\.0 +permanent \(running\)/);
  } finally {
    // A node still held in codeChange (the test failed before it let go) would never stop.
    if (gate !== '') writeFileSync(gate, '');
    await remove();
  }
});
