// Model-based test of gen_server's asynchronous requests with request id collections (issue 17; OTP 25's
// reqids_*): random sends to a few servers that hold their calls, releases, kills, and waits, receives and
// checks on the collection (with and without removing the answered request, polled or waited for), each
// answer compared with a model of which requests are answered. At the end every server answers what it
// still holds and the caller's mailbox must hold nothing: no reply or DOWN of an abandoned or answered request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { genServer, noreply, ok, reply, RuntimeError, TIMEOUT, type From, type GenServer, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { leftovers, quietLogs, withNode } from './helpers.ts';

const SERVERS = 3;
const WAIT = 30_000;

// Holds every call until a 'release' cast answers each with its request number; 'sync' answers at once.
const holder: GenServer<Array<[From<number>, number]>, number | 'sync', 'release', number, void> = {
  name: 'reqids_holder',
  init: () => ok([]),
  handleCall: (n, from, held) => (n === 'sync' ? reply(-1, held) : noreply([...held, [from, n]])),
  handleCast(_release, held) {
    for (const [from, n] of held) reply(from, n);
    return noreply([]);
  },
};

// 'either': released without waiting for the server, then killed: the reply or the death may come first.
type Status = 'held' | 'sent' | 'replied' | 'killed' | 'either' | 'consumed' | 'abandoned';
type Op =
  | { op: 'send'; server: number }
  | { op: 'release'; server: number; sync: boolean }
  | { op: 'kill'; server: number }
  | { op: 'wait' | 'receive' | 'check'; remove: boolean }
  | { op: 'poll'; receive: boolean }
  | { op: 'addAgain' };

const server = fc.integer({ min: 0, max: SERVERS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('send' as const), server }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('release' as const), server, sync: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('kill' as const), server }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constantFrom('wait' as const, 'receive' as const, 'check' as const), remove: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('poll' as const), receive: fc.boolean() }), weight: 2 },
  { arbitrary: fc.constant({ op: 'addAgain' as const }), weight: 1 },
);

type Collection = ReturnType<typeof genServer.reqIdsNew<number, string>>;
type Answer = Awaited<ReturnType<typeof genServer.waitResponse<number, string>>>;

async function run(ctx: ProcessContext, ops: Op[]): Promise<void> {
  const pids: Pid[] = [];
  for (let i = 0; i < SERVERS; i++) pids.push(await genServer.start(ctx, holder, undefined));
  // The model: each request's server and status; the collection's requests by number, in the order added.
  const requests = new Map<number, { server: number; status: Status }>();
  const inCollection = new Set<number>();
  const ids = new Map<number, ReturnType<typeof genServer.sendRequest<number | 'sync', 'release', number>>>();
  let coll: Collection = genServer.reqIdsNew();
  let next = 0;

  // Requests of the collection whose answer has been sent (or will be: a kill's DOWN).
  const ready = (): number[] => [...inCollection].filter((n) => ['sent', 'replied', 'killed', 'either'].includes(requests.get(n)!.status));
  // Checks an answer against the model and records it; returns the collection it came with.
  const took = (r: Answer, remove: boolean, what: string): void => {
    assert.ok(Array.isArray(r), `${what}: an answer was due (ready: ${ready().join(', ')}), got ${String(r)}`);
    const [response, label, rest] = r;
    const n = Number(label.slice(1));
    assert.ok(ready().includes(n), `${what}: answered request ${n}, which is not ready (ready: ${ready().join(', ')})`);
    const status = requests.get(n)!.status;
    if (status === 'replied' || status === 'sent' || (status === 'either' && response.type === 'reply')) assert.deepEqual(response, { type: 'reply', reply: n }, `${what}: request ${n} replied`);
    else assert.ok(response.type === 'error' && response.reason === 'killed', `${what}: request ${n} answered with its server's death, got ${JSON.stringify(response)}`);
    requests.get(n)!.status = 'consumed';
    if (remove) inCollection.delete(n);
    coll = rest;
  };

  for (const o of ops) {
    switch (o.op) {
      case 'send': {
        const n = next++;
        const id = genServer.sendRequest<number | 'sync', 'release', number>(ctx, pids[o.server]!, n);
        ids.set(n, id);
        coll = genServer.reqIdsAdd(coll, id, `r${n}`);
        requests.set(n, { server: o.server, status: 'held' });
        inCollection.add(n);
        break;
      }
      case 'release':
        genServer.cast(ctx, pids[o.server]!, 'release');
        // Once this call returns, the server has sent its answers (a kill after it cannot overtake them);
        // without it, the answers may still be on their way when the next step runs.
        if (o.sync) assert.equal(await genServer.call(ctx, pids[o.server]!, 'sync', WAIT), -1);
        for (const r of requests.values()) if (r.server === o.server && r.status === 'held') r.status = o.sync ? 'replied' : 'sent';
        break;
      case 'kill': {
        const ref = ctx.monitor(pids[o.server]!);
        ctx.exit(pids[o.server]!, 'kill');
        await ctx.receive((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === ref, WAIT);
        for (const r of requests.values()) {
          if (r.server === o.server && r.status === 'held') r.status = 'killed';
          if (r.server === o.server && r.status === 'sent') r.status = 'either';
        }
        pids[o.server] = await genServer.start(ctx, holder, undefined);
        break;
      }
      case 'addAgain': {
        const n = [...inCollection][0];
        if (n !== undefined) assert.throws(() => genServer.reqIdsAdd(coll, ids.get(n)!, 'again'), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
        break;
      }
      case 'wait':
      case 'receive':
      case 'check': {
        if (inCollection.size === 0) {
          assert.equal(o.op === 'check' ? genServer.checkResponse(ctx, 'anything', coll, o.remove) : await genServer[o.op === 'wait' ? 'waitResponse' : 'receiveResponse'](ctx, coll, WAIT, o.remove), 'noRequest');
          break;
        }
        if (ready().length === 0) break; // nothing can come: waiting would block
        if (o.op === 'check') {
          // The caller's own receive: only answers of the collection can be in the mailbox.
          const m = await ctx.receive(null, WAIT);
          assert.notEqual(m, TIMEOUT, 'an answer was due');
          took(genServer.checkResponse(ctx, m, coll, o.remove) as Answer, o.remove, 'checkResponse');
        } else {
          took(await genServer[o.op === 'wait' ? 'waitResponse' : 'receiveResponse'](ctx, coll, WAIT, o.remove), o.remove, `${o.op}Response`);
        }
        break;
      }
      case 'poll': {
        // A zero timeout while answers may still be on their way: an answer, or 'timeout'.
        if (inCollection.size === 0) break;
        const r = await genServer[o.receive ? 'receiveResponse' : 'waitResponse'](ctx, coll, 0);
        if (r === 'timeout') {
          if (o.receive) {
            // Every request of the collection is abandoned: none of their answers may reach the mailbox.
            for (const n of inCollection) requests.get(n)!.status = 'abandoned';
            inCollection.clear();
            coll = genServer.reqIdsNew();
          }
        } else {
          took(r, true, `poll (${o.receive ? 'receive' : 'wait'})`);
        }
        break;
      }
    }
    assert.equal(genServer.reqIdsSize(coll), inCollection.size, 'the collection holds the requests the model has');
  }
  // Drain: what is ready is taken; then every server answers what it holds, and a call to each makes sure its
  // answers were sent; the requests left are waited for; then nothing may be left in the mailbox.
  for (const p of pids) genServer.cast(ctx, p, 'release');
  for (const r of requests.values()) if (r.status === 'held') r.status = 'replied';
  for (const p of pids) assert.equal(await genServer.call(ctx, p, 'sync', WAIT), -1);
  while (inCollection.size > 0 && ready().length > 0) took(await genServer.waitResponse(ctx, coll, WAIT), true, 'drain');
  for (const p of pids) ctx.exit(p, 'kill');
  assert.deepEqual(await leftovers(ctx), [], 'no reply or DOWN is left in the mailbox');
}

test('gen_server_SUITE send_request (model): request id collections answer each request once, with its label, as a model of held, released, killed and abandoned requests says', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), (ops) => node.run((ctx) => run(ctx, ops))),
      { numRuns: 120 },
    );
  });
});

test('a server killed right after a release was delivered to it answers nothing: the request gets the death, and no late reply enters the mailbox', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      // The model test's shrunk counterexample: send to one server, kill another, release the first, kill it.
      const kill = async (p: Pid): Promise<void> => {
        const ref = ctx.monitor(p);
        ctx.exit(p, 'kill');
        await ctx.receive((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === ref, WAIT);
      };
      const other = await genServer.start(ctx, holder, undefined);
      const pid = await genServer.start(ctx, holder, undefined);
      let coll: Collection = genServer.reqIdsNew();
      coll = genServer.reqIdsAdd(coll, genServer.sendRequest<number | 'sync', 'release', number>(ctx, pid, 0), 'r0');
      await kill(other);
      await genServer.start(ctx, holder, undefined);
      genServer.cast(ctx, pid, 'release');
      await kill(pid);
      const answer = await genServer.waitResponse(ctx, coll, WAIT, true);
      assert.ok(Array.isArray(answer) && answer[0].type === 'error' && answer[0].reason === 'killed', JSON.stringify(answer));
      assert.deepEqual(await leftovers(ctx), []);
    }),
  );
});

test('gen_server_SUITE: receive_response on a collection with a timeout of 0 answers timeout, and no reply of its requests enters the mailbox later', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const echo = await genServer.start(ctx, { ...holder, handleCall: (n: number | 'sync', _from: From<number>, held: Array<[From<number>, number]>) => reply(n === 'sync' ? -1 : n, held) }, undefined);
      let coll: Collection = genServer.reqIdsNew();
      for (let n = 0; n < 3; n++) coll = genServer.reqIdsAdd(coll, genServer.sendRequest<number | 'sync', 'release', number>(ctx, echo, n), `r${n}`);
      assert.equal(await genServer.receiveResponse(ctx, coll, 0), 'timeout');
      // The server has answered all three by now (this call is served after them).
      assert.equal(await genServer.call(ctx, echo, 'sync', WAIT), -1);
      assert.deepEqual(await leftovers(ctx), []);
    }),
  );
});
