// OTP_COOKIE made from a file (a Kubernetes secret, `export OTP_COOKIE=$(cat f)` keeps none but `env` files
// and secrets do) ends in a newline. The cookie is used as given (the node uses its own the same way), but a
// refusal for a wrong cookie now says the one it used ends in whitespace, rather than only 'wrong cookie'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '@otp-ts/runtime';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';
import { run } from './support/run.ts';

const port = await privatePortMapper();

test('a wrong-cookie refusal with OTP_COOKIE ending in a newline says so (not the cookie itself); the right one pongs', { timeout: 120_000 }, async () => {
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'cknl@127.0.0.1', cookie: 'kube_secret' });
  const ping = (cookie: string) => run(process.execPath, [bin, 'ping', 'cknl@127.0.0.1'], process.cwd(), { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: cookie, NO_COLOR: '1' });
  try {
    const refused = await ping('kube_secret\n');
    assert.deepEqual([refused.status, refused.stdout], [1, 'pang'], refused.out);
    assert.match(refused.stderr, /wrong cookie/, refused.out);
    assert.match(refused.stderr, /the cookie from OTP_COOKIE ends in whitespace \("\\n"\), which is part of it: if the node's cookie has none, remove it/, refused.out);
    assert.doesNotMatch(refused.out, /kube_secret/, 'the cookie is never printed');
    const plain = await ping('not_it');
    assert.doesNotMatch(plain.stderr, /whitespace/, plain.out);
    const right = await ping('kube_secret');
    assert.deepEqual([right.status, right.stdout], [0, 'pong'], right.out);
  } finally {
    node.shutdown();
  }
});
