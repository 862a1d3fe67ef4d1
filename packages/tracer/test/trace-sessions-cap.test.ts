// Trace sessions are capped on the traced node: a client that opens sessions in a loop is refused past its share
// (and the node past its total) with one sentence, and a client that leaves takes its sessions with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type OtpNode } from '@otp-ts/runtime';
import { connect, TracerError, type Connection } from '@otp-ts/tracer';
import { EpmdServer, MAX_TRACE_SESSIONS, traceAgentOf } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

let epmd: EpmdServer;
let node: OtpNode;
const NODE = 'trace_cap@127.0.0.1';

before(async () => {
  epmd = new EpmdServer();
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
  node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: NODE, cookie: 'secret', log: () => {} });
});

after(async () => {
  node.shutdown();
  await epmd.close();
});

const client = (n: number): Promise<Connection> => connect({ node: NODE, cookie: 'secret', name: `trace_cap_client${n}@127.0.0.1` });

// A session that lasts until stopped or its client leaves: process events of one idle process.
const spec = (pid: string) => ({ procs: true, pids: [pid], timeMs: 600_000 });

async function refusedBusy(c: Connection, pid: string, message: RegExp): Promise<void> {
  await assert.rejects(c.trace(spec(pid), () => {}), (e: unknown) => {
    assert.ok(e instanceof TracerError, String(e));
    assert.equal(e.code, 'busy');
    assert.equal(e.isUsage, false);
    assert.match(e.message, message);
    return true;
  });
}

test('a client opening trace sessions in a loop is refused past its share and the node past its total, each in one sentence; a client that leaves takes its sessions with it', { timeout: 120_000 }, async () => {
  const idle = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')));
  const pid = idle.toString();
  const agent = traceAgentOf(node);
  const clients: Connection[] = [];
  try {
    const greedy = await client(0);
    clients.push(greedy);
    for (let i = 0; i < MAX_TRACE_SESSIONS.perClient; i++) await greedy.trace(spec(pid), () => {});
    await refusedBusy(greedy, pid, /^this client already runs 8 trace sessions on trace_cap@127\.0\.0\.1, the most one client may: stop one of them/);
    assert.equal(agent.list().length, MAX_TRACE_SESSIONS.perClient);
    // Other clients are not locked out by the greedy one, up to the node's total.
    for (let n = 1; agent.list().length < MAX_TRACE_SESSIONS.total; n++) {
      const c = await client(n);
      clients.push(c);
      for (let i = 0; i < MAX_TRACE_SESSIONS.perClient && agent.list().length < MAX_TRACE_SESSIONS.total; i++) await c.trace(spec(pid), () => {});
    }
    const late = await client(99);
    clients.push(late);
    await refusedBusy(late, pid, /^trace_cap@127\.0\.0\.1 already runs 32 trace sessions, the most it runs at once: stop one/);
    // The greedy client leaves: the node removes its sessions, and there is room again.
    greedy.close();
    await waitFor("the greedy client's sessions to be removed", () => agent.list().length === MAX_TRACE_SESSIONS.total - MAX_TRACE_SESSIONS.perClient, { ms: 30_000, everyMs: 20 });
    await late.trace(spec(pid), () => {});
  } finally {
    for (const c of clients) c.close();
    node.exit(idle, 'kill');
  }
  await waitFor('every session to be removed', () => agent.list().length === 0 && node.trace === null, { ms: 30_000, everyMs: 20 });
});
