import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { createNode, genServer, pg, rpc, Pid, PgUpdate, RuntimeError, TIMEOUT, supervisor, type OtpNode, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { idle, quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const peerScript = fileURLToPath(new URL('./fixtures/pg-peer.ts', import.meta.url));

// The shared wait (test/support/wait.ts) under this file's name and argument order.
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<unknown> => waitFor(what, check, { ms });

const sorted = (pids: readonly Pid[]): string[] => pids.map(String).sort();

test('join and leave are counted per pid, and leave says notJoined when none was a member', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const [a, b] = [ctx.spawn(idle), ctx.spawn(idle)];
      await pg.join(ctx, 'workers', a);
      await pg.join(ctx, 'workers', [a, b]);
      assert.deepEqual(sorted(pg.getMembers(ctx, 'workers')), sorted([a, a, b]));
      assert.deepEqual(sorted(pg.getLocalMembers(node, 'workers')), sorted([a, a, b]));
      assert.equal(await pg.leave(ctx, 'workers', a), 'ok');
      assert.deepEqual(sorted(pg.getMembers(ctx, 'workers')), sorted([a, b]));
      assert.equal(await pg.leave(ctx, 'workers', [a, b]), 'ok');
      assert.deepEqual(pg.getMembers(ctx, 'workers'), []);
      assert.equal(await pg.leave(ctx, 'workers', a), 'notJoined');
      await pg.join(ctx, 'nobody', []);
      assert.deepEqual(pg.whichGroups(ctx), [], 'an empty group does not exist');
    }),
  );
});

test('a member that exits leaves every group it joined', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      const b = ctx.spawn(idle);
      await pg.join(ctx, 'x', [a, a, b]);
      await pg.join(ctx, ['tuple', 1], a);
      assert.deepEqual(pg.whichGroups(ctx).map((g) => JSON.stringify(g)).sort(), ['"x"', '["tuple",1]']);
      assert.deepEqual(pg.getMembers(ctx, ['tuple', 1]).map(String), [String(a)], 'structured group names compare by value');
      ctx.exit(a, 'kill');
      await until('a left both groups', () => pg.getMembers(ctx, 'x').length === 1);
      assert.deepEqual(pg.getMembers(ctx, 'x').map(String), [String(b)]);
      assert.deepEqual(pg.whichGroups(ctx), ['x']);
      assert.deepEqual(pg.whichLocalGroups(ctx), ['x']);
    }),
  );
});

test('scopes are independent, and a stopped scope has no members', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const other = await pg.start(ctx, 'other');
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'g', a, 'other');
      assert.deepEqual(pg.getMembers(ctx, 'g'), []);
      assert.deepEqual(pg.getMembers(ctx, 'g', 'other').map(String), [String(a)]);
      ctx.exit(other, 'kill');
      await until('the other scope is gone', () => !ctx.isAlive(other));
      assert.deepEqual(pg.getMembers(ctx, 'g', 'other'), []);
      await assert.rejects(pg.join(ctx, 'g', a, 'other'), /pg scope 'other' is not running on .*: start it first with pg.startLink\(ctx, 'other'\)/);
      await assert.rejects(pg.startLink(ctx), /pg scope 'pg' cannot start: the name 'pg' is already registered/);
    }),
  );
});

test('a scope runs under a supervisor through childSpec', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await supervisor.startLink(ctx, { init: () => ({ flags: { strategy: 'oneForOne', intensity: 1, period: 5 }, children: [pg.childSpec('sup_scope')] }) }, undefined);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'g', a, 'sup_scope');
      assert.deepEqual(pg.getMembers(ctx, 'g', 'sup_scope').map(String), [String(a)]);
    }),
  );
});

test('only local pids may join, and anything but pids is refused with one sentence', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      await assert.rejects(pg.join(ctx, 'g', new Pid(3, 10, 0)), (e: unknown) => e instanceof RuntimeError && /pg.join: <3.10.0> runs on another node; a node can join only its own processes/.test(e.message));
      await assert.rejects(pg.join(ctx, 'g', 'nope' as unknown as Pid), /pg.join takes a pid or an array of pids, got nope/);
    }),
  );
});

test('a group name that is not JSON-like (a BigInt, a cycle, undefined, NaN, a function, an object) is refused with badarg naming it; the scope and its groups stay', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const scope = await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'kept', a);
      const shared = ['x'];
      await pg.join(ctx, [shared, shared], a);
      const cycle: unknown[] = [];
      cycle.push(cycle);
      for (const bad of [10n, ['room', 2n], cycle, undefined, NaN, Infinity, () => 1, { room: 1 }, Symbol('g')]) {
        const refused = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && /is not a group name: give a string, a finite number, a boolean, null or an array of those/.test(e.message);
        await assert.rejects(pg.join(ctx, bad as never, a), refused);
        await assert.rejects(pg.leave(ctx, bad as never, a), refused);
        await assert.rejects(pg.monitor(ctx, bad as never), refused);
        assert.throws(() => pg.getMembers(ctx, bad as never), refused);
        assert.throws(() => pg.getLocalMembers(ctx, bad as never), refused);
      }
      assert.ok(ctx.isAlive(scope), 'the scope server runs on');
      assert.deepEqual(pg.getMembers(ctx, 'kept'), [a]);
      assert.deepEqual(pg.getMembers(ctx, [['x'], ['x']]), [a], 'an array met twice is no cycle');
      assert.deepEqual(pg.getMembers(ctx, null), [], 'null is a group of its own, not where NaN would go');
    }),
  );
});

// Two in-process nodes x and y, distributed and connected, each running the default scope.
async function twoNodes(prefix: string, body: (x: OtpNode, y: OtpNode) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [x, y] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    for (const [node, name] of [[x, 'x'], [y, 'y']] as const) {
      await node.startDistribution({ name: `${prefix}${name}@127.0.0.1`, cookie: 'pg2', epmdPort, tickTime: 5000, log: () => {} });
      await node.run((ctx) => pg.start(ctx));
    }
    await until('x reaches y', () => x.ping(y.name));
    await body(x, y);
  } finally {
    x.shutdown();
    y.shutdown();
    await epmd.close();
  }
}

test("a peer scope server's malformed sync, join or leave (a BigInt group, pids that are no pids) is dropped; the scope, its groups and the peer's valid messages go on", async () => {
  await twoNodes('pgm', async (x, y) => {
    const scope = x.whereis('pg')!;
    const a = x.spawn(idle);
    await x.run((ctx) => pg.join(ctx, 'kept', a));
    // What another node's scope server could send (a BigInt crosses the wire): a process of y plays that peer.
    await y.run(async (ctx) => {
      const peer = ctx.self();
      const xScope = { name: 'pg', node: x.name };
      // (A cycle cannot cross: the sending node refuses it as nested too deep.)
      for (const bad of [
        { pg: 'sync', peer, groups: [[10n, [peer]]] },
        { pg: 'sync', peer, groups: [['g', ['<0.1.0>']]] },
        { pg: 'sync', peer, groups: 'all' },
        { pg: 'join', peer, group: ['room', 2n], pids: [peer] },
        { pg: 'join', peer, group: 'g', pids: 42 },
        { pg: 'leave', peer, pids: [peer], groups: [10n] },
        { pg: 'discover', peer: 'me' },
      ]) ctx.send(xScope, bad);
      // A valid sync after them is still heard: the scope server took and dropped each malformed one.
      ctx.send(xScope, { pg: 'sync', peer, groups: [['remote', [peer]]] });
      // (This process stays until then: the scope server monitors its peer, and its exit would remove its members.)
      await until('the valid sync is applied', () => pg.getMembers(x, 'remote').length === 1);
    });
    assert.ok(x.isAlive(scope), 'the scope server runs on');
    assert.deepEqual(pg.getMembers(x, 'kept'), [a], "the scope's groups are kept");
    assert.equal(x.dist!.nameOf(pg.getMembers(x, 'remote')[0]!.node), y.name);
  });
});

test("a peer's discover, sync, join or leave naming a process of the receiving node as the peer (its own scope server) is refused with a warning: local members are not listed twice", async () => {
  await twoNodes('pgl', async (x, y) => {
    const events = quietLogs(x);
    const a = x.spawn(idle);
    await x.run((ctx) => pg.join(ctx, 'g', a));
    await y.run(async (ctx) => {
      ctx.register('catcher');
      // x tells y the pid of its own scope server, which y then names as the peer in messages to that server.
      await x.run((c) => c.send({ name: 'catcher', node: y.name }, c.whereis('pg')));
      const xPid = (await ctx.receive((m) => m instanceof Pid, 10_000)) as Pid;
      const xScope = { name: 'pg', node: x.name };
      ctx.send(xScope, { pg: 'discover', peer: xPid });
      ctx.send(xScope, { pg: 'sync', peer: xPid, groups: [['g', [xPid]]] });
      ctx.send(xScope, { pg: 'join', peer: xPid, group: 'g', pids: [xPid] });
      // Then a real peer's join, so the scope server has taken the ones before it.
      ctx.send(xScope, { pg: 'sync', peer: ctx.self(), groups: [['done', [ctx.self()]]] });
      await until('the real sync is applied', () => pg.getMembers(x, 'done').length === 1);
    });
    assert.deepEqual(pg.getMembers(x, 'g'), [a], 'the local member is listed once');
    assert.deepEqual(pg.getLocalMembers(x, 'g'), [a]);
    await until('the refusals are logged', () => events.filter((e) => e.level === 'warning').length === 3);
    const warnings = events.filter((e) => e.level === 'warning').map((e) => String(e.message));
    assert.match(warnings[0]!, /^pg scope pg ignored a 'discover' naming <0\.\d+\.\d+>, a process of this node, as a peer scope server: peers are the same scope on other nodes$/);
  });
});

test("a call or cast of the wrong shape to a scope server (from another node with the cookie: null, pids that are no local pids, a ref that is none) is logged as a warning and left unanswered; the scope and its groups go on", async () => {
  await withNode((node) => {
    const events = quietLogs(node);
    return node.run(async (ctx) => {
      const scope = await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'kept', a);
      const remote = new Pid(1, 5, 0);
      const bad: unknown[] = [null, 42, { op: 'join', group: 'g', pids: 5 }, { op: 'join', group: 'g', pids: [remote] }, { op: 'leave', group: 'kept', pids: null }, { op: 'demonitor', ref: 5 }, { op: 'monitor', group: 10n }, { op: 'nope' }];
      const unanswered = bad.map((req) => {
        genServer.cast(ctx, scope, req);
        return genServer.sendRequest(ctx, scope, req);
      });
      const b = ctx.spawn(idle);
      await pg.join(ctx, 'kept', b);
      assert.ok(ctx.isAlive(scope), 'the scope server runs on');
      assert.deepEqual(sorted(pg.getMembers(ctx, 'kept')), sorted([a, b]), "the scope's groups are kept");
      assert.deepEqual(pg.whichGroups(ctx), ['kept'], 'no join of a pid that is no local pid');
      for (const req of unanswered) assert.equal(genServer.checkResponse(ctx, await ctx.receive(null, 0), req), 'noReply');
      const warnings = events.filter((e) => e.level === 'warning').map((e) => e.message);
      assert.equal(warnings.length, bad.length * 2, warnings.join('\n'));
      assert.ok(warnings.includes('pg scope pg received an unexpected message: handleCast(null)'), warnings.join('\n'));
    });
  });
});

test('monitorScope returns the groups and then delivers every join and leave; demonitor ends it', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'before', a);
      const { ref, groups } = await pg.monitorScope(ctx);
      assert.deepEqual([...groups.keys()], ['before']);
      assert.deepEqual(groups.get('before')!.map(String), [String(a)]);
      const b = ctx.spawn(idle);
      await pg.join(ctx, 'g', [b, b]);
      const joined = (await ctx.receive((m) => pg.isUpdate(m, ref), 5000)) as PgUpdate;
      assert.deepEqual([joined.kind, joined.group, joined.pids.map(String)], ['join', 'g', [String(b), String(b)]]);
      await pg.leave(ctx, 'g', b);
      const left = (await ctx.receive((m) => pg.isUpdate(m, ref), 5000)) as PgUpdate;
      assert.deepEqual([left.kind, left.group, left.pids.map(String)], ['leave', 'g', [String(b)]]);
      ctx.exit(a, 'kill');
      const died = (await ctx.receive((m) => pg.isUpdate(m, ref), 5000)) as PgUpdate;
      assert.deepEqual([died.kind, died.group, died.pids.map(String)], ['leave', 'before', [String(a)]]);
      await pg.join(ctx, 'g', b);
      assert.equal(await pg.demonitor(ctx, ref), true, 'the update still queued is flushed');
      assert.equal(await ctx.receive((m) => m instanceof PgUpdate, 0), TIMEOUT);
      assert.equal(await pg.demonitor(ctx, ref), false);
    }),
  );
});

test('a member joined twice that exits is reported as OTP does: one leave of [pid] per join, in each group', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'g', a);
      await pg.join(ctx, 'g', a);
      await pg.join(ctx, 'h', a);
      const { ref } = await pg.monitorScope(ctx);
      ctx.exit(a, 'kill');
      const updates: string[] = [];
      for (let i = 0; i < 3; i++) {
        const u = (await ctx.receive((m) => pg.isUpdate(m, ref), 5000)) as PgUpdate;
        updates.push(`${u.kind} ${String(u.group)} ${u.pids.map(String).join()}`);
      }
      assert.deepEqual(updates.sort(), [`leave g ${String(a)}`, `leave g ${String(a)}`, `leave h ${String(a)}`]);
      assert.equal(await ctx.receive((m) => m instanceof PgUpdate, 0), TIMEOUT);
      assert.deepEqual(pg.whichGroups(ctx), []);
    }),
  );
});

test('monitor watches one group only', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'watched', a);
      const { ref, members } = await pg.monitor(ctx, 'watched');
      assert.deepEqual(members.map(String), [String(a)]);
      await pg.join(ctx, 'elsewhere', a);
      await pg.leave(ctx, 'watched', a);
      const u = (await ctx.receive((m) => pg.isUpdate(m, ref), 5000)) as PgUpdate;
      assert.deepEqual([u.kind, u.group], ['leave', 'watched'], 'the join to another group was not reported');
    }),
  );
});

function startPeer(name: string, epmdPort: number, tickTime: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, peerScript, name, 'pgc', String(epmdPort), String(tickTime)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`peer ${name} exited with ${code}: ${err}`)));
  });
}

// A pid as every node names it: its node's name and its number there.
function idOf(node: OtpNode, pid: Pid): string {
  return `${pid.node === 0 ? node.name : node.dist!.nameOf(pid.node)}/${pid.id}.${pid.serial}`;
}

// The test's own node `a` plus peers in OS processes, each running the default scope.
async function cluster(prefix: string, peers: string[], tickTime: number, body: (a: OtpNode, ctx: ProcessContext, children: ChildProcess[], addPeer: (name: string) => Promise<string>) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const children: ChildProcess[] = [];
  const a = createNode({ onCrash: () => {} });
  const logs: string[] = [];
  try {
    for (const p of peers) children.push(await startPeer(`${prefix}${p}@127.0.0.1`, epmdPort, tickTime));
    await a.startDistribution({ name: `${prefix}a@127.0.0.1`, cookie: 'pgc', epmdPort, tickTime, log: (l) => logs.push(l) });
    await a.run(async (ctx) => {
      await pg.startLink(ctx);
      // Polled: on a loaded machine a handshake can outlast its deadline and is simply tried again.
      for (const p of peers) await until(`a reaches ${p}`, () => ctx.node.ping(`${prefix}${p}@127.0.0.1`));
      for (const p of peers) for (const q of peers) if (p !== q) await until(`${p} reaches ${q}`, async () => (await rpc.call(ctx, `${prefix}${p}@127.0.0.1`, 'pgp', 'connect', [`${prefix}${q}@127.0.0.1`])) === true);
      const addPeer = async (p: string): Promise<string> => {
        const name = `${prefix}${p}@127.0.0.1`;
        children.push(await startPeer(name, epmdPort, tickTime));
        for (const q of [a.name, ...peers.map((o) => `${prefix}${o}@127.0.0.1`)]) await until(`${p} reaches ${q}`, async () => (await rpc.call(ctx, name, 'pgp', 'connect', [q])) === true);
        return name;
      };
      await body(a, ctx, children, addPeer);
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\nthe test node's distribution log:\n${logs.join('\n')}`, { cause: error });
  } finally {
    for (const c of children) {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
    }
    a.shutdown();
    await epmd.close();
  }
}

// What `node` (or a peer, through rpc) sees as members of `group`, as node-independent ids.
async function seen(ctx: ProcessContext, node: string, group: string): Promise<string[]> {
  if (node === ctx.node.name) return pg.getMembers(ctx, group).map((p) => idOf(ctx.node, p)).sort();
  return ((await rpc.call(ctx, node, 'pgp', 'members', [group])) as string[]).sort();
}

test('real OS processes: joins on every node propagate, and a node that connects late learns them', { timeout: 300_000 }, async () => {
  await cluster('pj', ['b', 'c'], 2000, async (a, ctx, _children, addPeer) => {
    const [b, c] = ['pjb@127.0.0.1', 'pjc@127.0.0.1'];
    const mine = ctx.spawn(idle);
    await pg.join(ctx, 'g', mine);
    const onB = (await rpc.call(ctx, b, 'pgp', 'spawnJoin', ['g', 2])) as string[];
    const onC = (await rpc.call(ctx, c, 'pgp', 'spawnJoin', ['g', 1])) as string[];
    const all = [idOf(a, mine), ...onB, ...onC].sort();
    for (const n of [a.name, b, c]) await until(`${n} sees every member`, async () => (await seen(ctx, n, 'g')).join() === all.join());
    assert.deepEqual(pg.getLocalMembers(ctx, 'g').map((p) => idOf(a, p)), [idOf(a, mine)]);
    await rpc.call(ctx, b, 'pgp', 'leave', ['g', onB[0]]);
    const after = all.filter((id) => id !== onB[0]);
    for (const n of [a.name, b, c]) await until(`${n} sees the leave`, async () => (await seen(ctx, n, 'g')).join() === after.join());
    const d = await addPeer('d');
    await until('the late node d learned every member', async () => (await seen(ctx, d, 'g')).join() === after.join());
  });
});

test('real OS processes: kill -9 of a peer removes its members on the others', { timeout: 300_000 }, async () => {
  await cluster('pk', ['b', 'c'], 2000, async (a, ctx, [childB]) => {
    const [b, c] = ['pkb@127.0.0.1', 'pkc@127.0.0.1'];
    const onB = (await rpc.call(ctx, b, 'pgp', 'spawnJoin', ['g', 2])) as string[];
    const onC = (await rpc.call(ctx, c, 'pgp', 'spawnJoin', ['g', 1])) as string[];
    for (const n of [a.name, c]) await until(`${n} sees b's and c's members`, async () => (await seen(ctx, n, 'g')).length === 3);
    childB!.kill('SIGKILL');
    for (const n of [a.name, c]) await until(`${n} forgot b's members`, async () => (await seen(ctx, n, 'g')).join() === onC.join());
    assert.ok(!onB.some((id) => pg.getMembers(ctx, 'g').some((p) => idOf(a, p) === id)));
  });
});

test('real OS processes: a stopped peer is seen down and its members removed; after SIGCONT it reconnects and membership re-syncs', { timeout: 300_000 }, async () => {
  await cluster('ps', ['b'], 1000, async (a, ctx, [childB]) => {
    const b = 'psb@127.0.0.1';
    const onB = (await rpc.call(ctx, b, 'pgp', 'spawnJoin', ['g', 2])) as string[];
    const mine = ctx.spawn(idle);
    await pg.join(ctx, 'g', mine);
    await until('a sees b members', async () => (await seen(ctx, a.name, 'g')).length === 3);
    childB!.kill('SIGSTOP');
    await until('a saw b go down', () => !ctx.node.nodes().includes(b));
    await until("b's members were removed on nodedown", async () => (await seen(ctx, a.name, 'g')).join() === idOf(a, mine));
    const late = ctx.spawn(idle);
    await pg.join(ctx, 'g', late);
    childB!.kill('SIGCONT');
    await until('a reaches b again', () => ctx.node.ping(b));
    const all = [idOf(a, mine), idOf(a, late), ...onB].sort();
    await until('a re-learned b members', async () => (await seen(ctx, a.name, 'g')).join() === all.join());
    await until('b learned the member that joined while it was away', async () => (await seen(ctx, b, 'g')).join() === all.join());
  });
});

test("docs/pg.md's first example runs and prints what its comments say", async () => {
  const doc = readFileSync(new URL('../../../docs/pg.md', import.meta.url), 'utf8');
  const ts = /```ts\n([\s\S]*?)```/.exec(doc)![1]!;
  const imports = /^import \{ ([^}]+) \} from '@otp-ts\/runtime';\n/m.exec(ts)!;
  const { code } = transformSync(ts.replace(imports[0], ''), { loader: 'ts', format: 'esm', target: 'node20' });
  const printed: string[] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
  const run = new AsyncFunction('runtime', 'console', `const { ${imports[1]} } = runtime;\n${code}`);
  await run(runtime, { log: (...a: unknown[]) => printed.push(a.join(' ')) });
  const promised = [...ts.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(printed, promised);
});

test('a scope started before its node joined the cluster syncs, and a lost node shows as leave updates', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [x, y] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    await x.run((ctx) => pg.start(ctx));
    const early = x.spawn(idle);
    await x.run((ctx) => pg.join(ctx, 'g', early));
    for (const [node, name] of [[x, 'pgx'], [y, 'pgy']] as const) await node.startDistribution({ name: `${name}@127.0.0.1`, cookie: 'pgl', epmdPort, tickTime: 5000, log: () => {} });
    await y.run((ctx) => pg.start(ctx));
    const onY = y.spawn(idle);
    await y.run((ctx) => pg.join(ctx, 'g', onY));
    await until('x reaches y', () => x.ping(y.name));
    const ids = [idOf(x, early), idOf(y, onY)].sort();
    for (const n of [x, y]) await until(`${n.name} sees both members`, () => pg.getMembers(n, 'g').map((p) => idOf(n, p)).sort().join() === ids.join());
    await x.run(async (ctx) => {
      const { ref, groups } = await pg.monitorScope(ctx);
      assert.equal(groups.get('g')!.length, 2);
      ctx.node.dist!.disconnect(y.name);
      const u = (await ctx.receive((m) => pg.isUpdate(m, ref), 20_000)) as PgUpdate;
      assert.deepEqual([u.kind, u.group, u.pids.map((p) => idOf(x, p))], ['leave', 'g', [idOf(y, onY)]]);
      assert.deepEqual(pg.getMembers(ctx, 'g').map(String), [String(early)]);
    });
  } finally {
    x.shutdown();
    y.shutdown();
    await epmd.close();
  }
});

test("a peer's sync or join listing processes of another node (this node's, a third node's) takes only the peer's own: the others are ignored with a warning, and never listed once dead", async () => {
  await twoNodes('pgf', async (x, y) => {
    const events = quietLogs(x);
    const local = x.spawn(idle);
    await y.run(async (ctx) => {
      ctx.register('catcher');
      await x.run((c) => c.send({ name: 'catcher', node: y.name }, local));
      const xPid = (await ctx.receive((m) => m instanceof Pid, 10_000)) as Pid;
      // A process of a third node, as y names it on the wire.
      const third = new Pid(y.dist!.indexOf('pgfz@127.0.0.1'), 77, 0);
      const own = ctx.spawn(idle);
      const xScope = { name: 'pg', node: x.name };
      ctx.send(xScope, { pg: 'sync', peer: ctx.self(), groups: [['g', [own, xPid, third]], ['only-foreign', [third]]] });
      ctx.send(xScope, { pg: 'join', peer: ctx.self(), group: 'h', pids: [xPid, own] });
      await until('the join is applied', () => pg.getMembers(x, 'h').length > 0);
    });
    assert.deepEqual(pg.getMembers(x, 'g').map((p) => `${x.dist!.nameOf(p.node)}/${p.id}`), pg.getMembers(x, 'h').map((p) => `${x.dist!.nameOf(p.node)}/${p.id}`));
    assert.equal(pg.getMembers(x, 'g').length, 1, "only the peer's own process is a member");
    assert.equal(x.dist!.nameOf(pg.getMembers(x, 'g')[0]!.node), y.name);
    assert.deepEqual(pg.getMembers(x, 'only-foreign'), []);
    assert.ok(!pg.whichGroups(x).includes('only-foreign'));
    // This node's own process, listed by the peer, is no member: its exit leaves nothing behind.
    x.exit(local, 'kill');
    assert.ok(!pg.getMembers(x, 'h').some((p) => p.equals(local)));
    await until('the ignored members are logged', () => events.filter((e) => e.level === 'warning').length === 2);
    const warnings = events.filter((e) => e.level === 'warning').map((e) => String(e.message));
    assert.match(warnings[0]!, /^pg scope pg ignored <0\.\d+\.\d+>, <\d+\.77\.0>, <\d+\.77\.0> in a 'sync' from <\d+\.\d+\.\d+>: not processes of pgfy@127\.0\.0\.1, and a scope server announces only its own node's members$/);
    assert.match(warnings[1]!, /^pg scope pg ignored <0\.\d+\.\d+> in a 'join' from /);
  });
});
