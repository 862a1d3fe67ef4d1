// A peer that proved the cookie is trusted, as in OTP, but what it sends stays what any node could send: floods of
// monitors and links are bounded by maxLinksAndMonitors, an exit signal is delivered as one (trapped, a message),
// sends to system names are messages and nothing more, and a flood to a slow process meets its maxMailbox.
// Real TCP on loopback: the peer is a raw client that shakes hands by hand (docs/protocol.md §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isExit } from '../src/index.ts';
import { Pid, Ref } from '../src/pid.ts';
import { encodeControl, type PidTranslator } from '../src/distribution/codec.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { dialRaw, frame, json, proofOf, type Raw } from './support/raw-peer.ts';
import { withPeer } from './support/hostile-cluster.ts';

/** Shakes hands as b@127.0.0.1 with a's cookie; fails the test unless a lets it in. */
async function connectB(port: number): Promise<Raw> {
  const raw = await dialRaw(port);
  const mine = randomBytes(32).toString('hex');
  raw.send({ t: 'hello', v: 4, vmin: 3, name: 'b@127.0.0.1', hidden: false, challenge: mine, tick: 60_000, flags: [] });
  const ch = json(await raw.next());
  assert.equal(ch.t, 'challenge', JSON.stringify(ch));
  raw.send({ t: 'proof', digest: proofOf('sekrit', 'dialler', 'b@127.0.0.1', 'a@127.0.0.1', String(ch.challenge), mine) });
  const answer = json(await raw.next());
  assert.equal(answer.t, 'proof', JSON.stringify(answer));
  return raw;
}

// Pids as the raw client writes them: index 0 is the client's own node, index 1 the receiver's (a's).
const via: PidTranslator = { nameOf: (i) => ['b@127.0.0.1', 'a@127.0.0.1'][i]!, indexOf: (n) => ['b@127.0.0.1', 'a@127.0.0.1'].indexOf(n) };
const control = (msg: readonly unknown[]): Buffer => frame(encodeControl(msg, via, 1));

// Every frame b sent before it handled: a monitor of a name nobody has is answered at once with a noproc DOWN naming it.
async function settled(raw: Raw, n: number): Promise<void> {
  const name = `nobody_${n}`;
  raw.socket.write(control(['monitor', new Pid(0, 1, 0), name, new Ref(0, 900_000 + n)]));
  await waitFor(`the noproc DOWN of ${name}`, () => raw.frames.some((f) => f.includes(name)) || raw.closed);
}

for (const kind of ['monitor', 'link'] as const) {
  test(`a flood of ${kind}s of one live process (20000 in one write, from as many processes of the peer) is cut at maxLinksAndMonitors with one line; the process lives and the node serves its other peers`, async () => {
    await withPeer(
      async ({ a, c, logs, port }) => {
        const target = a.spawn(async (ctx) => {
          ctx.trapExit(true);
          for (;;) await ctx.receive();
        }, { name: 'target' });
        const mine = new Pid(1, target.id, target.serial);
        const raw = await connectB(port);
        const flood = Buffer.concat(Array.from({ length: 20_000 }, (_, i) => control(kind === 'monitor' ? ['monitor', new Pid(0, 100 + i, 0), mine, new Ref(0, i)] : ['link', new Pid(0, 100 + i, 0), mine])));
        raw.socket.write(flood);
        await waitFor('a to close the connection', () => raw.closed, { ms: 30_000 });
        assert.equal(logs.filter((l) => /maxLinksAndMonitors/.test(l)).length, 1, logs.join('\n'));
        await waitFor('b to be down on a', () => !a.nodes().includes('b@127.0.0.1'));
        assert.equal(a.isAlive(target), true, 'the target lives');
        assert.equal(await c.ping('a@127.0.0.1'), true);
        // What b held went with its connection.
        assert.equal(a.dist!.remote.heldBy(a.dist!.indexOf('b@127.0.0.1')), 0);
        assert.deepEqual([a.processInfo(target)?.links.length, a.processInfo(target)?.monitoredBy.length], [0, 0]);
      },
      { maxLinksAndMonitors: 500 },
    );
  });
}

test('an exit signal (exit2) from a peer to a local process it never linked is delivered, as OTP delivers it: a trapping process gets it as a message, another exits with its reason', async () => {
  await withPeer(async ({ a, port }) => {
    const got: unknown[] = [];
    const trapping = a.spawn(async (ctx) => {
      ctx.trapExit(true);
      for (;;) got.push(await ctx.receive());
    });
    const plain = a.spawn(async (ctx) => {
      for (;;) await ctx.receive();
    });
    let plainReason: unknown;
    a.spawn(async (ctx) => {
      ctx.monitor(plain);
      plainReason = ((await ctx.receive()) as { reason: unknown }).reason;
    });
    const raw = await connectB(port);
    const from = new Pid(0, 42, 0);
    raw.socket.write(control(['exit2', from, new Pid(1, trapping.id, trapping.serial), 'bye']));
    raw.socket.write(control(['exit2', from, new Pid(1, plain.id, plain.serial), 'bye']));
    await waitFor('the trapped exit to arrive', () => got.some(isExit));
    const exit = got.find(isExit)!;
    assert.equal(exit.reason, 'bye');
    assert.equal(exit.from.id, 42);
    assert.equal(a.dist!.nameOf(exit.from.node), 'b@127.0.0.1');
    await waitFor('the plain process to exit', () => plainReason !== undefined);
    assert.equal(plainReason, 'bye');
    assert.equal(a.isAlive(trapping), true);
    assert.equal(a.nodes().includes('b@127.0.0.1'), true, 'the connection stays');
    raw.socket.destroy();
  });
});

test("sends from a peer to the node's system names (code_server, net_kernel, rex, global_name_server, init and every name registered) are messages and nothing more: junk, calls and stop requests kill no process and the node serves", async () => {
  await withPeer(async ({ a, c, logs, port }) => {
    const names = [...new Set([...a.registered(), 'code_server', 'net_kernel', 'rex', 'global_name_server', 'init', 'application_controller', 'user', 'logger', 'erl_prim_loader'])];
    const before = new Map(names.flatMap((n) => (a.whereis(n) ? [[n, a.whereis(n)!]] : [])));
    assert.ok(before.has('rex') && before.has('global_name_server'), [...before.keys()].join(', '));
    const raw = await connectB(port);
    const junk: unknown[] = [null, 0, 'stop', { stop: true }, ['$gen_call', [new Pid(0, 5, 0), new Ref(0, 1)], 'stop'], ['$gen_cast', 'stop'], ['system', [new Pid(0, 5, 0), new Ref(0, 2)], 'suspend'], Buffer.alloc(1000, 1), { __proto__: null, kill: 1 }, 'kill'];
    for (const name of names) for (const m of junk) raw.socket.write(control(['reg_send', name, m]));
    await settled(raw, 1);
    for (const [name, pid] of before) assert.equal(a.isAlive(pid), true, `${name} lives`);
    assert.deepEqual(logs.filter((l) => /b@127\.0\.0\.1/.test(l)), [], 'b stays connected without a line');
    assert.equal(a.nodes().includes('b@127.0.0.1'), true);
    assert.equal(await c.ping('a@127.0.0.1'), true);
    raw.socket.destroy();
  });
});

test('a flood of sends from a peer to a registered process that reads slowly meets its maxMailbox: the process is killed past it, and the node keeps reading the peer and serving its other peers', async () => {
  await withPeer(async ({ a, c, port }) => {
    const slow = a.spawn(
      async (ctx) => {
        for (;;) {
          await ctx.receive();
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      { name: 'slow', maxMailbox: { size: 1000, kill: true, errorLogger: true } },
    );
    let reason: unknown;
    a.spawn(async (ctx) => {
      ctx.monitor(slow);
      reason = ((await ctx.receive()) as { reason: unknown }).reason;
    });
    const raw = await connectB(port);
    raw.socket.write(Buffer.concat(Array.from({ length: 5000 }, (_, i) => control(['reg_send', 'slow', { i }]))));
    await waitFor('the slow process to be killed past its maxMailbox', () => reason !== undefined, { ms: 30_000 });
    assert.equal(reason, 'killed');
    await settled(raw, 1);
    assert.equal(a.nodes().includes('b@127.0.0.1'), true, 'the peer stays connected');
    assert.equal(await c.ping('a@127.0.0.1'), true);
    raw.socket.destroy();
  });
});
