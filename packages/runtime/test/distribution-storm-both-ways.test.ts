// Two honest nodes in OS processes of their own, each with more unsent to the other than the other keeps of its
// frames, while each owes the other noproc answers (a monitor and message storm both ways). Real TCP on loopback,
// their own port mapper; maxFrameBytes is 4 MiB, the sends 20 MB a round each way (the defaults scaled down).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const script = fileURLToPath(new URL('./fixtures/storm-peer.ts', import.meta.url));

interface Peer {
  child: ChildProcess;
  out: string;
  err: string;
}

function start(name: string, peer: string, epmdPort: number): Promise<Peer> {
  const child = spawn(process.execPath, [...process.execArgv, script, name, peer, String(epmdPort), String(4 * 1024 * 1024)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p: Peer = { child, out: '', err: '' };
  child.stdout!.on('data', (c: Buffer) => (p.out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (p.err += c.toString()));
  return waitFor(`${name} to start`, () => (child.exitCode !== null ? Promise.reject(new Error(`${name} exited: ${p.err}`)) : p.out.includes('ready') ? p : undefined), { ms: 60_000 });
}

test('two nodes whose processes each send the other more than it keeps of their frames, while each owes the other noproc DOWNs, both drain: every DOWN and message arrives and the connection stays up', { timeout: 180_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peers: Peer[] = [];
  try {
    peers.push(await start('a@127.0.0.1', 'b@127.0.0.1', epmdPort));
    peers.push(await start('b@127.0.0.1', 'a@127.0.0.1', epmdPort));
    for (const p of peers) p.child.stdin!.write('go\n');
    await waitFor('both nodes done, or one to lose the other', () => peers.every((p) => p.out.includes('done')) || peers.some((p) => p.out.includes('nodedown') || p.child.exitCode !== null), { ms: 150_000 });
    for (const p of peers) assert.match(p.out, /done/, `${p.out}\n${p.err}`);
    for (const p of peers) assert.doesNotMatch(p.out, /nodedown/, `${p.out}\n${p.err}`);
  } finally {
    for (const p of peers) p.child.kill();
    await epmd.close();
  }
});
