import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, Exit, NodeDown, genServer, rpc, isDown, isExit, type BadRpc, type CallError, type Down, Pid } from '@otp-ts/runtime';
import { parseNodeArgs, EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const peerScript = fileURLToPath(new URL('./fixtures/peer-node.ts', import.meta.url));

function startPeer(name: string, cookie: string, epmdPort: number): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, name, cookie, String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve({ child, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

async function withCluster(body: (epmdPort: number) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  try {
    await body(port);
  } finally {
    await epmd.close();
  }
}

test('two OS processes: send by name and by pid across nodes, nodes(), and nodedown when the peer is killed', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('b@127.0.0.1', 'secret', epmdPort);
    const logs: string[] = [];
    const node = createNode();
    await node.startDistribution({ name: 'a@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    try {
      await node.run(async (ctx) => {
        assert.equal(ctx.node.name, 'a@127.0.0.1');
        ctx.send({ name: 'echo', node: 'b@127.0.0.1' }, { from: ctx.self(), msg: 'hi' });
        const reply = (await ctx.receive(null, 5000)) as { echo: string; by: Pid; node: string };
        assert.equal(reply.echo, 'hi');
        assert.equal(reply.node, 'b@127.0.0.1');
        assert.notEqual(reply.by.node, 0, 'a remote pid carries its connection index');
        assert.match(String(reply.by), /^<[1-9]\d*\.\d+\.\d+>$/);
        ctx.send(reply.by, { from: ctx.self(), msg: { nested: [1, 'two', new Map([['k', ctx.self()]])] } });
        const second = (await ctx.receive(null, 5000)) as { echo: { nested: [number, string, Map<string, Pid>] } };
        assert.deepEqual(second.echo.nested.slice(0, 2), [1, 'two']);
        assert.ok(second.echo.nested[2].get('k')!.equals(ctx.self()), 'our own pid comes back as a local pid');
        assert.deepEqual(ctx.node.nodes(), ['b@127.0.0.1']);
        ctx.monitorNode('b@127.0.0.1');
        peer.child.kill('SIGKILL');
        const down = (await ctx.receive((m) => m instanceof NodeDown, 5000)) as NodeDown;
        assert.equal(down.node, 'b@127.0.0.1');
        assert.deepEqual(ctx.node.nodes(), []);
      });
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('a wrong cookie is refused on both sides with one clear line, and nothing else changes', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('c@127.0.0.1', 'other-cookie', epmdPort);
    const logs: string[] = [];
    const node = createNode();
    await node.startDistribution({ name: 'a2@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    try {
      assert.equal(await node.ping('c@127.0.0.1'), false);
      assert.deepEqual(node.nodes(), []);
      assert.ok(logs.some((l) => /wrong cookie/.test(l)), logs.join('\n'));
      await waitFor('the peer to log the wrong cookie', () => /wrong cookie/.test(peer.stderr()));
      assert.match(peer.stderr(), /a2@127\.0\.0\.1.*wrong cookie/);
      assert.equal(node.dist!.connectFailure('c@127.0.0.1')?.reason, 'cookie', 'the failure as data');
      assert.equal(await node.ping('nobody@127.0.0.1'), false);
      assert.deepEqual(node.dist!.connectFailure('nobody@127.0.0.1'), { reason: 'unknown', message: 'distribution: the port mapper on 127.0.0.1 does not know nobody' });
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('links, monitors and exit signals across nodes behave like local ones, and a lost node is noconnection', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('d@127.0.0.1', 'secret', epmdPort);
    const node = createNode({ onCrash: () => {} });
    await node.startDistribution({ name: 'a3@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    const puppet = { name: 'puppet', node: 'd@127.0.0.1' };
    try {
      await node.run(async (ctx) => {
        ctx.trapExit(true);
        const victim = async (): Promise<Pid> => {
          ctx.send(puppet, { cmd: 'spawnVictim', from: ctx.self() });
          return ((await ctx.receive((m) => typeof m === 'object' && m !== null && 'victim' in m, 5000)) as { victim: Pid }).victim;
        };
        // A remote process linked to us dies: we (trapping) get its reason.
        const v1 = await victim();
        ctx.link(v1);
        assert.deepEqual(ctx.processInfo(ctx.self())!.links.map(String), [String(v1)]);
        ctx.send(v1, 'boom');
        const e1 = (await ctx.receive(isExit, 5000)) as Exit;
        assert.ok(e1.from.equals(v1));
        assert.equal(e1.reason, 'boom');
        // A monitor on a remote process gives DOWN with its reason; on a remote name that is not registered, noproc.
        const v2 = await victim();
        const ref = ctx.monitor(v2);
        ctx.send(v2, 'gone');
        const d2 = (await ctx.receive((m) => isDown(m, ref), 5000)) as Down;
        assert.equal(d2.reason, 'gone');
        const ref0 = ctx.monitor({ name: 'nobody', node: 'd@127.0.0.1' });
        assert.equal(((await ctx.receive((m) => isDown(m, ref0), 5000)) as Down).reason, 'noproc');
        // exit/2 to a remote process, kill included.
        const v3 = await victim();
        const ref3 = ctx.monitor(v3);
        ctx.exit(v3, 'kill');
        assert.equal(((await ctx.receive((m) => isDown(m, ref3), 5000)) as Down).reason, 'killed');
        // A remote process links to a local one that dies: the remote side sees the exit.
        const local = ctx.spawn(async (c) => c.exit(await c.receive()));
        ctx.send(puppet, { cmd: 'link', pid: local, from: ctx.self() });
        assert.equal(await ctx.receive((m) => m === 'linked', 5000), 'linked');
        ctx.send(local, 'bye');
        const seen = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'observed' in m, 5000)) as { observed: Exit };
        assert.ok(seen.observed instanceof Exit);
        assert.equal(seen.observed.reason, 'bye');
        assert.ok(seen.observed.from.equals(local));
        // The peer is killed: our link to it becomes noconnection, our monitor DOWN noconnection.
        const v4 = await victim();
        const v5 = await victim();
        ctx.link(v4);
        const ref5 = ctx.monitor(v5);
        peer.child.kill('SIGKILL');
        const lost = (await ctx.receive((m) => isExit(m) && (m as Exit).from.equals(v4), 5000)) as Exit;
        assert.equal(lost.reason, 'noconnection');
        assert.equal(((await ctx.receive((m) => isDown(m, ref5), 5000)) as Down).reason, 'noconnection');
      });
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('a local process exiting with a reason that cannot cross the wire (a function in it, nested too deep) still signals its remote links: they get { unsendable: why }, the node logs one line and carries on', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('u@127.0.0.1', 'secret', epmdPort);
    const logs: string[] = [];
    const node = createNode({ onCrash: () => {} });
    await node.startDistribution({ name: 'a9@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    const puppet = { name: 'puppet', node: 'u@127.0.0.1' };
    let deep: unknown = 'leaf';
    for (let i = 0; i < 70; i++) deep = [deep];
    try {
      await node.run(async (ctx) => {
        for (const [reason, why] of [
          [{ callback: () => 1 }, /^message holds a function at \.callback, which cannot be sent to another node: /],
          [deep, /^message is nested more than 64 levels deep$/],
        ] as const) {
          const local = ctx.spawn(async (c) => {
            await c.receive();
            c.exit(reason);
          });
          ctx.send(puppet, { cmd: 'link', pid: local, from: ctx.self() });
          assert.equal(await ctx.receive((m) => m === 'linked', 5000), 'linked');
          ctx.send(local, 'go');
          const seen = (await ctx.receive((m) => typeof m === 'object' && m !== null && 'observed' in m, 5000)) as { observed: Exit };
          assert.ok(seen.observed instanceof Exit && seen.observed.from.equals(local));
          assert.match((seen.observed.reason as { unsendable: string }).unsendable, why);
          assert.ok(logs.some((l) => l.startsWith(`distribution: the exit reason of ${String(local)} cannot be sent to other nodes: `)), logs.join('\n'));
        }
        assert.deepEqual(ctx.node.nodes(), ['u@127.0.0.1'], 'the connection stayed up');
      });
    } finally {
      peer.child.kill('SIGKILL');
      await node.shutdown();
    }
  });
});

test('a gen_server whose reply to a caller on another node cannot cross (a function in it) keeps serving: the reply is dropped with a line, as a send never fails in OTP, and the call times out', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('f@127.0.0.1', 'secret', epmdPort);
    const node = createNode({ onCrash: () => {} });
    await node.startDistribution({ name: 'a10@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    try {
      await node.run(async (ctx) => {
        const counter = { name: 'counter', node: 'f@127.0.0.1' };
        assert.equal(await genServer.call(ctx, counter, 'inc'), 1);
        await assert.rejects(genServer.call(ctx, counter, 'fn', 1000), (e: CallError) => e.failure === 'timeout');
        assert.equal(await genServer.call(ctx, counter, 'inc'), 2, 'the same server answers the next call');
      });
      assert.match(peer.stderr(), /distribution: a reply to <[\d.]+> cannot be sent to its node and was dropped: message holds a function at .*, which cannot be sent to another node: /);
    } finally {
      peer.child.kill('SIGKILL');
      await node.shutdown();
    }
  });
});

test('gen_server calls and rpc across nodes: replies, errors, a late reply dropped, and a down node', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('e@127.0.0.1', 'secret', epmdPort);
    const node = createNode({ onCrash: () => {} });
    await node.startDistribution({ name: 'a4@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    try {
      await node.run(async (ctx) => {
        const counter = { name: 'counter', node: 'e@127.0.0.1' };
        assert.equal(await genServer.call(ctx, counter, 'inc'), 1);
        assert.equal(await genServer.call(ctx, counter, 'inc'), 2);
        assert.equal(await rpc.call(ctx, 'e@127.0.0.1', 'math', 'add', [2, 3]), 5);
        assert.equal(await rpc.call(ctx, 'e@127.0.0.1', 'otp', 'name'), 'e@127.0.0.1');
        // Functions marked as taking ctx first run with the rpc worker's context (a gen_server client API).
        const ran = (await rpc.call(ctx, 'e@127.0.0.1', 'withctx', 'whoRuns', ['t'])) as { tag: string; pid: Pid };
        assert.ok(ran.tag === 't' && ran.pid instanceof Pid && ran.pid.node !== 0, 'a process of the other node');
        const before = (await rpc.call(ctx, 'e@127.0.0.1', 'withctx', 'bump')) as number;
        assert.equal(await rpc.call(ctx, 'e@127.0.0.1', 'withctx', 'bump'), before + 1);
        await assert.rejects(rpc.call(ctx, 'e@127.0.0.1', 'math', 'fail'), (e: BadRpc) => e.reason === 'nope');
        await assert.rejects(rpc.call(ctx, 'e@127.0.0.1', 'nomod', 'f'), /no module named nomod on e@127\.0\.0\.1/);
        await assert.rejects(rpc.call(ctx, 'e@127.0.0.1', 'math', 'slow', [], 50), (e: BadRpc) => e.reason === 'timeout');
        // A second slow call ends after the first (same 500 ms timer, set later) and its reply comes over the same
        // connection after the first's: once it is here, the late reply has arrived too, and been dropped.
        assert.equal(await rpc.call(ctx, 'e@127.0.0.1', 'math', 'slow', [], 30_000), 'late');
        assert.equal(ctx.processInfo(ctx.self())!.messageQueueLen, 0, 'the late reply never reached the mailbox');
        await assert.rejects(genServer.call(ctx, { name: 'nobody', node: 'e@127.0.0.1' }, 'x'), (e: CallError) => e.failure === 'noproc');
        const { results, badNodes } = await rpc.multicall(ctx, ['e@127.0.0.1', 'gone@127.0.0.1'], 'math', 'add', [1, 1], 2000);
        assert.deepEqual([results, badNodes], [[2], ['gone@127.0.0.1']]);
        peer.child.kill('SIGKILL');
        await assert.rejects(genServer.call(ctx, counter, 'inc', 3000), (e: CallError) => e.failure === 'nodedown' || e.failure === 'noproc');
      });
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('a peer that stops answering (SIGSTOP) is declared down within the tick time', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('f@127.0.0.1', 'secret', epmdPort);
    const node = createNode();
    await node.startDistribution({ name: 'a5@127.0.0.1', cookie: 'secret', epmdPort, tickTime: 600, log: () => {} });
    try {
      await node.run(async (ctx) => {
        assert.equal(await ctx.node.ping('f@127.0.0.1'), true);
        ctx.monitorNode('f@127.0.0.1');
        peer.child.kill('SIGSTOP');
        // A stopped peer keeps its socket open: only the ticks can declare it down, which the reason says.
        // The deadline is generous (a loaded machine delays timers); how soon it comes is the tick time's business.
        const down = (await ctx.receive((m) => m instanceof NodeDown, 30_000)) as NodeDown;
        assert.ok(down instanceof NodeDown, 'nodedown arrived');
        assert.equal(down.reason, 'net_tick_timeout');
        assert.match(down.detail, /no sign of life from f@127\.0\.0\.1/);
      });
    } finally {
      peer.child.kill('SIGCONT');
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('garbage on the distribution port closes that connection only: the node keeps its other connections', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('g@127.0.0.1', 'secret', epmdPort);
    const logs: string[] = [];
    const node = createNode();
    await node.startDistribution({ name: 'a6@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    try {
      assert.equal(await node.ping('g@127.0.0.1'), true);
      const { portMapperLookup: lookup } = await import('@otp-ts/runtime/tools');
      const { connect } = await import('node:net');
      const fc = (await import('fast-check')).default;
      const me = await lookup('a6', '127.0.0.1', epmdPort);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
          await new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port: me!.port }, () => s.write(Buffer.from(bytes)));
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            s.resume();
            setTimeout(() => s.destroy(), 100);
          });
        }),
        { numRuns: 40 },
      );
      assert.deepEqual(node.nodes(), ['g@127.0.0.1'], 'the good connection survived');
      await node.run(async (ctx) => {
        ctx.send({ name: 'echo', node: 'g@127.0.0.1' }, { from: ctx.self(), msg: 'still here' });
        assert.equal(((await ctx.receive(null, 5000)) as { echo: string }).echo, 'still here');
      });
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('a message longer on the wire than the frame limit is refused by its send, with a sentence naming the limit: the connection stays up and the next message arrives', async () => {
  await withCluster(async (epmdPort) => {
    const limit = 1024 * 1024;
    const logs: string[] = [];
    const [a, b] = [createNode(), createNode()];
    await a.startDistribution({ name: 'big-a@127.0.0.1', cookie: 'secret', epmdPort, maxFrameBytes: limit, log: (l) => logs.push(l) });
    await b.startDistribution({ name: 'big-b@127.0.0.1', cookie: 'secret', epmdPort, maxFrameBytes: limit, log: (l) => logs.push(l) });
    const got: unknown[] = [];
    b.spawn(
      async (ctx) => {
        for (;;) got.push(await ctx.receive());
      },
      { name: 'inbox' },
    );
    try {
      await a.run(async (ctx) => {
        const inbox = { name: 'inbox', node: 'big-b@127.0.0.1' };
        ctx.send(inbox, 'first');
        await waitFor('the first message', () => got.length === 1);
        assert.throws(() => ctx.send(inbox, Buffer.alloc(limit + limit / 2)), /^Error: message is \d+ bytes on the wire, over the 1048576-byte frame limit \(maxFrameBytes\): send it in parts$/);
        ctx.send(inbox, 'after');
        await waitFor('the message after the refused one', () => got.length === 2);
        // Frames arrive in order: had the long one left, its receiver would have closed the connection before this one.
        assert.deepEqual(got, ['first', 'after']);
        assert.deepEqual(a.nodes(), ['big-b@127.0.0.1']);
      });
      assert.deepEqual(logs, []);
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });
});

test('a hidden node (a tool) connects without joining the mesh: nodes() leaves it out', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const peer = await startPeer('h@127.0.0.1', 'secret', epmdPort);
    const tool = createNode();
    await tool.startDistribution({ name: 'tool@127.0.0.1', cookie: 'secret', epmdPort, hidden: true, log: () => {} });
    const visible = createNode();
    await visible.startDistribution({ name: 'v@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    try {
      assert.equal(await tool.ping('h@127.0.0.1'), true);
      assert.equal(await visible.ping('h@127.0.0.1'), true);
      const seenByPeer = await tool.run((ctx) => rpc.call(ctx, 'h@127.0.0.1', 'otp', 'nodes'));
      assert.deepEqual(seenByPeer, ['v@127.0.0.1'], 'the peer lists the visible node only');
      assert.deepEqual(tool.nodes('connected'), ['h@127.0.0.1']);
      assert.deepEqual(visible.nodes(), ['h@127.0.0.1']);
    } finally {
      peer.child.kill('SIGKILL');
      tool.shutdown();
      visible.shutdown();
    }
  });
});

test('a node that restarted on another port is reached there with no stray log line; a wrong cookie after a restart is still one line each side', { timeout: 300_000 }, async () => {
  await withCluster(async (epmdPort) => {
    const logs: string[] = [];
    const node = createNode();
    await node.startDistribution({ name: 'r0@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    const gone = async (peer: { child: ChildProcess }) => {
      peer.child.kill('SIGKILL');
      await waitFor('the killed peer to leave nodes()', () => node.nodes().length === 0);
      assert.deepEqual(node.nodes(), []);
    };
    let peer = await startPeer('r@127.0.0.1', 'secret', epmdPort);
    try {
      assert.equal(await node.ping('r@127.0.0.1'), true);
      await gone(peer);
      // The node comes back on a new port: the last known port is tried alongside the port mapper's answer.
      peer = await startPeer('r@127.0.0.1', 'secret', epmdPort);
      assert.equal(await node.ping('r@127.0.0.1'), true);
      assert.deepEqual(logs, [], 'the attempt on the old port leaves no line');
      await gone(peer);
      assert.equal(await node.ping('r@127.0.0.1'), false, 'a node that is gone is not reached');
      peer = await startPeer('r@127.0.0.1', 'other-cookie', epmdPort);
      assert.equal(await node.ping('r@127.0.0.1'), false);
      assert.equal(logs.filter((l) => /wrong cookie/.test(l)).length, 1, logs.join('\n'));
      await waitFor('the peer to log the wrong cookie', () => /wrong cookie/.test(peer.stderr()));
      assert.equal(peer.stderr().match(/wrong cookie/g)?.length, 1, peer.stderr());
    } finally {
      peer.child.kill('SIGKILL');
      node.shutdown();
    }
  });
});

test('busy waiting ends by itself: an idle node spends no CPU after distribution traffic', async () => {
  await withCluster(async (epmdPort) => {
    const a = createNode();
    const b = createNode();
    await a.startDistribution({ name: 'idle_a@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'idle_b@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
    try {
      assert.equal(await a.ping('idle_b@127.0.0.1'), true);
      const echo = b.spawn(async (c) => {
        const m = (await c.receive()) as Pid;
        c.send(m, 'pong');
      });
      b.register('idle_echo', echo);
      assert.equal(
        await a.run(async (ctx) => {
          ctx.send({ name: 'idle_echo', node: 'idle_b@127.0.0.1' }, ctx.self());
          return ctx.receive();
        }),
        'pong',
      );
      // Polling is one setImmediate per turn of the event loop: count them. Once the window has run out, timer
      // turns pass with none scheduled; a loop that kept polling would schedule one every turn until the deadline.
      // (The CPU an idle node spends is measured by bench/dist/idle-cpu.mjs, not asserted here.)
      const realSetImmediate = globalThis.setImmediate;
      let scheduled = 0;
      globalThis.setImmediate = ((...args: Parameters<typeof setImmediate>) => (scheduled++, realSetImmediate(...args))) as typeof setImmediate;
      try {
        let quietTurns = 0;
        await waitFor('the event loop stops polling after the traffic', () => {
          quietTurns = scheduled === 0 ? quietTurns + 1 : 0;
          scheduled = 0;
          return quietTurns >= 5;
        });
      } finally {
        globalThis.setImmediate = realSetImmediate;
      }
    } finally {
      a.shutdown();
      b.shutdown();
    }
  });
});

test('node.args: --busy-wait sets the window in microseconds; anything but a number is one clear error', () => {
  assert.equal(parseNodeArgs('--name a@127.0.0.1 --busy-wait 0', {}, 'node.args').busyWaitUs, 0);
  assert.equal(parseNodeArgs('--busy-wait=500', {}, 'node.args').busyWaitUs, 500);
  assert.equal(parseNodeArgs('--name a@127.0.0.1', {}, 'node.args').busyWaitUs, undefined);
  assert.throws(() => parseNodeArgs('--busy-wait lots', {}, 'node.args'), /node\.args:1: --busy-wait lots is not a number of microseconds: use e\.g\. --busy-wait 200/);
});

test('the handshake agrees on a version both nodes speak and exchanges capabilities; a version range that does not meet is refused with one line', async () => {
  await withCluster(async (epmdPort) => {
    const logs: string[] = [];
    const node = createNode();
    await node.startDistribution({ name: 'hs@127.0.0.1', cookie: 'secret', epmdPort, log: (l) => logs.push(l) });
    const tool = createNode();
    await tool.startDistribution({ name: 'hstool@127.0.0.1', cookie: 'secret', epmdPort, hidden: true, log: () => {} });
    const { portMapperLookup: lookup } = await import('@otp-ts/runtime/tools');
    const { connect } = await import('node:net');
    const port = (await lookup('hs', '127.0.0.1', epmdPort))!.port;
    // Sends a hello as a future or past node would, then a proof without the cookie; every frame the node sends until it closes.
    const hello = (fields: Record<string, unknown>) =>
      new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const frame = (o: object): Buffer => {
          const body = Buffer.from(JSON.stringify(o));
          const head = Buffer.alloc(4);
          head.writeUInt32BE(body.length);
          return Buffer.concat([head, body]);
        };
        const s = connect({ host: '127.0.0.1', port }, () => s.write(Buffer.concat([frame({ t: 'hello', name: 'future@127.0.0.1', hidden: true, challenge: 'ab'.repeat(32), ...fields }), frame({ t: 'proof', digest: '0'.repeat(64) })])));
        let got = Buffer.alloc(0);
        const frames: Record<string, unknown>[] = [];
        s.on('data', (c: Buffer) => {
          got = Buffer.concat([got, c]);
          while (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) {
            frames.push(JSON.parse(got.subarray(4, 4 + got.readUInt32BE(0)).toString()) as Record<string, unknown>);
            got = got.subarray(4 + got.readUInt32BE(0));
          }
        });
        s.on('close', () => resolve(frames));
        s.on('error', reject);
      });
    try {
      // The listener's first frame is its challenge, with the versions it speaks, whatever it makes of the hello.
      const [challenge, refusal] = await hello({ v: 5, vmin: 2, flags: ['rpc', 'teleport'] });
      assert.equal(challenge!.t, 'challenge');
      assert.deepEqual([challenge!.vmin, challenge!.v], [3, 4], 'the versions it speaks');
      assert.equal(challenge!.digest, undefined, 'nothing derived from the cookie before the dialler proved it');
      assert.deepEqual([...(challenge!.flags as string[])].sort(), ['global', 'pg', 'rpc', 'trace']);
      assert.deepEqual(refusal, { t: 'refused', reason: 'cookie' }, 'version 4 agreed: the proof is what fails');
      assert.deepEqual((await hello({ v: 2 })).slice(1), [{ t: 'refused', reason: 'version' }]);
      assert.deepEqual((await hello({ v: 9, vmin: 7 })).slice(1), [{ t: 'refused', reason: 'version' }]);
      const lines = logs.filter((l) => /protocol/.test(l)).map((l) => l.replace(/\(127\.0\.0\.1:\d+\)/, '(ADDRESS)'));
      assert.deepEqual(lines, [
        'distribution: refused a peer claiming to be future@127.0.0.1 (ADDRESS): it speaks protocol 2, this node 3–4; run runtimes whose versions overlap',
        'distribution: refused a peer claiming to be future@127.0.0.1 (ADDRESS): it speaks protocol 7–9, this node 3–4; run runtimes whose versions overlap',
      ]);
      // The other way: a listener whose versions this node does not speak is refused by the dialler.
      const { createServer } = await import('node:net');
      const { portMapperRegister: register } = await import('@otp-ts/runtime/tools');
      const future = createServer((socket) => {
        socket.once('data', () => {
          const body = Buffer.from(JSON.stringify({ t: 'challenge', v: 9, vmin: 9, name: 'future2@127.0.0.1', challenge: 'cd'.repeat(32) }));
          const head = Buffer.alloc(4);
          head.writeUInt32BE(body.length);
          socket.write(Buffer.concat([head, body]));
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((r) => future.listen(0, '127.0.0.1', () => r()));
      const registration = await register({ name: 'future2', port: (future.address() as { port: number }).port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', epmdPort);
      try {
        assert.equal(await node.ping('future2@127.0.0.1'), false);
        const failure = node.dist!.connectFailure('future2@127.0.0.1');
        assert.equal(failure?.reason, 'version');
        assert.match(failure?.message ?? '', /^distribution: future2@127\.0\.0\.1 \(127\.0\.0\.1:\d+\) speaks protocol 9, this node 3–4; run runtimes whose versions overlap$/);
      } finally {
        registration.close();
        future.close();
      }
      // A hidden tool runs no global: it does not offer it, and the visible node's global leaves it out.
      assert.equal(await tool.ping('hs@127.0.0.1'), true);
      // The listener is up once it has checked the tool's proof, before the tool.
      await waitFor('the tool to be among the hidden nodes', () => node.nodes('hidden').includes('hstool@127.0.0.1'));
      assert.equal(node.dist!.offers('hstool@127.0.0.1', 'global'), false);
      assert.equal(node.dist!.offers('hstool@127.0.0.1', 'rpc'), true);
      assert.equal(tool.dist!.offers('hs@127.0.0.1', 'global'), true);
    } finally {
      node.shutdown();
      tool.shutdown();
    }
  });
});

test('no port mapper answering is told apart from a port mapper that does not know the node', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode();
  await node.startDistribution({ name: 'pm@127.0.0.1', cookie: 'secret', epmdPort, log: () => {} });
  try {
    assert.equal(await node.ping('nobody@127.0.0.1'), false);
    assert.equal(node.dist!.connectFailure('nobody@127.0.0.1')?.reason, 'unknown');
    await epmd.close();
    assert.equal(await node.ping('nobody@127.0.0.1'), false);
    const failure = node.dist!.connectFailure('nobody@127.0.0.1');
    assert.equal(failure?.reason, 'unreachable');
    assert.match(failure!.message, new RegExp(`^distribution: no port mapper answers on 127\\.0\\.0\\.1:${epmdPort} \\(.*ECONNREFUSED`));
  } finally {
    node.shutdown();
  }
});

// Whether this host has an IPv6 loopback to test on.
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  void import('node:net').then(({ createServer }) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
});

test('nodes named name@::1 find each other through the port mapper on the IPv6 loopback', { skip: hasIpv6Loopback ? false : 'this host has no IPv6 loopback' }, async () => {
  await withCluster(async (epmdPort) => {
    const a = createNode();
    const b = createNode();
    await a.startDistribution({ name: 'v6a@::1', cookie: 'secret', epmdPort, log: () => {} });
    await b.startDistribution({ name: 'v6b@::1', cookie: 'secret', epmdPort, log: () => {} });
    try {
      const echo = b.spawn(async (c) => {
        const m = (await c.receive()) as Pid;
        c.send(m, 'over ::1');
      });
      b.register('v6echo', echo);
      const answer = await a.run(async (ctx) => {
        ctx.send({ name: 'v6echo', node: 'v6b@::1' }, ctx.self());
        return ctx.receive(null, 5000);
      });
      assert.equal(answer, 'over ::1', JSON.stringify(a.dist!.connectFailure('v6b@::1')));
    } finally {
      a.shutdown();
      b.shutdown();
    }
  });
});
