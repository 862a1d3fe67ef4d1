// End to end: otp remote prints nothing for a declaration or a comment line (which answers undefined), as otp shell
// prints nothing, while a value asked for is printed even when it is undefined; and q() inside a statement
// (`if (x > 1) q()`) leaves otp remote as it leaves otp shell, the node running on. Before, each declaration printed
// `undefined`, and `if (x > 1) q()` answered '** q is not defined' and the lines after it ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';
import { waitFor } from './support/wait.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

test('otp remote: declarations and comments print nothing, undefined asked for prints, q() inside a statement quits', { timeout: 300_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'remote-quiet', NO_COLOR: '1' };
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'rquiet@127.0.0.1', 'remote-quiet', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let booted = '';
    peer.stdout.on('data', (c: Buffer) => (booted += c.toString()));
    await waitFor('the node to start', () => booted.includes('ready'), { ms: 120_000 });
    const lines = ['// a comment line', 'const x = 20', 'x + 1', 'let u', 'u', 'function f() { return x }', '/* c */ var v = 1', "const s = 'undefined'; s", 'if (x > 1) q()', "'not run'"];
    const first = await run(process.execPath, [bin, 'remote', 'rquiet@127.0.0.1'], process.cwd(), env, `${lines.join('\n')}\n`);
    assert.equal(first.status, 0, first.out);
    assert.equal(first.stdout, "21\nundefined\n'undefined'", first.out);
    // The node runs on: another shell is answered.
    const next = await run(process.execPath, [bin, 'remote', 'rquiet@127.0.0.1'], process.cwd(), env, "[1, 2].forEach((n) => { if (n === 2) quit() }); 'left'\n3\n");
    assert.equal(next.status, 0, next.out);
    assert.equal(next.stdout, "'left'", next.out);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
  }
});
