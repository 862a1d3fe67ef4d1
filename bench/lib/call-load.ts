// A load generator for a running node: client processes on a hidden node of this OS process call a
// gen_server over distribution in a loop. Each client bumps its own key, so every answer must be the
// previous one plus one: a lost call, a call handled twice or a reply delivered twice shows up.
// Used by `npm run demo`, the release end-to-end tests and bench/release.
import { createNode, genServer, TIMEOUT, type OtpNode, type ProcessContext, type ServerRef } from '@otp-ts/runtime';

/** Where the load goes. */
export interface LoadOptions {
  /** The node, as name@host. */
  node: string;
  cookie: string;
  /** The registered name of a gen_server answering `{ op: 'bump', key, by }` with the key's new count. */
  server: string;
  /** Concurrent callers (default 4). */
  clients?: number;
  /** Each call's timeout (default 10 s). */
  timeoutMs?: number;
}

/** What the load saw. */
export interface LoadCounts {
  ok: number;
  failed: number;
  /** Answers that were not the previous count plus one (a lost or repeated call). */
  outOfOrder: number;
  /** Replies that arrived after their call had been answered (a duplicated answer). */
  duplicated: number;
  /** The slowest call, in ms. */
  maxLatencyMs: number;
  /** The first failures' messages. */
  errors: string[];
  /** Calls per second over the load's life. */
  perSecond: number;
}

/** A running load: its counts so far, and stop (which waits for the calls in flight). */
export interface Load {
  counts(): LoadCounts;
  stop(): Promise<LoadCounts>;
}

/** Starts calling `server` on `node` from `clients` processes until stopped. */
export async function startLoad(options: LoadOptions): Promise<Load> {
  const tool: OtpNode = createNode({ onCrash: () => {} });
  await tool.startDistribution({ name: `load_${process.pid}_${Math.floor(Math.random() * 1e6)}@${options.node.split('@')[1]}`, cookie: options.cookie, hidden: true, log: () => {} });
  const counts: LoadCounts = { ok: 0, failed: 0, outOfOrder: 0, duplicated: 0, maxLatencyMs: 0, errors: [], perSecond: 0 };
  const server = { name: options.server, node: options.node } as unknown as ServerRef<{ op: 'bump'; key: string; by: number }, never, number>;
  const started = performance.now();
  let running = true;
  const client = async (ctx: ProcessContext, i: number): Promise<void> => {
    const key = `load_${process.pid}_${i}`;
    let last: number | undefined;
    while (running) {
      const t0 = performance.now();
      try {
        const n = await genServer.call(ctx, server, { op: 'bump', key, by: 1 }, options.timeoutMs ?? 10_000);
        counts.maxLatencyMs = Math.max(counts.maxLatencyMs, performance.now() - t0);
        if (last !== undefined && n !== last + 1) counts.outOfOrder++;
        last = n;
        counts.ok++;
      } catch (error) {
        counts.failed++;
        if (counts.errors.length < 5) counts.errors.push((error as Error).message);
        last = undefined;
      }
    }
    // A reply delivered twice would still be waiting here.
    await new Promise((r) => setTimeout(r, 50));
    for (let m = ctx.receiveNow(); m !== TIMEOUT; m = ctx.receiveNow()) counts.duplicated++;
  };
  const done = Array.from({ length: options.clients ?? 4 }, (_, i) => tool.run((ctx) => client(ctx, i)));
  const snapshot = (): LoadCounts => ({ ...counts, errors: [...counts.errors], perSecond: counts.ok / ((performance.now() - started) / 1000) });
  return {
    counts: snapshot,
    async stop() {
      running = false;
      await Promise.all(done);
      const final = snapshot();
      tool.shutdown();
      return final;
    },
  };
}
