// kernel's global_SUITE lock cases translated to this API (global.setLock, delLock, trans): each test is named after
// the OTP case it translates. Nodes are in-process OtpNodes joined over real TCP on loopback through a real port mapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, genServer, global, RuntimeError, type LockId, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';
import { withCluster } from './helpers.ts';

const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });

const cluster = (prefix: string, count: number, body: (nodes: OtpNode[]) => Promise<void>): Promise<void> => withCluster(prefix, count, body, { cookie: 'gl' });

/** A long-lived process on `node` that runs what it is asked to (OTP's start_proc/req): it holds the locks it takes. */
interface Proc {
  pid: Pid;
  req<T>(fn: (ctx: ProcessContext) => Promise<T> | T): Promise<T>;
}

function startProc(node: OtpNode): Proc {
  const jobs: Array<(ctx: ProcessContext) => Promise<void>> = [];
  let wake: (() => void) | undefined;
  const pid = node.spawn(async (ctx) => {
    for (;;) {
      while (jobs.length === 0) await new Promise<void>((r) => (wake = r));
      await jobs.shift()!(ctx);
    }
  });
  return {
    pid,
    req: (fn) =>
      new Promise((resolve, reject) => {
        jobs.push(async (ctx) => {
          try {
            resolve(await fn(ctx));
          } catch (error) {
            reject(error as Error);
          }
        });
        wake?.();
      }),
  };
}

// The proc takes [resource, itself] once (retries 0), on `nodes` or by default on every node.
const lockOwn = (p: Proc, resource: string, nodes?: string[]): Promise<boolean> => p.req((ctx) => global.setLock(ctx, [resource, ctx.self()], nodes, 0));
const delOwn = (p: Proc, resource: string, nodes?: string[]): Promise<boolean> => p.req((ctx) => global.delLock(ctx, [resource, ctx.self()], nodes));

test('global_SUITE locks: a lock held by one requester refuses every other on any node until deleted or its holder dies', async () => {
  await cluster('gll', 4, async ([t, cp1, cp2, cp3]) => {
    const me = startProc(t!);
    const pid = startProc(t!);
    const pid2 = startProc(cp1!);
    // Set a lock, and make sure no one else can set the same lock.
    assert.equal(await lockOwn(me, 'test_lock'), true);
    assert.equal(await lockOwn(pid, 'test_lock'), false);
    assert.equal(await lockOwn(pid2, 'test_lock'), false);
    // Delete, and let another proc set it.
    assert.equal(await delOwn(me, 'test_lock'), true);
    assert.equal(await lockOwn(pid, 'test_lock'), true);
    assert.equal(await lockOwn(pid2, 'test_lock'), false);
    assert.equal(await lockOwn(me, 'test_lock'), false);
    // Kill the holder: the lock is released on every node.
    t!.exit(pid.pid, 'kill');
    await until('the dead holder frees test_lock', () => lockOwn(me, 'test_lock'));
    // A proc retrying without end gets the lock once it is deleted.
    const got = pid2.req((ctx) => global.setLock(ctx, ['test_lock', ctx.self()]));
    let gotIt = false;
    void got.then(() => (gotIt = true));
    assert.equal(await lockOwn(startProc(cp2!), 'test_lock'), false, 'still held while pid2 retries');
    assert.equal(gotIt, false);
    await delOwn(me, 'test_lock');
    assert.equal(await got, true);
    // The same requester may take it again; another lock is apart.
    assert.equal(await lockOwn(pid2, 'test_lock'), true);
    assert.equal(await lockOwn(pid2, 'test_lock2'), true);
    assert.equal(await lockOwn(me, 'test_lock'), false);
    assert.equal(await lockOwn(me, 'test_lock2'), false);
    cp1!.exit(pid2.pid, 'kill');
    await until('test_lock freed', () => lockOwn(me, 'test_lock'));
    await until('test_lock2 freed', () => lockOwn(me, 'test_lock2'));
    await delOwn(me, 'test_lock');
    await delOwn(me, 'test_lock2');
    // A proc deletes one of its two locks: the other stays.
    const pid3 = startProc(cp1!);
    assert.equal(await lockOwn(pid3, 'test_lock'), true);
    assert.equal(await lockOwn(pid3, 'test_lock2'), true);
    await delOwn(pid3, 'test_lock2');
    assert.equal(await lockOwn(me, 'test_lock'), false);
    assert.equal(await lockOwn(me, 'test_lock2'), true);
    await delOwn(me, 'test_lock2');
    cp1!.exit(pid3.pid, 'kill');
    await until('test_lock freed after pid3', () => lockOwn(me, 'test_lock'));
    await delOwn(me, 'test_lock');
    // Locks on sets of nodes: disjoint sets do not meet; a set that overlaps a held one gets none of it.
    const [pid4, pid5, pid6, pid7] = [startProc(t!), startProc(cp1!), startProc(cp2!), startProc(cp3!)];
    assert.equal(await lockOwn(pid4, 'test_lock', [t!.name, cp1!.name]), true);
    assert.equal(await lockOwn(pid5, 'test_lock', [t!.name, cp1!.name]), false);
    assert.equal(await lockOwn(pid6, 'test_lock', [cp2!.name, cp3!.name]), true);
    assert.equal(await lockOwn(pid7, 'test_lock', [cp2!.name, cp3!.name]), false);
    await delOwn(pid6, 'test_lock', [cp2!.name, cp3!.name]);
    assert.equal(await lockOwn(pid6, 'test_lock', [cp1!.name, cp2!.name, cp3!.name]), false);
    // All or none: the refused attempt left nothing on cp2 and cp3.
    assert.equal(await lockOwn(pid7, 'test_lock', [cp2!.name, cp3!.name]), true);
    await delOwn(pid7, 'test_lock', [cp2!.name, cp3!.name]);
    t!.exit(pid4.pid, 'kill');
    await until('pid5 takes it once pid4 died', () => lockOwn(pid5, 'test_lock', [t!.name, cp1!.name]));
    const pid8 = startProc(t!);
    assert.equal(await lockOwn(pid8, 'test_lock'), false);
    // The holder's node goes: the lock it held here goes with it.
    cp1!.shutdown();
    await until('the lost node frees the lock here', () => lockOwn(pid8, 'test_lock', [t!.name]));
  });
});

test('global_SUITE lock_die: a dead holder frees its lock on every node; deleting a lock held by another process of the same requester leaves it held', async () => {
  await cluster('gld', 3, async ([t, cp1, cp2]) => {
    const me = startProc(t!);
    const id: LockId = ['id', me.pid];
    const pid2 = startProc(t!);
    assert.equal(await pid2.req((ctx) => global.setLock(ctx, id, [cp1!.name, cp2!.name])), true);
    // Same requester: taken again by another process.
    assert.equal(await me.req((ctx) => global.setLock(ctx, id, [cp1!.name])), true);
    // me holds it on cp1 only: deleting on all three nodes leaves pid2's hold.
    await me.req((ctx) => global.delLock(ctx, id, [t!.name, cp1!.name, cp2!.name]));
    const other = startProc(cp2!);
    assert.equal(await other.req((ctx) => global.setLock(ctx, ['id', ctx.self()], [cp1!.name], 0)), false, 'pid2 still holds it on cp1');
    t!.exit(pid2.pid, 'kill');
    await until('pid2 dead frees it', () => other.req((ctx) => global.setLock(ctx, ['id', ctx.self()], [cp1!.name, cp2!.name], 0)));
    await other.req((ctx) => global.delLock(ctx, ['id', ctx.self()], [cp1!.name, cp2!.name]));
    // Second test: a proc on this node locks on cp1 only, dies: cp1's monitor frees it.
    const pid3 = startProc(t!);
    assert.equal(await pid3.req((ctx) => global.setLock(ctx, ['id', ctx.self()], [cp1!.name])), true);
    t!.exit(pid3.pid, 'kill');
    await until('cp1 frees the lock of dead pid3', () => me.req((ctx) => global.setLock(ctx, ['id', ctx.self()], [t!.name, cp1!.name], 0)));
  });
});

test('global_SUITE locks (counted): a process that took a lock twice holds it until it gave it back twice', async () => {
  await cluster('glc', 2, async ([x, y]) => {
    const p = startProc(x!);
    const q = startProc(y!);
    assert.equal(await lockOwn(p, 'r'), true);
    assert.equal(await lockOwn(p, 'r'), true);
    await delOwn(p, 'r');
    assert.equal(await lockOwn(q, 'r'), false, 'still held once');
    await delOwn(p, 'r');
    assert.equal(await lockOwn(q, 'r'), true);
    // All or none: with q holding it on y only, p gets x (sorted first), is refused on y, and gives x back.
    await delOwn(q, 'r');
    assert.equal(await lockOwn(q, 'r', [y!.name]), true);
    assert.equal(await p.req((ctx) => global.setLock(ctx, ['r', ctx.self()], [y!.name, x!.name], 0)), false);
    assert.equal(await lockOwn(startProc(x!), 'r', [x!.name]), true, 'the refused attempt left nothing on x');
  });
});

test('global_SUITE trans: fn runs holding the lock on every node, the lock goes even when fn throws, and a lock not got is aborted', async () => {
  await cluster('glt', 2, async ([x, y]) => {
    const p = startProc(x!);
    const q = startProc(y!);
    const seen = await p.req((ctx) => global.trans(ctx, ['res', 'A'], () => lockOwn(q, 'res')));
    assert.equal(seen, false, 'held on y while fn ran');
    assert.equal(await lockOwn(q, 'res'), true, 'released after');
    assert.equal(await p.req((ctx) => global.trans(ctx, ['res', 'A'], () => 'ran', undefined, 0)), 'aborted');
    await delOwn(q, 'res');
    await assert.rejects(
      p.req((ctx) => global.trans(ctx, ['res', 'A'], () => { throw new Error('boom'); })),
      /boom/,
    );
    assert.equal(await lockOwn(q, 'res'), true, 'released after fn threw');
    await delOwn(q, 'res');
    // Nested trans of the same requester in one process: the outer still holds it after the inner ends.
    const inner = await p.req((ctx) => global.trans(ctx, ['res', 'A'], async () => {
      await global.trans(ctx, ['res', 'A'], () => 'inner');
      return lockOwn(q, 'res');
    }));
    assert.equal(inner, false);
    assert.equal(await lockOwn(q, 'res'), true);
  });
});

test('global_SUITE two nodes contending: concurrent trans on one resource from two nodes never overlap and both run', async () => {
  await cluster('glx', 2, async ([x, y]) => {
    let inside = 0;
    let overlaps = 0;
    let runs = 0;
    const worker = (node: OtpNode, who: string): Promise<void> =>
      startProc(node).req(async (ctx) => {
        for (let i = 0; i < 10; i++) {
          const r = await global.trans(ctx, ['counter', who], async () => {
            if (++inside > 1) overlaps++;
            await ctx.sleep(1);
            inside--;
            return ++runs;
          });
          assert.notEqual(r, 'aborted');
        }
      });
    await Promise.all([worker(x!, 'x'), worker(y!, 'y'), worker(x!, 'x2'), worker(y!, 'y2')]);
    assert.equal(runs, 40);
    assert.equal(overlaps, 0);
  });
});

test('global_SUITE bad_input: a malformed lock id, nodes, retries or fn is badarg naming it, and the server lives on', async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await node.run(async (ctx) => {
      const bad = (what: RegExp) => (e: unknown): boolean => e instanceof RuntimeError && e.code === 'badarg' && what.test(e.message);
      await assert.rejects(global.setLock(ctx, 'bad_id' as unknown as LockId), bad(/global.setLock takes a lock id/));
      await assert.rejects(global.setLock(ctx, ['', ctx.self()]), bad(/lock id/));
      await assert.rejects(global.setLock(ctx, ['id', ctx.self()], 'bad_nodes' as unknown as string[]), bad(/array of node names/));
      await assert.rejects(global.delLock(ctx, ['id', {}] as unknown as LockId), bad(/global.delLock takes a lock id/));
      await assert.rejects(global.delLock(ctx, ['id', ctx.self()], 'bad_nodes' as unknown as string[]), bad(/array of node names/));
      await assert.rejects(global.trans(ctx, 'bad_id' as unknown as LockId, () => 1), bad(/lock id/));
      await assert.rejects(global.trans(ctx, ['id', ctx.self()], () => 1, [node.name], -1), bad(/retries/));
      await assert.rejects(global.setLock(ctx, ['id', ctx.self()], undefined, '1' as unknown as number), bad(/retries/));
      await assert.rejects(global.trans(ctx, ['id', ctx.self()], 'f' as unknown as () => number), bad(/a function/));
      // Not distributed: the cluster is this node alone, locks work as on one node.
      assert.equal(await global.trans(ctx, ['id', ctx.self()], () => 'ok'), 'ok');
      assert.equal(await global.setLock(ctx, ['id', ctx.self()]), true);
      assert.equal(await global.delLock(ctx, ['id', ctx.self()]), true);
    });
  } finally {
    node.shutdown();
  }
});

test('global_SUITE locks_hidden: a hidden node\'s locks stay on that node and never meet the visible nodes\' ones', async () => {
  await cluster('glh', 2, async ([t, cp1]) => {
    const hidden = createNode({ onCrash: () => {} });
    try {
      await hidden.startDistribution({ name: 'glhh@127.0.0.1', cookie: 'gl', epmdPort: t!.dist!.epmdPort, hidden: true, tickTime: 5000, log: () => {} });
      await until('hidden reaches t', () => hidden.ping(t!.name));
      await until('hidden reaches cp1', () => hidden.ping(cp1!.name));
      const hpid = startProc(hidden);
      const me = startProc(t!);
      const pid2 = startProc(cp1!);
      assert.equal(await lockOwn(hpid, 'test_lock'), true);
      assert.equal(await lockOwn(me, 'test_lock'), true, 'the hidden node\'s lock is not on the visible nodes');
      assert.equal(await lockOwn(pid2, 'test_lock'), false);
      assert.equal(await lockOwn(startProc(hidden), 'test_lock'), false, 'but it is on the hidden node');
      await delOwn(hpid, 'test_lock');
      assert.equal(await lockOwn(pid2, 'test_lock'), false);
      await delOwn(me, 'test_lock');
      assert.equal(await lockOwn(pid2, 'test_lock'), true);
      // A hidden node may still ask for a lock on visible nodes by name.
      assert.equal(await hpid.req((ctx) => global.setLock(ctx, ['test_lock', ctx.self()], [t!.name], 0)), false);
      hidden.exit(hpid.pid, 'kill');
    } finally {
      hidden.shutdown();
    }
  });
});

test('global_SUITE bad_input (nodes): a node list with something that is not a node name is badarg before any node is asked', async () => {
  await cluster('glb', 1, async ([x]) => {
    await x!.run(async (ctx) => {
      await assert.rejects(global.setLock(ctx, ['id', ctx.self()], [x!.name, 'nonsense']), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /array of node names/.test(e.message));
      assert.equal(await global.setLock(ctx, ['id', ctx.self()], [x!.name], 0), true);
      // As OTP's multi_call: a node that cannot be reached is passed over, the lock is taken on the others.
      assert.equal(await global.setLock(ctx, ['id', ctx.self()], [x!.name, 'glbghost@127.0.0.1'], 0), true);
      assert.equal(await global.trans(ctx, ['id', ctx.self()], () => 'ran', ['glbghost@127.0.0.1'], 0), 'ran');
    });
  });
});

test('global locks from a peer count towards maxGlobalNames: past it the peer is disconnected and its locks here go', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const x = createNode({ onCrash: () => {} });
  const y = createNode({ onCrash: () => {} });
  try {
    await x.startDistribution({ name: 'glmx@127.0.0.1', cookie: 'gl', epmdPort, log: (l) => logs.push(l), maxGlobalNames: 3 });
    await y.startDistribution({ name: 'glmy@127.0.0.1', cookie: 'gl', epmdPort, log: () => {} });
    await until('y reaches x', () => y.ping(x.name));
    const hog = startProc(y);
    for (let i = 0; i < 3; i++) assert.equal(await lockOwn(hog, `r${i}`, [x.name]), true);
    // Taking the same lock again is a count, not another lock.
    assert.equal(await lockOwn(hog, 'r0', [x.name]), true);
    // One more is past the bound: x closes the connection (its answer is lost with it, and a node that cannot be
    // reached is passed over, as OTP's), and the lock is not taken there.
    await lockOwn(hog, 'r3', [x.name]);
    await until('x logs the bound', () => logs.some((l) => /maxGlobalNames/.test(l)));
    const mine = startProc(x);
    await until("the peer's locks go with its connection", async () => (await lockOwn(mine, 'r0', [x.name])) && (await lockOwn(mine, 'r2', [x.name])));
    assert.equal(await lockOwn(mine, 'r3', [x.name]), true, 'r3 was never taken on x');
  } finally {
    x.shutdown();
    y.shutdown();
    await epmd.close();
  }
});

test("global locks: a peer cannot give back (or take) a lock for a third node's process by naming it as the holder", async () => {
  await cluster('glo', 3, async ([x, y, z]) => {
    const holder = startProc(z!);
    assert.equal(await lockOwn(holder, 'r', [x!.name]), true);
    // y learns z's process's pid as y sees it, through a global name.
    assert.equal(await z!.run((ctx) => global.register(ctx, 'holder', holder.pid)), true);
    await until('y sees holder', () => y!.run((ctx) => global.whereis(ctx, 'holder') !== undefined));
    const forged = { name: 'global_name_server', node: x!.name };
    const requester = `pid:${z!.name}/${holder.pid.id}/${holder.pid.serial}`;
    await y!.run((ctx) => genServer.call(ctx, forged, { op: 'delLock', resource: 'r', requester, owner: global.whereis(ctx, 'holder') }));
    assert.equal(await lockOwn(startProc(y!), 'r', [x!.name]), false, "z's process still holds r on x");
    assert.equal(await y!.run((ctx) => genServer.call(ctx, forged, { op: 'setLock', resource: 's', requester: 'forged', owner: global.whereis(ctx, 'holder') })), 'locked');
    assert.equal(await lockOwn(startProc(y!), 's', [x!.name]), true, 'no forged hold on s');
  });
});
