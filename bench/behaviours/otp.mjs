// The behaviour workloads on otp-ts. Usage: node --expose-gc otp.mjs WORKLOAD [REPS]  (prints one JSON line)
// OTP_RUNTIME: another copy of the runtime's entry to run instead (an A/B comparison of the same workload, see profile.mjs).
const { createNode, genServer, supervisor, ok, reply, noreply, loggerOf, isDown, setMessageIsolation, TIMEOUT } = await import(process.env.OTP_RUNTIME ?? '@otp-ts/runtime');
import { repeat } from '../runtime/repeat.mjs';
import { allocationSampler } from '../lib/alloc.mjs';

const now = () => performance.now();
const result = (ops, ms, extra = {}) => ({ ops, us: Math.round(ms * 1000), rate: ops / (ms / 1000), ...extra });

const server = {
  init: (n) => ok(n),
  handleCall: (_req, _from, s) => reply('pong', s),
  handleCast: (_req, s) => noreply(s + 1),
};

function onNode(fn) {
  return async () => {
    const node = createNode();
    loggerOf(node).setLevel('emergency');
    try {
      return await node.run(fn);
    } finally {
      node.shutdown();
    }
  };
}

const callSeq = onNode(async (ctx) => {
  const n = 1_000_000;
  const srv = await genServer.start(ctx, server, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) await genServer.call(ctx, srv, 'ping');
  return result(n, now() - t0);
});

// OTP's gen_server_SUITE call_with_huge_message_queue: a client with 200k messages waiting calls 2k times. A call
// passes over the messages that were waiting before its ref (the receive marker), so its cost stays a call's.
const callHugeQueue = onNode(async (ctx) => {
  const queue = 200_000;
  const n = 2_000;
  const srv = await genServer.start(ctx, server, 0);
  const me = ctx.self();
  for (let i = 0; i < queue; i++) ctx.send(me, { noise: i });
  // A queue that grew over time is old: collected first, the scavenges inside the calls do not copy and promote it.
  globalThis.gc();
  const t0 = now();
  for (let i = 0; i < n; i++) await genServer.call(ctx, srv, 'ping');
  return result(n, now() - t0);
});

const call100 = onNode(async (ctx) => {
  const clients = 100;
  const each = 10_000;
  const srv = await genServer.start(ctx, server, 0);
  const me = ctx.self();
  const t0 = now();
  for (let c = 0; c < clients; c++) {
    ctx.spawn(async (cc) => {
      for (let i = 0; i < each; i++) await genServer.call(cc, srv, 'ping');
      cc.send(me, 'done');
    });
  }
  for (let c = 0; c < clients; c++) await ctx.receive();
  return result(clients * each, now() - t0);
});

const cast = onNode(async (ctx) => {
  const n = 1_000_000;
  const srv = await genServer.start(ctx, server, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) genServer.cast(ctx, srv, 'inc');
  await genServer.call(ctx, srv, 'ping', Infinity);
  return result(n, now() - t0);
});

const restart = onNode(async (ctx) => {
  const n = 10_000;
  const sup = await supervisor.start(ctx, {
    init: () => ({ flags: { intensity: n + 10, period: 3600 }, children: [{ id: 'worker', start: (c) => genServer.startLink(c, server, 0, { name: 'bench_worker' }) }] }),
  }, undefined);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const old = ctx.whereis('bench_worker');
    ctx.exit(old, 'kill');
    let cur = ctx.whereis('bench_worker');
    while (cur === undefined || cur === old) {
      await ctx.sleep(0);
      await new Promise((r) => setImmediate(r));
      cur = ctx.whereis('bench_worker');
    }
  }
  const ms = now() - t0;
  void sup;
  return result(n, ms);
});

const idleServer = onNode(async (ctx) => {
  const n = 10_000;
  globalThis.gc();
  const m0 = process.memoryUsage().heapUsed;
  const t0 = now();
  const pids = new Array(n);
  for (let i = 0; i < n; i++) pids[i] = await genServer.start(ctx, server, 0);
  const ms = now() - t0;
  await ctx.sleep(1);
  globalThis.gc();
  const m1 = process.memoryUsage().heapUsed;
  return result(n, ms, { bytes_per_process: (m1 - m0 - n * 8) / n, alive: pids.filter((p) => ctx.isAlive(p)).length });
});

// start_warm: idle_server's 10k starts after two batches of 10k were started and killed in the same runtime, so the start
// path runs as compiled code in a grown heap: a node starting servers as it runs, where idle_server is a node's boot.
const startWarm = onNode(async (ctx) => {
  const n = 10_000;
  for (let batch = 0; batch < 2; batch++) {
    const first = new Array(n);
    for (let i = 0; i < n; i++) first[i] = await genServer.start(ctx, server, 0);
    for (const p of first) ctx.exit(p, 'kill');
    while (ctx.isAlive(first[n - 1])) await ctx.sleep(1);
  }
  globalThis.gc();
  const t0 = now();
  const pids = new Array(n);
  for (let i = 0; i < n; i++) pids[i] = await genServer.start(ctx, server, 0);
  return result(n, now() - t0, { alive: pids.filter((p) => ctx.isAlive(p)).length });
});

void isDown;
// Pipelined asynchronous requests: 100 in flight, each collected with waitResponse.
const sendRequest = onNode(async (ctx) => {
  const n = 200_000;
  const window = 100;
  const srv = await genServer.start(ctx, server, 0);
  const ids = new Array(window);
  const t0 = now();
  for (let done = 0; done < n; done += window) {
    for (let i = 0; i < window; i++) ids[i] = genServer.sendRequest(ctx, srv, 'ping');
    for (let i = 0; i < window; i++) await genServer.waitResponse(ctx, ids[i], Infinity);
  }
  return result(n, now() - t0);
});

// Memory per gen_server after each answered 3 calls that built some garbage, replying with or without
// the hibernate action (BEAM: erlang:memory(processes), where hibernation shrinks the process heap).
const afterCalls = (hibernate) =>
  onNode(async (ctx) => {
    const n = 10_000;
    const worker = {
      init: (s) => ok(s),
      handleCall: (_req, _from, s) => {
        const junk = Array.from({ length: 200 }, (_, i) => ({ i }));
        void junk;
        return hibernate ? reply('ok', s, 'hibernate') : reply('ok', s);
      },
    };
    globalThis.gc();
    const m0 = process.memoryUsage().heapUsed;
    const t0 = now();
    const pids = new Array(n);
    for (let i = 0; i < n; i++) pids[i] = await genServer.start(ctx, worker, 0);
    for (let r = 0; r < 3; r++) for (const p of pids) await genServer.call(ctx, p, 'work');
    const ms = now() - t0;
    await ctx.sleep(1);
    globalThis.gc();
    const m1 = process.memoryUsage().heapUsed;
    return result(n, ms, { bytes_per_process: (m1 - m0 - n * 8) / n, alive: pids.filter((p) => ctx.isAlive(p)).length });
  });

// 1M sends of a small nested object to one receiver, 1000 at a time (the receiver acknowledges each
// thousand), with message isolation off (prod) or on (dev/test); BEAM copies each into the receiver's heap.
const sendObject = (isolated) =>
  onNode(async (ctx) => {
    const n = 1_000_000;
    const window = 1000;
    const was = setMessageIsolation(isolated);
    try {
      const me = ctx.self();
      const rx = ctx.spawn(async (c) => {
        for (let got = 1; got <= n; got++) {
          if (c.receiveNow() === TIMEOUT) await c.receive();
          if (got % window === 0) c.send(me, 'ack');
        }
      });
      const t0 = now();
      for (let i = 0; i < n; ) {
        for (const end = i + window; i < end; i++) ctx.send(rx, { seq: i, item: { sku: 'a', qty: 1 }, tags: ['x', 'y'] });
        await ctx.receive((m) => m === 'ack');
      }
      return result(n, now() - t0);
    } finally {
      setMessageIsolation(was);
    }
  });

// The limits of this design under cast and start (issue 20): the same hand-offs without the gen_server layer.
// cast_bare: 1M plain sends of the same string to a process draining its mailbox, then one round trip (cast's shape).
const castBare = onNode(async (ctx) => {
  const n = 1_000_000;
  const me = ctx.self();
  const rx = ctx.spawn(async (c) => {
    for (;;) {
      let m = c.receiveNow();
      if (m === TIMEOUT) m = await c.receive();
      if (m === 'ping') c.send(me, 'pong');
    }
  });
  const t0 = now();
  for (let i = 0; i < n; i++) ctx.send(rx, 'inc');
  ctx.send(rx, 'ping');
  await ctx.receive((m) => m === 'pong');
  return result(n, now() - t0);
});

// start_bare: 10k idle processes spawned one after another, each acknowledging its start with one message
// before waiting in a receive (idle_server's hand-off without init, monitor, name checks or the loop).
const startBare = onNode(async (ctx) => {
  const n = 10_000;
  globalThis.gc();
  const me = ctx.self();
  const t0 = now();
  const pids = new Array(n);
  for (let i = 0; i < n; i++) {
    pids[i] = ctx.spawn((c) => {
      c.send(me, 'ack');
      return c.receive();
    });
    await ctx.receive();
  }
  return result(n, now() - t0, { alive: pids.filter((p) => ctx.isAlive(p)).length });
});

// call_alloc and start_alloc: the bytes a gen_server call and a gen_server start allocate, garbage included
// (bench/lib/alloc.mjs), sampled after a warm-up in the same runtime so the figure is the compiled path's.
const allocPer = (ops, sampler) => async (measured) => {
  const t0 = now();
  await sampler.start();
  await measured();
  const { allocated_bytes, top } = await sampler.stop();
  return result(ops, now() - t0, { bytes_per_op: allocated_bytes / ops, top: top.slice(0, 4).map((t) => ({ fn: t.fn, bytes_per_op: Math.round(t.bytes / ops) })) });
};

const callAlloc = onNode(async (ctx) => {
  const n = 100_000;
  const srv = await genServer.start(ctx, server, 0);
  for (let i = 0; i < n; i++) await genServer.call(ctx, srv, 'ping');
  return allocPer(n, allocationSampler())(async () => {
    for (let i = 0; i < n; i++) await genServer.call(ctx, srv, 'ping');
  });
});

const startAlloc = onNode(async (ctx) => {
  const n = 10_000;
  const startAll = async () => {
    const pids = new Array(n);
    for (let i = 0; i < n; i++) pids[i] = await genServer.start(ctx, server, 0);
    return pids;
  };
  for (const p of await startAll()) ctx.exit(p, 'kill');
  globalThis.gc();
  return allocPer(n, allocationSampler())(startAll);
});

const workloads = {
  cast_bare: castBare,
  start_bare: startBare,
  start_warm: startWarm,
  call_alloc: callAlloc,
  start_alloc: startAlloc,
  called_server: afterCalls(false),
  hibernated_server: afterCalls(true),
  send_object: sendObject(false),
  send_object_isolated: sendObject(true),
  send_request: sendRequest, call_seq: callSeq, call_huge_queue: callHugeQueue, call_100: call100, cast, restart, idle_server: idleServer };
const workload = process.argv[2];
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
const once = ['idle_server', 'called_server', 'hibernated_server', 'start_bare', 'start_warm', 'call_alloc', 'start_alloc'];
console.log(JSON.stringify(await repeat(workloads[workload], once.includes(workload) ? 1 : Number(process.argv[3] ?? 3))));
