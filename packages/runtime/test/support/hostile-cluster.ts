// The cluster the hostile-peer tests attack: a node a@127.0.0.1 (its distribution lines kept), a well-behaved node
// c@127.0.0.1 of its cluster, and their own port mapper; a raw client (raw-peer.ts) dials a's port.
import { createNode, type OtpNode } from '../../src/index.ts';
import type { DistributionOptions } from '../../src/distribution/node-dist.ts';
import { EpmdServer } from '../../src/distribution/epmd-server.ts';
import { lookup } from '../../src/distribution/epmd-client.ts';

/** The node under attack (a, its log lines kept), a well-behaved node of its cluster (c), their port mapper, and a's port. */
export interface Peer {
  a: OtpNode;
  c: OtpNode;
  logs: string[];
  epmdPort: number;
  /** a's distribution port, where the raw client dials. */
  port: number;
}

/**
 * Runs `body` against a node a@127.0.0.1 (cookie 'sekrit', its distribution lines in `logs`, `options` added to its
 * start) and a node c@127.0.0.1 of the same cluster, on a port mapper of their own; stops them all afterwards.
 */
export async function withPeer(body: (p: Peer) => Promise<void>, options: Partial<DistributionOptions> = {}): Promise<void> {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const c = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l), ...options });
    await c.startDistribution({ name: 'c@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const port = (await lookup('a', '127.0.0.1', epmdPort))!.port;
    await body({ a, c, logs, epmdPort, port });
  } finally {
    await a.shutdown();
    await c.shutdown();
    await epmd.close();
  }
}
