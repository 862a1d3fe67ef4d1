// Aliases across nodes: a remote process sends to a local alias over the connection (op alias_send),
// and an inactive alias drops the message on the node that owns it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, setMessageIsolation, TIMEOUT } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

const peerScript = fileURLToPath(new URL('./fixtures/peer-node.ts', import.meta.url));
const WAIT = 30_000;

function startPeer(name: string, cookie: string, epmdPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, name, cookie, String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

test('process_SUITE alias_bif (distributed): a process of another node sends to an alias; after unalias its messages are dropped', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  let peer: ChildProcess | undefined;
  const node = createNode({ onCrash: () => {} });
  try {
    peer = await startPeer('aliasb@127.0.0.1', 'aliascookie', epmdPort);
    await node.startDistribution({ name: 'aliasa@127.0.0.1', cookie: 'aliascookie', epmdPort, log: () => {} });
    await node.run(async (ctx) => {
      const echo = { name: 'echo', node: 'aliasb@127.0.0.1' };
      const alias = ctx.alias();
      ctx.send(echo, { from: alias, msg: 'through the alias' });
      const first = (await ctx.receive(null, WAIT)) as { echo: string };
      assert.notEqual(first, TIMEOUT);
      assert.equal(first.echo, 'through the alias');
      assert.equal(ctx.unalias(alias), true);
      ctx.send(echo, { from: alias, msg: 'after unalias' });
      // The echo answers in order over one connection: once the answer to our pid is in, the alias one was dropped.
      ctx.send(echo, { from: ctx.self(), msg: 'to the pid' });
      const second = (await ctx.receive(null, WAIT)) as { echo: string };
      assert.equal(second.echo, 'to the pid');
      assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 0);
      // With message isolation on, what arrives from another node is the receiver's own copy: not frozen.
      const was = setMessageIsolation(true);
      try {
        ctx.send(echo, { from: ctx.self(), msg: ['b', 'a'] });
        const third = (await ctx.receive(null, WAIT)) as { echo: string[] };
        assert.deepEqual(third.echo.sort(), ['a', 'b']);
      } finally {
        setMessageIsolation(was);
      }
    });
  } finally {
    peer?.kill('SIGKILL');
    node.shutdown();
    await epmd.close();
  }
});
