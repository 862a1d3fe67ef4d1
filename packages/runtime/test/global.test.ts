import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNode, global, loggerOf, sys, RuntimeError, genServer, genStatem, supervisor, ok, reply, noreply, rpc, isDown, GlobalNameConflict, StartError, CallError, type OtpNode, type Pid, type ProcessContext, type ConflictResolver, type Down } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

const peerScript = fileURLToPath(new URL('./fixtures/global-peer.ts', import.meta.url));

async function cluster(names: string[], body: (nodes: OtpNode[], logs: string[], epmdPort: number) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const nodes: OtpNode[] = [];
  try {
    for (const n of names) {
      const node = createNode({ onCrash: () => {} });
      await node.startDistribution({ name: `${n}@127.0.0.1`, cookie: 'g', epmdPort, tickTime: 2000, log: (l) => logs.push(l) });
      nodes.push(node);
    }
    for (const a of nodes) for (const b of nodes) if (a !== b) assert.equal(await a.ping(b.name), true);
    await body(nodes, logs, epmdPort);
  } finally {
    for (const n of nodes) n.shutdown();
    await epmd.close();
  }
}

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

// A pid as every node names it: its node's name, id and serial.
const idOf = (node: OtpNode, pid: Pid | undefined): string | undefined => (pid === undefined ? undefined : `${pid.node === 0 ? node.name : node.dist!.nameOf(pid.node)}/${pid.id}`);
const where = (node: OtpNode, name: string): Promise<string | undefined> => node.run((ctx) => idOf(node, global.whereis(ctx, name)));

const counter = { init: () => ok(0), handleCall: (_req: 'inc', _from: unknown, n: number) => reply(n + 1, n + 1) };
const isExitFrom = (m: unknown, pid: Pid): boolean => typeof m === 'object' && m !== null && (m as { type?: string; from?: Pid }).type === 'EXIT' && (m as { from?: Pid }).from === pid;
const idle = (ctx: ProcessContext): Promise<unknown> => ctx.receive();

test('a global name is seen by every connected node, reached by call and send, and taken once', async () => {
  await cluster(['ga', 'gb', 'gc'], async ([a, b, c]) => {
    const server = await b!.run((ctx) => genServer.start(ctx, counter, undefined));
    assert.equal(await b!.run((ctx) => global.register(ctx, 'counter', server)), true);
    for (const n of [a!, b!, c!]) await until(`${n.name} knows counter`, async () => (await where(n, 'counter')) === `${b!.name}/${server.id}`);
    await c!.run(async (ctx) => {
      assert.equal(await genServer.call(ctx, global.ref<'inc', never, number>(ctx, 'counter'), 'inc'), 1);
      assert.equal(await genServer.call(ctx, global.ref<'inc', never, number>(ctx, 'counter'), 'inc'), 2);
      assert.deepEqual(global.registeredNames(ctx), ['counter']);
      const echo = ctx.spawn(async (e) => {
        const m = (await e.receive()) as { from: Pid };
        e.send(m.from, 'echoed');
      });
      assert.equal(await global.register(ctx, 'counter', echo), false, 'a taken name is refused');
      assert.throws(() => global.send(ctx, 'nobody', 'x'), /cannot send to the global name 'nobody': no process is registered under it/);
    });
    await a!.run(async (ctx) => {
      const to = global.send(ctx, 'counter', 'stray');
      assert.equal(idOf(a!, to), `${b!.name}/${server.id}`);
      await assert.rejects(genServer.start(ctx, counter, undefined, { name: { via: global.registry(ctx.node), name: 'other' } }), /start it, then call global.register/);
    });
  });
});

test('a server started under { global: name } is called and cast to by that name from any node; a second start is alreadyStarted', async () => {
  await cluster(['gs', 'gt'], async ([a, b]) => {
    const counted = { init: () => ok(0), handleCall: (_req: 'get', _from: unknown, n: number) => reply(n, n), handleCast: (_req: 'inc', n: number) => noreply(n + 1) };
    const server = await a!.run((ctx) => genServer.start(ctx, counted, undefined, { name: { global: 'svc' } }));
    assert.equal(await where(a!, 'svc'), `${a!.name}/${server.id}`, 'the name is taken when start returns');
    await until(`${b!.name} knows svc`, async () => (await where(b!, 'svc')) === `${a!.name}/${server.id}`);
    await b!.run(async (ctx) => {
      genServer.cast(ctx, { global: 'svc' }, 'inc');
      assert.equal(await genServer.call(ctx, { global: 'svc' }, 'get'), 1);
      const again = await genServer.start(ctx, counted, undefined, { name: { global: 'svc' } }).catch((e: unknown) => e);
      assert.ok(again instanceof StartError && again.reason === 'alreadyStarted', String(again));
      assert.equal(idOf(b!, (again as StartError).pid as Pid), `${a!.name}/${server.id}`, 'alreadyStarted names the holder');
      const none = await genServer.call(ctx, { global: 'nobody' }, 'get').catch((e: unknown) => e);
      assert.ok(none instanceof CallError && none.failure === 'noproc', String(none));
    });
    const sup = await b!.run((ctx) => supervisor.start(ctx, { init: () => ({ children: [] }) }, undefined, { name: { global: 'sup' } }));
    const machine = await b!.run((ctx) => genStatem.start(ctx, { callbackMode: 'handleEvent', init: () => genStatem.ok('s', 0), handleEvent: () => genStatem.keepStateAndData([]) } as never, undefined, { name: { global: 'machine' } }));
    for (const [name, pid] of [['sup', sup], ['machine', machine]] as const) {
      await until(`${a!.name} knows ${name}`, async () => (await where(a!, name)) === `${b!.name}/${pid.id}`);
    }
    await a!.run(async (ctx) => assert.deepEqual(await supervisor.countChildren(ctx, { global: 'sup' }), { specs: 0, active: 0, supervisors: 0, workers: 0 }));
    await a!.run((ctx) => genServer.stop(ctx, { global: 'svc' }));
    for (const n of [a!, b!]) await until(`${n.name} forgets svc`, async () => (await where(n, 'svc')) === undefined);
  });
});

test('a start under a global name whose init fails leaves the name free when it returns', async () => {
  await cluster(['gu', 'gv'], async ([a]) => {
    await a!.run(async (ctx) => {
      const failing = { init: () => { throw new Error('no'); }, handleCall: () => reply(0, 0) };
      await assert.rejects(genServer.start(ctx, failing, undefined, { name: { global: 'flaky' } }), StartError);
      assert.equal(global.whereis(ctx, 'flaky'), undefined);
      const ok2 = await genServer.start(ctx, counter, undefined, { name: { global: 'flaky' } });
      assert.equal(global.whereis(ctx, 'flaky'), ok2, 'the name can be taken again at once');
      await genServer.stop(ctx, ok2);
    });
  });
});

test('gen_server_SUITE otp_5854: enterLoop with { global: name } runs only in the process holding it, else exits process_not_registered_globally', async () => {
  await cluster(['gw'], async ([a]) => {
    await a!.run(async (ctx) => {
      ctx.trapExit(true);
      assert.equal(await global.register(ctx, 'armitage', ctx.self()), true);
      const impostor = ctx.spawnLink((c) => genServer.enterLoop(c, counter, 0, { name: { global: 'armitage' } }));
      const exit = await ctx.receive((m): m is { reason: unknown } => isExitFrom(m, impostor), 10_000);
      assert.equal((exit as { reason: unknown }).reason, 'process_not_registered_globally');
      const holder = ctx.spawnLink(async (c) => {
        assert.equal(await global.register(c, 'case_holder', c.self()), true);
        await genServer.enterLoop(c, counter, 0, { name: { global: 'case_holder' } });
      });
      await until('case_holder is registered', () => global.whereis(ctx, 'case_holder') === holder);
      assert.equal(await genServer.call(ctx, { global: 'case_holder' }, 'inc'), 1);
      await genServer.stop(ctx, { global: 'case_holder' });
      await global.unregister(ctx, 'armitage');
    });
  });
});

test('a global name on a node without distribution: a call to a name nobody holds is noproc', async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await node.run(async (ctx) => {
      const none = await genServer.call(ctx, { global: 'solo' }, 'inc').catch((e: unknown) => e);
      assert.ok(none instanceof CallError && none.failure === 'noproc', String(none));
    });
  } finally {
    node.shutdown();
  }
});

test('two nodes registering the same name at once: exactly one wins, everywhere', async () => {
  await cluster(['ra', 'rb', 'rc'], async (nodes) => {
    for (let round = 0; round < 5; round++) {
      const name = `race${round}`;
      const results = await Promise.all(nodes.map((n) => n.run(async (ctx) => global.register(ctx, name, ctx.node.spawn(idle)))));
      assert.equal(results.filter(Boolean).length, 1, `one registration of ${name} won: ${results}`);
      const winner = nodes[results.indexOf(true)]!;
      for (const n of nodes) await until(`${n.name} agrees on ${name}`, async () => (await where(n, name))?.startsWith(winner.name) === true);
    }
  });
});

test("a registered process's exit, an unregister and its node going down remove the name everywhere", async () => {
  await cluster(['xa', 'xb', 'xc'], async ([a, b, c]) => {
    const p = b!.spawn(idle);
    const q = b!.spawn(idle);
    const r = c!.spawn(idle);
    await b!.run(async (ctx) => {
      assert.equal(await global.register(ctx, 'p', p), true);
      assert.equal(await global.register(ctx, 'q', q), true);
    });
    await c!.run(async (ctx) => assert.equal(await global.register(ctx, 'r', r), true));
    await until('a knows p, q and r', async () => (await a!.run((ctx) => global.registeredNames(ctx))).join() === 'p,q,r');
    b!.exit(p, 'kill');
    for (const n of [a!, b!, c!]) await until(`${n.name} forgot p`, async () => (await where(n, 'p')) === undefined);
    await a!.run((ctx) => global.unregister(ctx, 'r'));
    for (const n of [a!, b!, c!]) assert.equal(await where(n, 'r'), undefined);
    b!.shutdown();
    for (const n of [a!, c!]) await until(`${n.name} forgot q when its node went down`, async () => (await where(n, 'q')) === undefined);
  });
});

test('global_SUITE: a process holds one global name (register of a second is false, logged); a name that is no string or a pid that is no pid is badarg at once, locking nothing', async () => {
  await cluster(['da', 'db'], async ([a, b]) => {
    const events: unknown[] = [];
    loggerOf(a!).addHandler({ id: 'dup', log: (e) => events.push(e.message) });
    const p = a!.spawn(idle);
    await a!.run(async (ctx) => {
      assert.equal(await global.register(ctx, 'first', p), true);
      assert.equal(await global.register(ctx, 'first', p), false, 'the same name again: taken');
      assert.equal(await global.register(ctx, 'second', p), false, 'a second name for the same process');
      assert.deepEqual(global.registeredNames(ctx), ['first']);
      assert.ok(events.some((m) => String(m).includes("registered under several names: 'second', 'first'")), `the refusal is logged: ${events.map(String).join(' | ')}`);
      await assert.rejects(global.register(ctx, 42 as unknown as string, p), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /takes a name that is a non-empty string, got 42/.test(e.message));
      await assert.rejects(global.register(ctx, 'x', 'me' as unknown as Pid), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /takes a pid to register under 'x', got 'me'/.test(e.message));
      await assert.rejects(global.unregister(ctx, undefined as unknown as string), /takes a name that is a non-empty string/);
      // Nothing was left locked: the names refused above are free for another process.
      const q = ctx.spawn(idle);
      assert.equal(await global.register(ctx, 'x', q), true);
    });
    await until('b agrees', async () => (await b!.run((ctx) => global.registeredNames(ctx))).join() === 'first,x');
    a!.exit(p, 'kill');
    await until('the name is free once its process exited', async () => (await where(a!, 'first')) === undefined);
    await b!.run(async (ctx) => assert.equal(await global.register(ctx, 'second', ctx.spawn(idle)), true, 'a name refused before is free to another process'));
  });
});

// Partitions a from b, registers `name` on both sides, heals, and reports what each side sees.
async function conflict(a: OtpNode, b: OtpNode, resolve: ConflictResolver, heal = true): Promise<{ pa: Pid; pb: Pid; seen: Map<string, unknown[]> }> {
  const seen = new Map<string, unknown[]>();
  const watcher = (tag: string) => async (ctx: ProcessContext) => {
    ctx.trapExit(false);
    for (;;) {
      const m = await ctx.receive();
      seen.set(tag, [...(seen.get(tag) ?? []), m]);
    }
  };
  a.dist!.disconnect(b.name);
  await until('the partition is seen on both sides', () => a.nodes().length === 0 && b.nodes().length === 0);
  const pa = a.spawn(watcher('a'));
  const pb = b.spawn(watcher('b'));
  assert.equal(await a.run((ctx) => global.register(ctx, 'leader', pa, { resolve })), true);
  assert.equal(await b.run((ctx) => global.register(ctx, 'leader', pb, { resolve })), true);
  if (heal) assert.equal(await a.ping(b.name), true);
  return { pa, pb, seen };
}

test('partitions that registered the same name heal: randomExit keeps one and exits the other, logged', async () => {
  await cluster(['ha', 'hb'], async ([a, b], logs) => {
    const { pa, pb } = await conflict(a!, b!, 'randomExit', false);
    // Each side watches its own contender (pids are node-local values in a test holding both nodes).
    const down = (n: OtpNode, pid: Pid): Promise<{ reason: unknown } | 'alive'> =>
      n.run(async (ctx) => {
        const ref = ctx.monitor(pid);
        const d = await ctx.receive((m) => isDown(m, ref), 1500);
        return isDown(d, ref) ? { reason: (d as Down).reason } : 'alive';
      });
    const watching = [down(a!, pa), down(b!, pb)];
    assert.equal(await a!.ping(b!.name), true);
    const [da, db] = await Promise.all(watching);
    assert.equal([da, db].filter((d) => d === 'alive').length, 1, 'one of them lives');
    const downs = { ref: da === 'alive' ? 'b' : 'a', reason: (da === 'alive' ? db : da) as { reason: unknown } };
    assert.equal(downs.reason.reason, 'global_name_conflict');
    const survivor = downs.ref === 'a' ? idOf(b!, pb) : idOf(a!, pa);
    for (const n of [a!, b!]) await until(`${n.name} agrees on the survivor`, async () => (await where(n, 'leader')) === survivor);
    assert.ok(logs.some((l) => /global: name conflict on 'leader' after .* connected: kept .*, exited .* \(randomExit\)/.test(l)), logs.join('\n'));
  });
});

test('notifyAll unregisters both and tells each about the other; randomNotify keeps one and tells the other', async () => {
  await cluster(['na', 'nb'], async ([a, b]) => {
    const { pa, pb, seen } = await conflict(a!, b!, 'notifyAll');
    await until('both were notified', () => seen.has('a') && seen.has('b'));
    const [ma, mb] = [seen.get('a')![0] as GlobalNameConflict, seen.get('b')![0] as GlobalNameConflict];
    assert.ok(ma instanceof GlobalNameConflict && mb instanceof GlobalNameConflict);
    assert.equal(ma.name, 'leader');
    assert.equal(idOf(a!, ma.other), idOf(b!, pb));
    assert.equal(idOf(b!, mb.other), idOf(a!, pa));
    for (const n of [a!, b!]) await until(`${n.name} unregistered leader`, async () => (await where(n, 'leader')) === undefined);
    assert.ok(a!.isAlive(pa) && b!.isAlive(pb), 'nobody was exited');
  });
  await cluster(['ma', 'mb'], async ([a, b]) => {
    const { pa, pb, seen } = await conflict(a!, b!, 'randomNotify');
    await until('the loser was notified', () => seen.size === 1);
    const loser = seen.has('a') ? 'a' : 'b';
    const survivor = loser === 'a' ? idOf(b!, pb) : idOf(a!, pa);
    assert.equal(idOf(loser === 'a' ? a! : b!, (seen.get(loser)![0] as GlobalNameConflict).other), survivor);
    for (const n of [a!, b!]) await until(`${n.name} agrees on the survivor`, async () => (await where(n, 'leader')) === survivor);
  });
});

function startPeer(name: string, epmdPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, name, 'g', String(epmdPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

test('real OS processes: a partition heals with a conflict resolved the same on both nodes, and kill -9 removes the names', { timeout: 300_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const peer = await startPeer('osb@127.0.0.1', epmdPort);
  const a = createNode({ onCrash: () => {} });
  const logs: string[] = [];
  await a.startDistribution({ name: 'osa@127.0.0.1', cookie: 'g', epmdPort, tickTime: 2000, log: (l) => logs.push(l) });
  const b = 'osb@127.0.0.1';
  try {
    await a.run(async (ctx) => {
      const theirs = (await rpc.call(ctx, b, 'g', 'register', ['svc', 'randomExit'])) as Pid;
      await until('a sees svc', () => global.whereis(ctx, 'svc')?.equals(theirs) === true);
      ctx.send(global.whereis(ctx, 'svc')!, { from: ctx.self(), q: 'who' });
      assert.deepEqual(await ctx.receive(null, 5000), { node: b, q: 'who' });
      ctx.node.dist!.disconnect(b);
      await until('a forgot svc when the connection was lost', () => global.whereis(ctx, 'svc') === undefined);
      const mine = ctx.spawn(idle);
      assert.equal(await global.register(ctx, 'svc', mine), true);
      // Healing: b is reached again (rpc connects), both replicas sync and the conflict is resolved once.
      await until('a and b agree on svc', async () => {
        const there = (await rpc.call(ctx, b, 'g', 'whereis', ['svc'])) as Pid | null;
        const here = global.whereis(ctx, 'svc');
        return there !== null && here !== undefined && there.equals(here);
      });
      const kept = global.whereis(ctx, 'svc')!;
      if (kept.equals(mine)) assert.equal(await rpc.call(ctx, b, 'g', 'alive', ['svc']), false, 'theirs was exited');
      else assert.equal(ctx.isAlive(mine), false, 'mine was exited');
      assert.ok(logs.length === 0 || logs.every((l) => !/error/i.test(l)), logs.join('\n'));
      assert.notEqual(await rpc.call(ctx, b, 'g', 'register', ['only-b', 'randomExit']), 'no');
      await until('a sees only-b', () => global.whereis(ctx, 'only-b') !== undefined);
      peer.kill('SIGKILL');
      await until('a forgot the names of the killed node', () => global.whereis(ctx, 'only-b') === undefined);
    });
  } finally {
    peer.kill('SIGKILL');
    a.shutdown();
    await epmd.close();
  }
});

test('a registration whose server call times out part way releases the locks it took at once', { timeout: 120_000 }, async () => {
  await cluster(['ta', 'tb', 'tc'], async (nodes) => {
    const [a, b, c] = nodes as [OtpNode, OtpNode, OtpNode];
    const gc = await c.run((ctx) => ctx.whereis('global_name_server')!);
    await c.run((ctx) => sys.suspend(ctx, gc));
    const holder = a.spawn(idle);
    // The registrant stays alive while tb registers: without the fix its locks on ta and tb outlive the failed call.
    const [failed, out] = await a.run(async (ctx) => {
      const why = await global.register(ctx, 'timed', holder).then(() => 'registered', (e: Error) => e.message);
      await c.run((cc) => sys.resume(cc, gc));
      const other = b.spawn(idle);
      return [why, await b.run((cb) => global.register(cb, 'timed', other))] as const;
    });
    assert.match(failed, /timed out/);
    assert.equal(out, true);
  });
});
