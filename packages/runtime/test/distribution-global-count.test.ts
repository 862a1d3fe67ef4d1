// What maxGlobalNames counts against a member follows the names' lives: names it brought for a third node's
// processes stay counted after its connection closes while they live, and are released when they go.
// Real TCP on loopback: the member is a raw client that shakes hands by hand (docs/protocol.md §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createNode, global } from '../src/index.ts';
import { Pid } from '../src/pid.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { lookup } from '../src/distribution/epmd-client.ts';
import { encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { dialRaw, proofOf, type Raw } from './support/raw-peer.ts';

/** A raw member b@127.0.0.1 that proved the cookie to a@127.0.0.1. */
async function member(port: number): Promise<Raw> {
  const raw = await dialRaw(port);
  const mine = randomBytes(32).toString('hex');
  raw.send({ t: 'hello', v: 4, vmin: 3, name: 'b@127.0.0.1', hidden: false, challenge: mine, tick: 60_000, flags: [] });
  await waitFor('the challenge', () => raw.frames.length >= 1 || raw.closed);
  const ch = JSON.parse(raw.frames[0]!.toString()) as { t: string; challenge: string };
  assert.equal(ch.t, 'challenge');
  raw.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', 'b@127.0.0.1', 'a@127.0.0.1', ch.challenge, mine) });
  await waitFor("a's proof", () => raw.frames.length >= 2 || raw.closed);
  assert.equal((JSON.parse(raw.frames[1]!.toString()) as { t: string }).t, 'proof');
  return raw;
}

test("the global names a member brought for a third node's processes stay counted against it after its connection closes while they live, and are released when they go: it may then bring as many again", async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const c = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l), maxGlobalNames: 20 });
    await c.startDistribution({ name: 'c@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const port = (await lookup('a', '127.0.0.1', epmdPort))!.port;
    const held = Array.from({ length: 15 }, () => c.spawn(async (ctx) => void (await ctx.receive())));
    assert.equal(await c.ping('a@127.0.0.1'), true);
    // The raw client b writes its own pids at index 0, a's at 1 and c's at 2.
    const known = ['b@127.0.0.1', 'a@127.0.0.1', 'c@127.0.0.1'];
    const via: PidTranslator = { nameOf: (i) => known[i]!, indexOf: (n) => known.indexOf(n) };
    const names = (): Promise<string[]> => a.run((ctx) => global.registeredNames(ctx));
    const sync = (raw: Raw, entries: Array<[string, Pid]>) => raw.send(encodeControl(['reg_send', 'global_name_server', { op: 'sync', from: 'b@127.0.0.1', entries: entries.map(([n, p]) => [n, p, 'randomExit']) }], via, 1));
    const over = (l: string): boolean => /maxGlobalNames/.test(l);

    const first = await member(port);
    sync(first, held.map((p, i): [string, Pid] => [`t${i}`, new Pid(2, p.id, p.serial)]));
    await waitFor("b's 15 names of c's processes on a", async () => (await names()).length === 15);
    first.socket.destroy();
    await waitFor('a to see b go', () => !a.nodes().includes('b@127.0.0.1'));
    // c's processes live on: so do the names, and they still count against b.
    assert.equal((await names()).length, 15);
    const second = await member(port);
    sync(second, Array.from({ length: 10 }, (_, i): [string, Pid] => [`own${i}`, new Pid(0, 500 + i, 0)]));
    await waitFor('a to close the connection past 20 names', () => second.closed);
    assert.equal(logs.filter(over).length, 1, logs.join('\n'));
    await waitFor("b's own names to go with its connection", async () => (await names()).length === 15);

    // c's processes end: their names go, and with them what they counted against b.
    for (const p of held) c.send(p, 'stop');
    await waitFor("the names of c's processes to go", async () => (await names()).length === 0);
    const third = await member(port);
    sync(third, Array.from({ length: 20 }, (_, i): [string, Pid] => [`again${i}`, new Pid(0, 900 + i, 0)]));
    await waitFor("b's 20 names on a", async () => (await names()).length === 20 || third.closed);
    assert.equal(third.closed, false, logs.join('\n'));
    assert.equal(logs.filter(over).length, 1, logs.join('\n'));
    third.socket.destroy();
  } finally {
    await a.shutdown();
    await c.shutdown();
    await epmd.close();
  }
});
