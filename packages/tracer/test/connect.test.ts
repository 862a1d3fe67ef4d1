// connect() over TLS, and the one-line reason it gives when a node refuses the tool: in-process nodes
// with a private port mapper, and certificates made with openssl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode } from '@otp-ts/runtime';
import { connect, TracerError, type TracerErrorCode } from '@otp-ts/tracer';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { makePki, type Pki } from '../../../test/support/pki.ts';

let pki: Pki;
let epmd: EpmdServer;
const nodes: OtpNode[] = [];

before(async () => {
  pki = makePki({ ca: ['secure', 'tool'], 'other-ca': ['rogue'] });
  epmd = new EpmdServer();
  // connect() finds the port mapper as every node does: through OTP_EPMD_PORT.
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
  for (const [name, tls] of [['secure', pki.tls('secure')], ['plain', undefined]] as const) {
    const node = createNode({ onCrash: () => {} });
    await node.startDistribution({ name: `${name}@127.0.0.1`, cookie: 'secret', log: () => {}, ...(tls ? { tls } : {}) });
    nodes.push(node);
  }
});

after(async () => {
  for (const n of nodes) n.shutdown();
  await epmd.close();
  pki.remove();
});

async function refused(options: Parameters<typeof connect>[0], code: TracerErrorCode, message: string | RegExp): Promise<void> {
  await assert.rejects(connect(options), (e: unknown) => {
    assert.ok(e instanceof TracerError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('with the cluster CA and a certificate it signed, a tool reaches a TLS node and calls it', async () => {
  const c = await connect({ node: 'secure@127.0.0.1', cookie: 'secret', tls: pki.tls('tool') });
  try {
    assert.equal(await c.rpc('otp', 'name'), 'secure@127.0.0.1');
    assert.ok(((await c.rpc('otp', 'processCount')) as number) > 0);
  } finally {
    c.close();
  }
});

test('a plain tool is told to add --proto tls; a TLS tool reaching a plain node is told it does not speak TLS', async () => {
  await refused({ node: 'secure@127.0.0.1', cookie: 'secret' }, 'badTls', 'secure@127.0.0.1 refused the connection: it speaks TLS and this tool does not (add --proto tls with --ssl-cert, --ssl-key and --ssl-ca, or OTP_PROTO=tls and OTP_SSL_*)');
  await refused({ node: 'plain@127.0.0.1', cookie: 'secret', tls: pki.tls('tool') }, 'badTls', 'plain@127.0.0.1 does not speak TLS: leave out --proto tls (and OTP_PROTO=tls) to reach it');
});

test('a wrong cookie over TLS is the same wrong-cookie line as over TCP', async () => {
  const line = "secure@127.0.0.1 refused the connection: wrong cookie (give the node's cookie with --cookie or OTP_COOKIE)";
  await refused({ node: 'secure@127.0.0.1', cookie: 'wrong', tls: pki.tls('tool') }, 'badCookie', line);
  await refused({ node: 'plain@127.0.0.1', cookie: 'wrong' }, 'badCookie', line.replace('secure', 'plain'));
});

test("certificates: the node refuses one its CA did not sign, and the tool refuses a node its --ssl-ca did not sign", async () => {
  await refused({ node: 'secure@127.0.0.1', cookie: 'secret', tls: pki.tls('rogue') }, 'badTls', "secure@127.0.0.1 did not accept this tool's certificate: give --ssl-cert and --ssl-key signed by the cluster's CA");
  await refused({ node: 'secure@127.0.0.1', cookie: 'secret', tls: pki.tls('rogue', 'other-ca') }, 'badTls', /^secure@127\.0\.0\.1's certificate is not signed by the CA of --ssl-ca \(\w+\): give the cluster's CA$/);
});

test('an unknown node, and TLS files that cannot be read', async () => {
  await refused({ node: 'nobody@127.0.0.1', cookie: 'secret', tls: pki.tls('tool') }, 'unknownNode', 'no node nobody@127.0.0.1 is running (the port mapper on 127.0.0.1 does not know it)');
  await refused({ node: 'secure@127.0.0.1', cookie: 'secret', tls: { ...pki.tls('tool'), key: `${pki.dir}/missing.key` } }, 'badTls', /^cannot use the TLS files: cannot read the TLS key .*missing\.key \(ENOENT\): check --ssl-key$/);
});

test("a tool node name a running node already has is one line naming it and the fix, not the port mapper's error", async () => {
  // 'plain' is registered by the node the tool wants to reach: the tool cannot take that name too.
  await refused({ node: 'secure@127.0.0.1', cookie: 'secret', tls: pki.tls('tool'), name: 'plain@127.0.0.1' }, 'badNodeName', "this tool's node name plain@127.0.0.1 is taken by a running node on this host: give another with --sname (or --name), or leave it out for a fresh one");
  await refused({ node: 'plain@127.0.0.1', cookie: 'secret', name: 'plain@127.0.0.1' }, 'badNodeName', /^this tool's node name plain@127\.0\.0\.1 is taken/);
});
