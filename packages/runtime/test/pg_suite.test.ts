// kernel's pg_SUITE translated to this API: each test is named after the OTP case it translates. Nodes are
// in-process OtpNodes joined over real TCP on loopback through a real port mapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pg, PgUpdate, RuntimeError, TIMEOUT, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { idle, withCluster, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

// A pid as every node names it: its node's name, id and serial.
const idOf = (node: OtpNode, pid: Pid): string => `${pid.node === 0 ? node.name : node.dist!.nameOf(pid.node)}/${pid.id}.${pid.serial}`;
const ids = (node: OtpNode, pids: readonly Pid[]): string[] => pids.map((p) => idOf(node, p)).sort();

const cluster = (prefix: string, count: number, body: (nodes: OtpNode[]) => Promise<void>): Promise<void> => withCluster(prefix, count, body, { cookie: 'pgs', prepare: (node) => node.run((ctx) => pg.start(ctx)) });

const nextUpdate = async (ctx: ProcessContext, ref: PgUpdate['ref']): Promise<PgUpdate> => {
  const u = await ctx.receive((m) => pg.isUpdate(m, ref), 20_000);
  assert.ok(u instanceof PgUpdate, 'an update arrives');
  return u;
};

test('pg_SUITE single: join, leave, getMembers, getLocalMembers and whichGroups on one node', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const me = ctx.self();
      await pg.join(ctx, 'group', me);
      await pg.join(ctx, 'group', [me, me]);
      assert.deepEqual(pg.getLocalMembers(ctx, 'group').map(String), [me, me, me].map(String));
      assert.deepEqual(pg.getMembers(ctx, 'group').map(String), [me, me, me].map(String));
      assert.deepEqual(pg.whichGroups(ctx), ['group']);
      assert.deepEqual(pg.whichLocalGroups(ctx), ['group']);
      assert.equal(await pg.leave(ctx, 'group', [me, me]), 'ok');
      assert.equal(await pg.leave(ctx, 'group', me), 'ok');
      assert.deepEqual(pg.getMembers(ctx, 'group'), []);
      assert.deepEqual(pg.whichGroups(ctx), [], 'an empty group does not exist');
      assert.equal(await pg.leave(ctx, 'group', me), 'notJoined');
      assert.equal(await pg.leave(ctx, 'missing', me), 'notJoined');
      // A leave of pids one of which is a member is ok; only that one leaves.
      const other = ctx.spawn(idle);
      await pg.join(ctx, 'group', me);
      assert.equal(await pg.leave(ctx, 'group', [me, other]), 'ok');
      assert.deepEqual(pg.getMembers(ctx, 'group'), []);
    }),
  );
});

test('pg_SUITE missing_scope_join: join, leave and monitor in a scope that is not running fail with noproc naming it', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const noproc = (e: unknown): boolean => e instanceof RuntimeError && e.code === 'noproc' && /pg scope 'nope' is not running/.test(e.message);
      await assert.rejects(pg.join(ctx, 'g', ctx.self(), 'nope'), noproc);
      await assert.rejects(pg.leave(ctx, 'g', ctx.self(), 'nope'), noproc);
      await assert.rejects(pg.monitorScope(ctx, 'nope'), noproc);
      assert.deepEqual(pg.getMembers(ctx, 'g', 'nope'), []);
      assert.deepEqual(pg.whichGroups(ctx, 'nope'), []);
    }),
  );
});

test('pg_SUITE dyn_distribution / errors: a second scope server of the same name is refused, and the first goes on', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const first = await pg.startLink(ctx, 'dup');
      await assert.rejects(pg.start(ctx, 'dup'), (e: unknown) => e instanceof RuntimeError && /pg scope 'dup' cannot start/.test(e.message));
      await pg.join(ctx, 'g', ctx.self(), 'dup');
      assert.equal(ctx.whereis('dup')!.equals(first), true);
      assert.equal(pg.getMembers(ctx, 'g', 'dup').length, 1);
    }),
  );
});

test('pg_SUITE group_leave: a process in several groups leaves each separately, and its exit leaves the rest', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx);
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'one', a);
      await pg.join(ctx, 'two', a);
      await pg.join(ctx, 'two', a);
      assert.deepEqual(pg.whichGroups(ctx).sort(), ['one', 'two']);
      assert.equal(await pg.leave(ctx, 'one', a), 'ok');
      assert.deepEqual(pg.whichGroups(ctx), ['two']);
      ctx.exit(a, 'kill');
      await until('the dead member leaves', () => pg.whichGroups(ctx).length === 0);
    }),
  );
});

test('pg_SUITE scopes: the same group in two scopes holds different members', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      await pg.startLink(ctx, 's1');
      await pg.startLink(ctx, 's2');
      const a = ctx.spawn(idle);
      const b = ctx.spawn(idle);
      await pg.join(ctx, 'g', a, 's1');
      await pg.join(ctx, 'g', b, 's2');
      assert.deepEqual(pg.getMembers(ctx, 'g', 's1').map(String), [String(a)]);
      assert.deepEqual(pg.getMembers(ctx, 'g', 's2').map(String), [String(b)]);
      assert.deepEqual(pg.getMembers(ctx, 'g'), [], 'the default scope is not running');
      assert.equal(await pg.leave(ctx, 'g', a, 's2'), 'notJoined');
    }),
  );
});

test('pg_SUITE two: a join on one node is seen on the other, the member exits and is gone on both', async () => {
  await cluster('pgtwo', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', a));
    await until('y sees the member', () => ids(y!, pg.getMembers(y!, 'g')).join() === idOf(x!, a));
    assert.deepEqual(pg.getLocalMembers(y!, 'g'), [], 'nolocal: a remote member is not local');
    assert.deepEqual(pg.whichLocalGroups(y!), []);
    assert.deepEqual(pg.whichGroups(y!), ['g']);
    x!.exit(a, 'kill');
    await until('y sees it gone', () => pg.whichGroups(y!).length === 0);
    assert.deepEqual(pg.whichGroups(x!), []);
  });
});

test('pg_SUITE empty_group_by_remote_leave: a remote leave of the last member removes the group on the other node', async () => {
  await cluster('pgegl', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', [a, a]));
    await until('y sees both joins', () => pg.getMembers(y!, 'g').length === 2);
    await x!.run((ctx) => pg.leave(ctx, 'g', a));
    await until('y sees one leave', () => pg.getMembers(y!, 'g').length === 1);
    await x!.run((ctx) => pg.leave(ctx, 'g', a));
    await until('y has no group', () => pg.whichGroups(y!).length === 0);
  });
});

test('pg_SUITE double: a pid joined twice on one node is listed twice on the other, and leaves one at a time', async () => {
  await cluster('pgdbl', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', a));
    await x!.run((ctx) => pg.join(ctx, 'g', [a]));
    await until('y sees two', () => pg.getMembers(y!, 'g').length === 2);
    await x!.run((ctx) => pg.leave(ctx, 'g', a));
    await until('y sees one', () => pg.getMembers(y!, 'g').length === 1);
    assert.deepEqual(ids(y!, pg.getMembers(y!, 'g')), [idOf(x!, a)]);
  });
});

test('pg_SUITE thundering_herd: many processes joining at once are all seen on the other node, and all leave when they exit', async () => {
  await cluster('pgth', 2, async ([x, y]) => {
    const pids = Array.from({ length: 200 }, () => x!.spawn(idle));
    await Promise.all(pids.map((p, i) => x!.run((ctx) => pg.join(ctx, `g${i % 7}`, p))));
    await until('y sees all', () => pg.whichGroups(y!).reduce<number>((n, g) => n + pg.getMembers(y!, g).length, 0) === 200);
    for (const p of pids) x!.exit(p, 'kill');
    await until('y sees none', () => pg.whichGroups(y!).length === 0);
  });
});

test('pg_SUITE scope_restart: a scope server that is killed and restarted loses its members on peers, and new joins propagate again', async () => {
  await cluster('pgsr', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', a));
    await until('y sees the member', () => pg.getMembers(y!, 'g').length === 1);
    x!.exit(x!.whereis('pg')!, 'kill');
    await until('y drops the member of the dead scope', () => pg.getMembers(y!, 'g').length === 0);
    await until('the scope is gone', () => x!.whereis('pg') === undefined);
    await x!.run((ctx) => pg.start(ctx));
    const b = x!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', b));
    await until('y sees the new member', () => ids(y!, pg.getMembers(y!, 'g')).join() === idOf(x!, b));
    // And the restarted scope learns y's members.
    const c = y!.spawn(idle);
    await y!.run((ctx) => pg.join(ctx, 'h', c));
    await until('x sees y member', () => ids(x!, pg.getMembers(x!, 'h')).join() === idOf(y!, c));
  });
});

test('pg_SUITE netsplit / forced_sync: a disconnected node loses the peer members, and on reconnect both resync including what changed meanwhile', async () => {
  await cluster('pgns', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    const b = y!.spawn(idle);
    await x!.run((ctx) => pg.join(ctx, 'g', a));
    await y!.run((ctx) => pg.join(ctx, 'g', b));
    const both = [idOf(x!, a), idOf(y!, b)].sort().join();
    for (const n of [x!, y!]) await until(`${n.name} sees both`, () => ids(n, pg.getMembers(n, 'g')).join() === both);
    x!.dist!.disconnect(y!.name);
    await until('x sees only its own', () => pg.getMembers(x!, 'g').length === 1);
    await until('y sees only its own', () => pg.getMembers(y!, 'g').length === 1);
    // While split: x leaves a, joins a2; y joins into another group.
    const a2 = x!.spawn(idle);
    await x!.run((ctx) => pg.leave(ctx, 'g', a));
    await x!.run((ctx) => pg.join(ctx, 'g', a2));
    await y!.run((ctx) => pg.join(ctx, 'h', b));
    await until('reconnect', () => x!.ping(y!.name));
    const after = [idOf(x!, a2), idOf(y!, b)].sort().join();
    for (const n of [x!, y!]) {
      await until(`${n.name} resyncs g`, () => ids(n, pg.getMembers(n, 'g')).join() === after);
      await until(`${n.name} resyncs h`, () => ids(n, pg.getMembers(n, 'h')).join() === idOf(y!, b));
    }
  });
});

test('pg_SUITE trisplit: three nodes, one split off and back, converge to the same view', async () => {
  await cluster('pgtri', 3, async ([x, y, z]) => {
    const members = [x!, y!, z!].map((n) => [n, n.spawn(idle)] as const);
    for (const [n, p] of members) await n.run((ctx) => pg.join(ctx, 'g', p));
    const all = members.map(([n, p]) => idOf(n, p)).sort().join();
    for (const [n] of members) await until(`${n.name} sees all`, () => ids(n, pg.getMembers(n, 'g')).join() === all);
    z!.dist!.disconnect(x!.name);
    z!.dist!.disconnect(y!.name);
    await until('x drops z', () => pg.getMembers(x!, 'g').length === 2);
    await until('z drops both', () => pg.getMembers(z!, 'g').length === 1);
    await until('z back to x', () => z!.ping(x!.name));
    await until('z back to y', () => z!.ping(y!.name));
    for (const [n] of members) await until(`${n.name} sees all again`, () => ids(n, pg.getMembers(n, 'g')).join() === all);
  });
});

test('pg_SUITE monitor_scope: the scope snapshot, then local and remote joins and leaves, and a remote node lost', async () => {
  await cluster('pgms', 2, async ([x, y]) => {
    await x!.run(async (ctx) => {
      const a = ctx.spawn(idle);
      await pg.join(ctx, 'local', a);
      const { ref, groups } = await pg.monitorScope(ctx);
      assert.deepEqual([...groups.keys()], ['local']);
      const b = y!.spawn(idle);
      await y!.run((c) => pg.join(c, 'remote', b));
      let u = await nextUpdate(ctx, ref);
      assert.deepEqual([u.kind, u.group, ids(x!, u.pids)], ['join', 'remote', [idOf(y!, b)]]);
      await y!.run((c) => pg.leave(c, 'remote', b));
      u = await nextUpdate(ctx, ref);
      assert.deepEqual([u.kind, u.group, ids(x!, u.pids)], ['leave', 'remote', [idOf(y!, b)]]);
      await y!.run((c) => pg.join(c, 'remote', b));
      u = await nextUpdate(ctx, ref);
      assert.equal(u.kind, 'join');
      ctx.node.dist!.disconnect(y!.name);
      u = await nextUpdate(ctx, ref);
      assert.deepEqual([u.kind, u.group, ids(x!, u.pids)], ['leave', 'remote', [idOf(y!, b)]]);
      assert.equal(await pg.demonitor(ctx, ref), true);
    });
  });
});

test('pg_SUITE monitor: one group watched, remote joins into it reported, others not; multi_monitor: two subscriptions each get their own', async () => {
  await cluster('pgmon', 2, async ([x, y]) => {
    await x!.run(async (ctx) => {
      const { ref: r1, members } = await pg.monitor(ctx, 'watched');
      const { ref: r2 } = await pg.monitor(ctx, 'watched');
      const { ref: r3 } = await pg.monitorScope(ctx);
      assert.deepEqual(members, []);
      const b = y!.spawn(idle);
      await y!.run((c) => pg.join(c, 'other', b));
      await y!.run((c) => pg.join(c, 'watched', b));
      for (const r of [r1, r2]) {
        const u = await nextUpdate(ctx, r);
        assert.deepEqual([u.kind, u.group, ids(x!, u.pids)], ['join', 'watched', [idOf(y!, b)]]);
      }
      const s1 = await nextUpdate(ctx, r3);
      const s2 = await nextUpdate(ctx, r3);
      assert.deepEqual([s1.group, s2.group], ['other', 'watched']);
      assert.equal(await pg.demonitor(ctx, r1), true);
      y!.exit(b, 'kill');
      const u = await nextUpdate(ctx, r2);
      assert.deepEqual([u.kind, u.group], ['leave', 'watched']);
      assert.equal(await ctx.receive((m) => pg.isUpdate(m, r1), 0), TIMEOUT, 'a demonitored subscription hears nothing');
    });
  });
});

test('pg_SUITE initial / disconnected_start: a scope started after the peers joined learns their members; one started on a lone node syncs when distributed', async () => {
  await cluster('pgini', 2, async ([x, y]) => {
    const a = x!.spawn(idle);
    await x!.run((ctx) => assert.rejects(pg.join(ctx, 'g', a, 'late'), (e: unknown) => e instanceof RuntimeError && e.code === 'noproc'));
    await x!.run((ctx) => pg.start(ctx, 'late'));
    await x!.run((ctx) => pg.join(ctx, 'g', a, 'late'));
    await y!.run((ctx) => pg.start(ctx, 'late'));
    await until('y learns x members of the late scope', () => ids(y!, pg.getMembers(y!, 'g', 'late')).join() === idOf(x!, a));
  });
});
