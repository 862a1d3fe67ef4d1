// End to end: a port mapper that accepts connections and never answers (hung, or another program on its port) leaves
// otp remote, otp ping and otp trace with one sentence naming it (address and port) and the fix, exit 1 as for a node
// that cannot be reached, within the port mapper's answer bound (OTP_EPMD_TIMEOUT, short here). Before, each printed
// "otp: internal error" with a stack and wrote a crash report; and the bound was a fixed 7 s. A bad OTP_EPMD_TIMEOUT is
// one sentence naming it and its range, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { bin } from './support/cli.ts';
import { run } from './support/run.ts';

test('otp remote, ping and trace: a port mapper that never answers is one sentence, exit 1', { timeout: 300_000 }, async () => {
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'silent-epmd', NO_COLOR: '1', OTP_EPMD_TIMEOUT: '300' };
  try {
    for (const args of [['remote', 'gone@127.0.0.1'], ['ping', 'gone@127.0.0.1'], ['trace', 'gone@127.0.0.1', 'shop/cart']]) {
      const ran = await run(process.execPath, [bin, ...args], process.cwd(), env, '1 + 1\n');
      assert.equal(ran.status, 1, `${args[0]}: ${ran.out}`);
      assert.doesNotMatch(ran.out, /internal error|crash report|\n\s+at /, `${args[0]}: ${ran.out}`);
      const line = new RegExp(`^otp: cannot reach gone@127\\.0\\.0\\.1: the port mapper at 127\\.0\\.0\\.1:${port} accepted the connection but sent no answer within 300 ms; it may be hung, or another program may be listening on port ${port}: stop it, or set OTP_EPMD_PORT to the port mapper's port$`);
      assert.match(ran.stderr, line, `${args[0]}: ${ran.out}`);
      assert.equal(ran.stdout, args[0] === 'ping' ? 'pang' : '', `${args[0]}: ${ran.out}`);
    }
    const bad = await run(process.execPath, [bin, 'ping', 'gone@127.0.0.1'], process.cwd(), { ...env, OTP_EPMD_TIMEOUT: '7s' });
    assert.equal(bad.status, 2, bad.out);
    assert.equal(bad.stderr, "otp: OTP_EPMD_TIMEOUT is '7s', which is not a wait in milliseconds: set it to a whole number from 1 to 3600000, or unset it for the default 7000", bad.out);
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
});
