// The node side of `otp observer`: pages, sorts and filters on the node; bounded rows; logged actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { rpc, application, genServer, supervisor, sys, ok, reply, setMessageIsolation, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { processDetails, supervisionTree, observerRpcModule, processPage, tablePage, tableRows, act, loopDelay, EpmdServer } from '@otp-ts/runtime/tools';
// Through the tools entry, so the test and the node share one runtime (a relative import of src/ is bundled as a copy by otp test).
import { withNode, idle, tick, quietLogs } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

test('the process table is filtered, sorted and paged on the node, at most 500 rows a page', async () => {
  await withNode(async (node) => {
    const pids: Pid[] = [];
    for (let i = 0; i < 1200; i++) pids.push(node.spawn(idle, i % 100 === 0 ? { name: `worker_${String(i).padStart(4, '0')}` } : undefined));
    // One process with a long mailbox and many reductions.
    const busy = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')), { name: 'busy_one' });
    for (let i = 0; i < 50; i++) node.send(busy, { i });
    await tick();
    const first = processPage(node, { limit: 10, sort: 'pid' });
    assert.equal(first.total, 1201);
    assert.equal(first.matched, 1201);
    assert.deepEqual(first.rows.map((r) => r.pid), pids.slice(0, 10).map(String));
    const second = processPage(node, { offset: 10, limit: 10, sort: 'pid' });
    assert.deepEqual(second.rows.map((r) => r.pid), pids.slice(10, 20).map(String));
    assert.equal(processPage(node, { limit: 100_000 }).rows.length, 500, 'a page is at most 500 rows');
    const byMailbox = processPage(node, { limit: 1, sort: 'mailbox', dir: 'desc' });
    assert.equal(byMailbox.rows[0]!.name, 'busy_one');
    assert.equal(byMailbox.rows[0]!.mailbox, 50);
    const named = processPage(node, { filter: 'WORKER_', sort: 'name', dir: 'desc', limit: 3 });
    assert.equal(named.matched, 12);
    assert.deepEqual(named.rows.map((r) => r.name), ['worker_1100', 'worker_1000', 'worker_0900']);
    assert.deepEqual(processPage(node, { filter: String(pids[7]) }).rows.map((r) => r.pid), [String(pids[7])]);
    assert.equal(processPage(node, { filter: 'nothing like this' }).matched, 0);
  });
});

test('sorted by name, unnamed processes come after every name in both directions, on the first pages and on deep ones', async () => {
  await withNode(async (node) => {
    for (let i = 0; i < 6000; i++) node.spawn(idle, i % 2000 === 0 ? { name: `named_${i}` } : undefined);
    const names = (page: { rows: Array<{ name?: string }> }) => page.rows.map((r) => r.name);
    assert.deepEqual(names(processPage(node, { sort: 'name', dir: 'desc', limit: 3 })), ['named_4000', 'named_2000', 'named_0']);
    assert.deepEqual(names(processPage(node, { sort: 'name', dir: 'asc', limit: 3 })), ['named_0', 'named_2000', 'named_4000']);
    // A page past the bounded heap (the chunked sort and merge) orders them the same way.
    const deep = processPage(node, { sort: 'name', dir: 'desc', offset: 5990, limit: 20 });
    assert.ok(deep.rows.length > 0 && deep.rows.every((r) => r.name === undefined), 'the last rows are the unnamed ones');
  });
});

test('tables are listed with their owner and size; rows are paged and bounded; private rows stay private', async () => {
  await withNode(async (node) => {
    let owner: Pid | undefined;
    await new Promise<void>((ready) => {
      owner = node.spawn(async (ctx) => {
        const t = ctx.newTable<[string, unknown]>({ name: 'prices', access: 'public', type: 'orderedSet' });
        for (let i = 0; i < 120; i++) t.insert([`k${String(i).padStart(3, '0')}`, i === 0 ? 'x'.repeat(100_000) : i]);
        ctx.newTable({ name: 'secrets', access: 'private' }).insert(['a', 1]);
        ready();
        await idle(ctx);
      });
    });
    const list = tablePage(node);
    assert.deepEqual(list.tables.map((t) => [t.name, t.size, t.owner]), [['prices', 120, String(owner)], ['secrets', 1, String(owner)]]);
    const prices = list.tables[0]!;
    const page = tableRows(node, prices.id, 0, 50);
    assert.ok(page.ok);
    assert.equal(page.rows.length, 50);
    assert.ok(page.rows[0]!.length <= 300, 'a huge record is formatted within bounds');
    assert.match(page.rows[1]!, /k001/);
    const last = tableRows(node, prices.id, 100, 50);
    assert.ok(last.ok);
    assert.equal(last.rows.length, 20);
    assert.deepEqual(tableRows(node, list.tables[1]!.id), { ok: false, error: `table 'secrets' is private to ${String(owner)}: only its owner reads it` });
    assert.equal((tableRows(node, 999) as { error: string }).error, `no table with id 999 exists on ${node.name}`);
  });
});

// How many records `read` walks or copies: steps of a Map's values iterator, and elements copied out of an array of 10 000 or more.
function walked<T>(read: () => T): { value: T; walked: number } {
  const { values } = Map.prototype;
  const { slice } = Array.prototype;
  const from = Array.from;
  let n = 0;
  Map.prototype.values = function (this: Map<unknown, unknown>) {
    const it = values.call(this);
    return Object.assign(Object.create(it) as typeof it, { next: () => (n++, it.next()), [Symbol.iterator]() { return this; } });
  };
  Array.prototype.slice = function (this: unknown[], ...args: [number?, number?]) {
    const out = slice.apply(this, args);
    if (this.length >= 10_000) n += out.length;
    return out;
  };
  Array.from = function (this: unknown, ...args: Parameters<typeof from>) {
    const out = from.apply(this, args as never) as unknown[];
    if (out.length >= 10_000) n += out.length;
    return out;
  } as typeof from;
  try {
    return { value: read(), walked: n };
  } finally {
    Object.assign(Map.prototype, { values });
    Object.assign(Array.prototype, { slice });
    Array.from = from;
  }
}

test('the list of tables and a page of a 200 000-row table read the rows they show (and a sample), never a copy of the table, in every table type', async () => {
  await withNode(async (node) => {
    const ROWS = 200_000;
    await new Promise<void>((ready) => {
      node.spawn(async (ctx) => {
        for (const type of ['set', 'orderedSet', 'bag'] as const) {
          const t = ctx.newTable<[number, string]>({ name: `big_${type}`, access: 'public', type });
          // A bag holds two records under each key: a page may start inside a key's records.
          for (let i = 0; i < ROWS; i++) t.insert([type === 'bag' ? i >> 1 : i, `v${i}`]);
        }
        ready();
        await idle(ctx);
      });
    });
    const list = walked(() => tablePage(node));
    assert.deepEqual(list.value.tables.map((t) => [t.name, t.size]), [['big_set', ROWS], ['big_orderedSet', ROWS], ['big_bag', ROWS]]);
    assert.ok(list.walked <= 3 * 1000 + 100, `the list walked ${list.walked} records of 3 tables of ${ROWS}`);
    for (const t of list.value.tables) {
      const first = walked(() => tableRows(node, t.id, 0, 50));
      assert.ok(first.value.ok);
      assert.equal(first.value.size, ROWS);
      assert.deepEqual(first.value.rows.slice(0, 3), t.type === 'bag' ? ['[0, "v0"]', '[0, "v1"]', '[1, "v2"]'] : ['[0, "v0"]', '[1, "v1"]', '[2, "v2"]']);
      assert.ok(first.walked <= 100, `the first page of ${t.name} walked ${first.walked} records`);
      const deep = walked(() => tableRows(node, t.id, 1001, 50));
      assert.ok(deep.value.ok);
      assert.deepEqual([deep.value.rows.length, deep.value.rows[0], deep.value.rows[49]], [50, t.type === 'bag' ? '[500, "v1001"]' : '[1001, "v1001"]', t.type === 'bag' ? '[525, "v1050"]' : '[1050, "v1050"]']);
      assert.ok(deep.walked <= 1100, `a page at 1001 of ${t.name} walked ${deep.walked} records`);
      const last = tableRows(node, t.id, ROWS - 10, 50);
      assert.ok(last.ok);
      assert.equal(last.rows.length, 10);
    }
  });
});

test('a message or a record that cannot be read (a revoked Proxy, traps or a getter that throw) leaves the process table, the process and the list of tables working', async () => {
  // Without isolation (the prod profile) a local send passes the object itself, as a table insert keeps it.
  const was = setMessageIsolation(false);
  try {
    await withNode(async (node) => {
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const boom = () => {
        throw new Error('closed session');
      };
      const hostile = [revoked.proxy, new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom }), Object.defineProperty({}, 'lazy', { get: boom, enumerable: true })];
      const sink = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')), { name: 'hostile_sink' });
      for (const m of hostile) node.send(sink, { m });
      await new Promise<void>((ready) => {
        node.spawn(async (ctx) => {
          const t = ctx.newTable<[number, unknown]>({ name: 'hostile_rows', access: 'public' });
          hostile.forEach((m, i) => t.insert([i, m]));
          ready();
          await idle(ctx);
        });
      });
      await tick();
      const page = processPage(node, { sort: 'memory', dir: 'desc' });
      assert.equal(page.rows.find((r) => r.name === 'hostile_sink')?.mailbox, 3);
      const details = await processDetails(node, 'hostile_sink');
      assert.ok(details.ok && details.details.mailboxLength === 3 && details.details.memory > 0, JSON.stringify(details));
      const table = tablePage(node).tables.find((t) => t.name === 'hostile_rows');
      assert.equal(table?.size, 3);
      assert.ok(table!.memory > 0);
      const rows = tableRows(node, table!.id);
      assert.ok(rows.ok && rows.rows.length === 3, JSON.stringify(rows));
    });
  } finally {
    setMessageIsolation(was);
  }
});

test("a table's rows made in another realm (as otp shell's lines make them) show their maps, sets, dates, errors and objects as this realm's do", async () => {
  await withNode(async (node) => {
    const here = [new Map([[1, new Set([2])]]), new Date(0), new TypeError('bad'), { a: 1 }];
    const there = runInNewContext("[new Map([[1, new Set([2])]]), new Date(0), new TypeError('bad'), { a: 1 }]") as unknown[];
    assert.ok(!(there[0] instanceof Map), 'the values come from another realm');
    node.spawn(async (ctx) => {
      const t = ctx.newTable<[string, unknown]>({ name: 'realms', access: 'public' });
      t.insert(['here', here]);
      t.insert(['there', there]);
      await idle(ctx);
    });
    await tick();
    const id = tablePage(node).tables.find((t) => t.name === 'realms')!.id;
    const page = tableRows(node, id);
    assert.ok(page.ok);
    assert.deepEqual(page.rows, ['["here", [Map{1 => Set(1) {…}}, 1970-01-01T00:00:00.000Z, TypeError: bad, { a: 1 }]]', '["there", [Map{1 => Set(1) {…}}, 1970-01-01T00:00:00.000Z, TypeError: bad, { a: 1 }]]']);
  });
});

test("a gen_server state's symbol-keyed fields show on the process page as Node's inspect shows them, after its string keys", async () => {
  await withNode(async (node) => {
    const k = Symbol('k');
    const hidden = Symbol('hidden');
    const state = Object.defineProperty({ [k]: 1, s: 2 }, hidden, { value: 3, enumerable: false });
    const holder: GenServer<typeof state, string, never, string, void> = { init: () => ok(state), handleCall: (m, _f, st) => reply(m, st) };
    const server = await node.run((ctx) => genServer.start(ctx, holder, undefined));
    const details = await processDetails(node, String(server));
    assert.ok(details.ok);
    assert.equal(details.details.state, '{ s: 2, [Symbol(k)]: 1 }');
  });
});

test("actions are carried out and logged with the observer's identity; suspend needs a sys process", async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    const echo: GenServer<number, string, never, string, void> = { init: () => ok(0), handleCall: (m, _f, s) => reply(m, s + 1) };
    const server = await node.run((ctx) => genServer.start(ctx, echo, undefined));
    node.register('echo', server);
    const plain = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')), { name: 'plain' });
    assert.deepEqual(await act(node, { action: 'send', target: 'plain', by: 'ana@laptop', message: { hello: 1 } }), { ok: true });
    assert.equal(node.processInfo(plain)!.messageQueueLen, 1);
    assert.deepEqual(await act(node, { action: 'suspend', target: 'plain', by: 'ana@laptop' }), { ok: false, error: `${String(plain)} is a plain process: only processes that speak sys (behaviours) can be suspended and resumed` });
    assert.deepEqual(await act(node, { action: 'suspend', target: 'echo', by: 'ana@laptop' }), { ok: true });
    assert.equal(await node.run((ctx) => genServer.call(ctx, server, 'hi', 100).then(() => 'answered', () => 'no answer')), 'no answer');
    assert.deepEqual(await act(node, { action: 'resume', target: 'echo', by: 'ana@laptop' }), { ok: true });
    assert.equal(await node.run((ctx) => genServer.call(ctx, server, 'hi', 1000)), 'hi');
    assert.deepEqual(await act(node, { action: 'kill', target: 'plain', by: 'ana@laptop via otp_cli_1@127.0.0.1' }), { ok: true });
    await tick();
    assert.equal(node.isAlive(plain), false);
    assert.deepEqual(await act(node, { action: 'kill', target: 'ecko', by: 'x' }), { ok: false, error: `no process is registered as 'ecko' on ${node.name} (closest: echo)` });
    const lines = logs.filter((e) => e.meta.module === 'otp_observer').map((e) => `${e.level} ${String(e.message)}`);
    assert.deepEqual(lines, [
      `notice otp observer (ana@laptop): send { hello: 1 } to ${String(plain)}`,
      `notice otp observer (ana@laptop): suspend ${String(server)}`,
      `notice otp observer (ana@laptop): resume ${String(server)}`,
      `notice otp observer (ana@laptop via otp_cli_1@127.0.0.1): kill ${String(plain)} with reason "kill"`,
    ]);
  });
});

test("a kill with reason 'normal' of a process that does not trap exits is refused, saying it would leave it running; one that traps exits gets it as a message", async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const plain = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')), { name: 'normal_plain' });
    assert.deepEqual(await act(node, { action: 'kill', target: 'normal_plain', by: 'x', reason: 'normal' }), { ok: false, error: `${String(plain)} does not trap exits, so an exit signal with reason 'normal' leaves it running: give another reason, such as kill or shutdown` });
    assert.equal(node.isAlive(plain), true);
    let got: unknown;
    const trapping = node.spawn(async (ctx) => {
      ctx.trapExit(true);
      got = await ctx.receive();
    }, { name: 'normal_trapping' });
    await tick();
    assert.deepEqual(await act(node, { action: 'kill', target: 'normal_trapping', by: 'x', reason: 'normal' }), { ok: true });
    await waitFor('the exit message', () => got, { ms: 10_000 });
    assert.equal(node.isAlive(trapping), false);
    assert.deepEqual(await act(node, { action: 'kill', target: 'normal_plain', by: 'x', reason: 'shutdown' }), { ok: true });
    await waitFor('the kill', () => !node.isAlive(plain), { ms: 10_000 });
  });
});

test('the overview samples the event loop and the work done since the previous sample', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: () => Promise<{ node: string; processes: number; elu: number; reductionsPerS: number; memory: { heapUsed: number }; delay: { p99: number } | null }> };
    const first = await observer.overview();
    assert.equal(first.processes, node.processCount);
    assert.ok(first.memory.heapUsed > 0);
    const worker = node.spawn(async (ctx) => {
      for (let i = 0; i < 2000; i++) await ctx.sleep(0);
    });
    while (node.isAlive(worker)) await tick();
    const second = await observer.overview();
    assert.ok(second.reductionsPerS > 0, JSON.stringify(second));
    assert.ok(second.elu >= 0 && second.elu <= 1);
    assert.ok(second.delay === null || second.delay.p99 >= 0);
  });
});

test("the overview's first sample gives the event-loop delay and the rates as not measured yet (null), not 0; the next samples measure them", async () => {
  await withNode(async (node) => {
    type Sample = { delay: { p99: number; max: number } | null; reductionsPerS: number | null; messages: { deliveredPerS: number | null; sentPerS: number | null } };
    const observer = observerRpcModule(node) as { overview: () => Promise<Sample> };
    const first = await observer.overview();
    assert.deepEqual([first.delay, first.reductionsPerS, first.messages], [null, null, { deliveredPerS: null, sentPerS: null }]);
    // The delay histogram samples every 100 ms: asked again until a sample has come (each answer is a window of its own).
    const next = await waitFor('a sample with the event-loop delay measured', async () => {
      const o = await observer.overview();
      return o.delay ? o : undefined;
    }, { ms: 30_000, everyMs: 150 });
    assert.ok(next.delay!.p99 >= 0 && next.delay!.max >= next.delay!.p99, JSON.stringify(next));
    assert.equal(typeof next.reductionsPerS, 'number');
    assert.equal(typeof next.messages.deliveredPerS, 'number');
  });
});

test('the overview counts the work of processes that exited since the previous sample: short-lived workers are work done', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: () => Promise<{ reductionsPerS: number }> };
    const from = performance.now();
    await observer.overview();
    // Ten workers of 500 reductions each, all gone before the next sample.
    const workers = Array.from({ length: 10 }, () =>
      node.spawn(async (ctx) => {
        for (let i = 0; i < 500; i++) await ctx.sleep(0);
      }),
    );
    while (workers.some((w) => node.isAlive(w))) await tick();
    const second = await observer.overview();
    const window = performance.now() - from;
    // The rate is over a span within `window`: the work it stands for is at least the workers'.
    assert.ok((second.reductionsPerS * window) / 1000 >= 5000, `${second.reductionsPerS} reductions/s over ${window.toFixed(0)} ms`);
  });
});

test('two viewers of one node (two otp observer) each get the rates since their own previous sample, not a window split with the other', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: (viewer?: string) => Promise<{ reductionsPerS: number | null }> };
    const from = performance.now();
    await observer.overview('viewer-a');
    const worker = node.spawn(async (ctx) => {
      for (let i = 0; i < 5000; i++) await ctx.sleep(0);
    });
    while (node.isAlive(worker)) await tick();
    // The other viewer's first sample: not measured yet for it, and it takes nothing from viewer-a's window.
    assert.equal((await observer.overview('viewer-b')).reductionsPerS, null, "viewer-b's first sample has no previous one of its own");
    const a = await observer.overview('viewer-a');
    const window = performance.now() - from;
    assert.ok((a.reductionsPerS! * window) / 1000 >= 5000, `viewer-a saw ${a.reductionsPerS} reductions/s over ${window.toFixed(0)} ms, not the worker's 5000`);
  });
});

test('the overview lists an application started or stopped since the previous sample, not one 10 s old', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const observer = observerRpcModule(node) as { overview: () => Promise<{ versions: { apps: Array<{ name: string; vsn: string }> } }> };
    const apps = async () => (await observer.overview()).versions.apps.map((a) => `${a.name} ${a.vsn}`);
    assert.deepEqual(await apps(), []);
    const emptySup = { init: () => ({ flags: { strategy: 'oneForOne' as const }, children: [] }) };
    await node.run((ctx) => application.load(ctx, { name: 'obs_fresh', vsn: '1.2.3', mod: { start: (_t, _a, c) => supervisor.startLink(c, emptySup, undefined) } }));
    await node.run((ctx) => application.start(ctx, 'obs_fresh'));
    assert.deepEqual(await apps(), ['obs_fresh 1.2.3'], 'started since the previous sample');
    await node.run((ctx) => application.stop(ctx, 'obs_fresh'));
    assert.deepEqual(await apps(), [], 'stopped since the previous sample');
  });
});

test("the overview's event-loop delay is the loop's lateness, without the sampling timer's own interval", () => {
  // monitorEventLoopDelay at 100 ms records 100 ms and more for every turn: an idle loop's samples.
  const idle = createHistogram();
  for (const ms of [100.2, 100.4, 100.3, 101]) idle.record(Math.round(ms * 1e6));
  const d = loopDelay(idle, 100);
  assert.ok(d.max > 0.9 && d.max < 1.1, `an idle loop is at most 1 ms late, not ${d.max} ms`);
  assert.ok(d.mean > 0.3 && d.mean < 0.6, String(d.mean));
  // A turn held for 250 ms: 250 ms late.
  const held = createHistogram();
  held.record(Math.round(350 * 1e6));
  assert.ok(Math.abs(loopDelay(held, 100).p99 - 250) < 2, JSON.stringify(loopDelay(held, 100)));
  assert.deepEqual(loopDelay(createHistogram(), 100), { mean: 0, p99: 0, max: 0 });
});

test('a process named by something like a pid that is none is refused with the form a pid takes (otp info, the observer, otp profile)', async () => {
  await withNode(async (node) => {
    const named = node.spawn(idle, { name: 'named_one' });
    const refusal = async (target: string) => {
      const r = await processDetails(node, target);
      assert.equal(r.ok, false, target);
      return (r as { error: string }).error;
    };
    assert.equal(await refusal('<0.42>'), "'<0.42>' is not a pid: write a pid as the node prints it, <0.N.M>, e.g. <0.42.0>, quoted in a shell, or give a registered name");
    assert.equal(await refusal('<0.11.0'), "'<0.11.0' is not a pid: write a pid as the node prints it, <0.N.M> (here '<0.11.0>'), quoted in a shell, or give a registered name");
    // What a shell leaves of an unquoted <0.11.0>.
    assert.equal(await refusal('0.11.0'), "'0.11.0' is not a pid: write a pid as the node prints it, <0.N.M> (here '<0.11.0>'), quoted in a shell, or give a registered name");
    assert.match(await refusal('named_on'), /^no process is registered as 'named_on' on .* \(closest: named_one\)$/);
    assert.deepEqual(await act(node, { action: 'kill', target: '<0.1>', by: 'x' }), { ok: false, error: "'<0.1>' is not a pid: write a pid as the node prints it, <0.N.M>, e.g. <0.42.0>, quoted in a shell, or give a registered name", badTarget: true }, 'bad input: the observer answers 400');
    assert.equal((await processDetails(node, String(named))).ok, true);
  });
});

test("the supervision tree (the observer's Applications view, every 2 s) reads the application masters and their trees, not every process's full info", async () => {
  await withNode(async (node) => {
    quietLogs(node);
    for (let i = 0; i < 10_000; i++) node.spawn(idle);
    const emptySup = { init: () => ({ flags: { strategy: 'oneForOne' as const }, children: [] }) };
    await node.run((ctx) => application.load(ctx, { name: 'obs_tree', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, emptySup, undefined, { name: 'obs_tree_sup' }) } }));
    await node.run((ctx) => application.start(ctx, 'obs_tree'));
    const read = node.processInfo.bind(node);
    let infos = 0;
    node.processInfo = (pid) => (infos++, read(pid));
    const tree = await supervisionTree(node);
    assert.ok(tree.ok);
    assert.deepEqual(tree.apps.map((a) => [a.label, a.children.map((c) => c.name)]), [['obs_tree', ['obs_tree_sup']]]);
    assert.ok(infos < 100, `the full info of ${infos} processes was read for a tree of 3, beside 10 000 idle ones`);
  });
});

test("the observer's tree of a simpleOneForOne pool holds its first 40 children and a count of the rest, not every child", async () => {
  await withNode(async (node) => {
    quietLogs(node);
    const worker: GenServer<void, 'ping', never, 'pong', void> = { init: () => ok(undefined), handleCall: (_m, _f, s) => reply('pong' as const, s) };
    const pool = { init: () => ({ flags: { strategy: 'simpleOneForOne' as const }, children: [{ id: 'w', start: (c: ProcessContext) => genServer.startLink(c, worker, undefined) }] }) };
    await node.run((ctx) => application.load(ctx, { name: 'obs_pool', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, pool, undefined, { name: 'obs_pool_sup' }) } }));
    await node.run((ctx) => application.start(ctx, 'obs_pool'));
    await node.run(async (ctx) => {
      for (let i = 0; i < 300; i++) await supervisor.startChild(ctx, 'obs_pool_sup', []);
    });
    const observer = observerRpcModule(node) as { tree: () => Promise<{ ok: boolean; apps: Array<{ children: Array<{ name?: string; children: unknown[]; more?: number }> }> }> };
    const tree = await observer.tree();
    assert.ok(tree.ok);
    const sup = tree.apps[0]!.children[0]!;
    assert.equal(sup.name, 'obs_pool_sup');
    assert.equal(sup.children.length, 40, 'the first 40 children');
    assert.equal(sup.more, 260, 'and how many more');
    const whole = await supervisionTree(node);
    assert.ok(whole.ok);
    assert.equal(whole.apps[0]!.children[0]!.children.length, 300, 'otp tree still lists every child');
  });
});

test('with message isolation on, reading a supervisor state through sys (otp tree, otp observer) leaves it able to restart its children', async () => {
  const was = setMessageIsolation(true);
  try {
    await withNode(async (node) => {
      quietLogs(node);
      const worker: GenServer<number, 'ping', never, 'pong', void> = { init: () => ok(0), handleCall: (_m, _f, s) => reply('pong' as const, s) };
      // Its parent stays alive: a supervisor goes down with its parent.
      const sup = await new Promise<Pid>((started) =>
        node.spawn(async (ctx) => {
          started(await supervisor.startLink(ctx, { init: () => ({ strategy: 'oneForOne', intensity: 5, period: 10, children: [{ id: 'w', start: (c: ProcessContext) => genServer.startLink(c, worker, undefined, { name: 'observed_w' }) }] }) }, undefined));
          await idle(ctx);
        }),
      );
      const tree = await supervisionTree(node);
      assert.ok(tree.ok);
      const before = node.whereis('observed_w')!;
      assert.equal((await processDetails(node, String(sup))).ok, true);
      node.exit(before, 'kill');
      for (let i = 0; i < 1000 && (node.whereis('observed_w') === undefined || node.whereis('observed_w') === before); i++) await tick();
      assert.notEqual(node.whereis('observed_w'), undefined, 'the supervisor restarted its child');
      assert.notEqual(node.whereis('observed_w'), before);
      assert.equal(node.isAlive(sup), true);
      const state = await node.run((ctx) => sys.getState<{ children: unknown[] }>(ctx, sup));
      assert.equal(Object.isFrozen(state.children), false, "the supervisor's own state stays its own");
    });
  } finally {
    setMessageIsolation(was);
  }
});

test('the node counts the messages its processes send and its mailboxes receive, and the overview gives their rates', async () => {
  await withNode(async (node) => {
    const observer = observerRpcModule(node) as { overview: () => Promise<{ messages: { deliveredPerS: number | null; sentPerS: number | null } }> };
    // Near the counters' wrap (they stay small integers): the rates come out right across it.
    node.messagesDelivered = 0x3fffffff - 5;
    node.messagesSent = 0x3fffffff - 5;
    const first = await observer.overview();
    assert.deepEqual(first.messages, { deliveredPerS: null, sentPerS: null }, 'the first sample has nothing to compare with');
    const [delivered, sent] = [node.messagesDelivered, node.messagesSent];
    const sink = node.spawn(async (ctx) => {
      for (let i = 0; i < 100; i++) await ctx.receive();
    });
    node.spawn(async (ctx) => {
      for (let i = 0; i < 100; i++) ctx.send(sink, i);
    });
    while (node.isAlive(sink)) await tick();
    assert.equal((node.messagesSent - sent) & 0x3fffffff, 100, 'a send by a process counts once');
    assert.equal((node.messagesDelivered - delivered) & 0x3fffffff, 100, 'a delivery counts once');
    assert.ok(node.messagesDelivered < delivered, 'the counter wrapped');
    const second = await observer.overview();
    // 100 messages since the first sample, however long that took: above 0, and far below what a wrong wrap would give.
    assert.ok(second.messages.deliveredPerS! > 0 && second.messages.sentPerS! > 0 && second.messages.sentPerS! <= 100_000, JSON.stringify(second.messages));
  });
});

test('a page of a sorted process table is the same whether the node keeps its first rows in a heap or sorts every process, and the chunked pass gives it too', async () => {
  await withNode(async (node) => {
    const pids: Pid[] = [];
    // Processes that keep their messages: mailboxes of 0 to 12 messages, many ties, broken by pid.
    for (let i = 0; i < 6000; i++) pids.push(node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never'))));
    pids.forEach((pid, i) => {
      for (let m = 0; m < (i * 7919) % 13; m++) node.send(pid, m);
    });
    await tick();
    const serialOf = (pid: string) => Number(/^<0\.(\d+)\.\d+>$/.exec(pid)![1]);
    const rows: ReturnType<typeof processPage>['rows'] = [];
    for (let offset = 0; offset < 6000; offset += 500) rows.push(...processPage(node, { sort: 'pid', offset, limit: 500 }).rows);
    assert.equal(rows.length, node.processCount);
    assert.deepEqual(rows.map((r) => serialOf(r.pid)), [...rows.map((r) => serialOf(r.pid))].sort((a, b) => a - b), 'by pid, in spawn order');
    for (const dir of ['asc', 'desc'] as const) {
      const expected = [...rows].sort((a, b) => (a.mailbox - b.mailbox) * (dir === 'asc' ? 1 : -1) || serialOf(a.pid) - serialOf(b.pid)).map((r) => r.pid);
      // Offsets 0 and 4900 are selected with the heap (at most 5000 leading rows), 5500 by sorting every process.
      for (const offset of [0, 4900, 5500]) {
        const page = processPage(node, { sort: 'mailbox', dir, offset, limit: 100 });
        assert.deepEqual(page.rows.map((r) => r.pid), expected.slice(offset, offset + 100), `mailbox ${dir} from ${offset}`);
        const chunked = await (observerRpcModule(node) as { processes: (q: unknown) => Promise<typeof page> }).processes({ sort: 'mailbox', dir, offset, limit: 100 });
        assert.deepEqual(chunked.rows.map((r) => r.pid), expected.slice(offset, offset + 100), 'the chunked pass gives the same page');
      }
      const byPid = processPage(node, { sort: 'pid', dir, offset: 100, limit: 50 }).rows.map((r) => r.pid);
      const pidOrder = rows.map((r) => r.pid);
      assert.deepEqual(byPid, (dir === 'asc' ? pidOrder : [...pidOrder].reverse()).slice(100, 150), `pid ${dir}`);
    }
  });
});

test('a page sorted by a figure that changes while the chunked pass runs shows the figures it was sorted by: the sorted column reads in order', async () => {
  await withNode(async (node) => {
    const keep = async (ctx: ProcessContext) => void (await ctx.receive((m) => m === 'never'));
    const [steady, growing] = [node.spawn(keep, { name: 'obs_steady' }), node.spawn(keep, { name: 'obs_growing' })];
    for (let i = 0; i < 10; i++) node.send(steady, i);
    for (let i = 0; i < 5; i++) node.send(growing, i);
    // Enough processes after them for the pass to take turns of the event loop after it read their mailboxes.
    for (let i = 0; i < 5000; i++) node.spawn(idle);
    await tick();
    const asked = (observerRpcModule(node) as { processes: (q: unknown) => Promise<ReturnType<typeof processPage>> }).processes({ sort: 'mailbox', dir: 'desc', limit: 5 });
    // While the pass is at the later processes, the second one's mailbox grows past the first's.
    for (let i = 0; i < 20; i++) node.send(growing, i);
    const page = await asked;
    assert.deepEqual(page.rows.slice(0, 2).map((r) => r.name), ['obs_steady', 'obs_growing'], 'ordered by the mailboxes the pass read');
    const shown = page.rows.map((r) => r.mailbox);
    assert.deepEqual(shown, [...shown].sort((a, b) => b - a), `the mailbox column of a page sorted by it reads in order: ${shown.join(', ')}`);
  });
});

test('a node that loads only the main entry serves otp_observer and otp_trace: otp observer and otp top reach any node', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  // Its own OS process, so that nothing but '@otp-ts/runtime' is loaded in it.
  const source = `import { createNode } from '@otp-ts/runtime'; const n = createNode(); await n.startDistribution({ name: 'observe_entry@127.0.0.1', cookie: 'observe-entry', epmdPort: ${port}, log: () => {} }); console.log('up'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', `${root}scripts/register-ts.mjs`, '--input-type=module', '-e', source], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => /up/.test(c.toString()) && resolve());
      child.once('exit', (code) => reject(new Error(`the node exited with ${code}`)));
    });
    await withNode(async (node) => {
      await node.startDistribution({ name: 'observe_entry_tool@127.0.0.1', cookie: 'observe-entry', epmdPort: port, hidden: true, log: () => {} });
      const overview = (await node.run((ctx) => rpc.call(ctx, 'observe_entry@127.0.0.1', 'otp_observer', 'overview', []))) as { node: string };
      assert.equal(overview.node, 'observe_entry@127.0.0.1');
      assert.deepEqual(await node.run((ctx) => rpc.call(ctx, 'observe_entry@127.0.0.1', 'otp_trace', 'sessions', [])), []);
    });
  } finally {
    child.kill('SIGKILL');
    await epmd.close();
  }
});
