// Model-based test of table ownership (issue 17; ETS's heir option, setopts and give_away): a few processes
// pass a table around under random giveAway calls (by the owner or not, to live, dead or the same process),
// heir changes and exits; after each step the table's owner (or its deletion), the owner's write access and
// the ETS-TRANSFER messages each process received match a model of owner and heir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTableTransfer, RuntimeError, TIMEOUT, type Pid, type ProcessContext, type Table } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const PROCS = 4;
const WAIT = 30_000;

type Op =
  | { op: 'give'; by: number; to: number }
  | { op: 'heir'; by: number; heir: number | null }
  | { op: 'exit'; who: number };

const who = fc.integer({ min: 0, max: PROCS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('give' as const), by: who, to: who }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('heir' as const), by: who, heir: fc.option(who, { nil: null }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('exit' as const), who }), weight: 1 },
);

type Row = [string, number];
// What a holder is asked to do, and what it answers: 'ok', or the RuntimeError code it got.
type Command = { do: 'give'; to: Pid; data: string } | { do: 'heir'; heir: Pid | null; data: string } | { do: 'write' } | { do: 'exit' };
type Answer = { from: number; answer: string } | { from: number; transfer: { data: unknown; from: Pid } };
const isAnswer = (i: number) => (m: unknown): m is Answer => typeof m === 'object' && m !== null && (m as Answer).from === i;

// A holder: keeps the handle of the table it was last given (or created), runs commands, reports transfers.
function holder(test: Pid, index: number, create: boolean): (c: ProcessContext) => Promise<void> {
  return async (c) => {
    let table: Table<Row> | undefined = create ? c.newTable<Row>({ name: 'heir_model' }) : undefined;
    for (;;) {
      const m = await c.receive();
      if (isTableTransfer(m)) {
        table = m.table as Table<Row>;
        c.send(test, { from: index, transfer: { data: m.data, from: m.from } });
        continue;
      }
      const cmd = m as Command;
      if (cmd.do === 'exit') return;
      let answer = 'ok';
      try {
        table ??= c.table<Row>('heir_model');
        if (cmd.do === 'give') table.giveAway(cmd.to, cmd.data);
        else if (cmd.do === 'heir') table.setHeir(cmd.heir === null ? 'none' : { pid: cmd.heir, data: cmd.data });
        else table.insert(['w', index]);
      } catch (e) {
        answer = e instanceof RuntimeError ? e.code : `unexpected ${String(e)}`;
      }
      c.send(test, { from: index, answer });
    }
  };
}

async function run(ctx: ProcessContext, ops: Op[]): Promise<void> {
  const pids: Pid[] = [];
  for (let i = 0; i < PROCS; i++) pids.push(ctx.spawn(holder(ctx.self(), i, i === 0)));
  const alive = pids.map(() => true);
  // The model: the owner (null once the table is deleted) and the heir with its data.
  let owner: number | null = 0;
  let heir: { who: number; data: string } | null = null;
  let step = 0;

  const ask = async (i: number, cmd: Command): Promise<string> => {
    ctx.send(pids[i]!, cmd);
    const m = await ctx.receive(isAnswer(i), WAIT);
    assert.notEqual(m, TIMEOUT, `process ${i} answers ${cmd.do}`);
    assert.ok('answer' in (m as Answer), `process ${i} answered ${cmd.do} before any transfer: ${JSON.stringify(m)}`);
    return (m as { answer: string }).answer;
  };
  const transferTo = async (i: number, data: string, from: number): Promise<void> => {
    const m = await ctx.receive(isAnswer(i), WAIT);
    assert.ok(m !== TIMEOUT && 'transfer' in m, `process ${i} got the table (${data})`);
    assert.deepEqual([m.transfer.data, m.transfer.from], [data, pids[from]], `the transfer to ${i} carries ${data} from ${from}`);
  };

  for (const o of ops) {
    const data = `d${step++}`;
    if (o.op === 'give') {
      if (!alive[o.by]) continue;
      const answer = await ask(o.by, { do: 'give', to: pids[o.to]!, data });
      const allowed = owner === o.by && o.to !== o.by && alive[o.to];
      if (allowed) assert.equal(answer, 'ok', `giveAway by the owner ${o.by} to ${o.to}, alive`);
      else assert.notEqual(answer, 'ok', `giveAway by ${o.by} to ${o.to} is refused (owner ${owner}, ${o.to} ${alive[o.to] ? 'alive' : 'dead'})`);
      if (allowed) {
        await transferTo(o.to, data, o.by);
        owner = o.to;
      }
    } else if (o.op === 'heir') {
      if (!alive[o.by]) continue;
      const answer = await ask(o.by, { do: 'heir', heir: o.heir === null ? null : pids[o.heir]!, data });
      if (owner === o.by) {
        assert.equal(answer, 'ok', `setHeir by the owner ${o.by}`);
        heir = o.heir === null ? null : { who: o.heir, data };
      } else {
        assert.notEqual(answer, 'ok', `setHeir by ${o.by}, who is not the owner (${owner})`);
      }
    } else {
      if (!alive[o.who]) continue;
      const ref = ctx.monitor(pids[o.who]!);
      ctx.send(pids[o.who]!, { do: 'exit' });
      await ctx.receive((m) => typeof m === 'object' && m !== null && (m as { ref?: unknown }).ref === ref, WAIT);
      alive[o.who] = false;
      if (owner === o.who) {
        // The heir inherits, if alive and not the owner itself; the heir setting stays. Otherwise the table goes.
        if (heir !== null && heir.who !== o.who && alive[heir.who]) {
          await transferTo(heir.who, heir.data, o.who);
          owner = heir.who;
        } else {
          owner = null;
        }
      }
    }
    // The owner can write and the table says who it is; after deletion, no one sees it.
    if (owner !== null) {
      assert.equal(await ask(owner, { do: 'write' }), 'ok', `the owner ${owner} writes`);
      assert.ok(ctx.table('heir_model').info().owner.equals(pids[owner]!), `the table's owner is process ${owner}`);
    } else {
      assert.throws(() => ctx.table('heir_model'), 'the table is deleted with its last owner');
    }
  }
  for (let i = 0; i < PROCS; i++) if (alive[i]) ctx.exit(pids[i]!, 'kill');
  // The name is free again once the table is gone with its last owner (the next run reuses it).
  const gone = (): boolean => {
    try {
      ctx.table('heir_model');
      return false;
    } catch {
      return true;
    }
  };
  const deadline = Date.now() + WAIT;
  while (!gone()) {
    assert.ok(Date.now() < deadline, 'the table went with its last owner');
    await ctx.receive(() => false, 10);
  }
}

test('ets_SUITE heir / give_away (model): owner, heir and transfers follow a model under random giveAway, setHeir and exits', async () => {
  await withNode(async (node) => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), (ops) => node.run((ctx) => run(ctx, ops))),
      { numRuns: 120 },
    );
  });
});
