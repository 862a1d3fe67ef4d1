import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createNode, pg, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { idle } from './helpers.ts';

const GROUPS = ['g1', 'g2', ['t', 3]] as const;
type Group = (typeof GROUPS)[number];
const PROCS = 4;

// The model: per node, per process, the groups it joined (once per join); and whether the nodes see each other.
interface Model {
  joined: Array<Array<Group[]>>;
  alive: boolean[][];
  connected: boolean;
}

interface Real {
  nodes: OtpNode[];
  procs: Pid[][];
}

const idOf = (node: OtpNode, pid: Pid): string => `${pid.node === 0 ? node.name : node.dist!.nameOf(pid.node)}/${pid.id}.${pid.serial}`;
const key = (g: Group): string => JSON.stringify(g);

// What node `n` should see as members of `g`: its own, and the other node's while they are connected.
function expected(m: Model, real: Real, n: number, g: Group): string[] {
  const ids: string[] = [];
  m.joined.forEach((procs, owner) => {
    if (owner !== n && !m.connected) return;
    procs.forEach((groups, i) => {
      for (const j of groups) if (key(j) === key(g)) ids.push(idOf(real.nodes[owner]!, real.procs[owner]![i]!));
    });
  });
  return ids.sort();
}

async function settled(m: Model, real: Real): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const diffs: string[] = [];
    real.nodes.forEach((node, n) => {
      for (const g of GROUPS) {
        const got = pg.getMembers(node, g).map((p) => idOf(node, p)).sort();
        const want = expected(m, real, n, g);
        if (got.join() !== want.join()) diffs.push(`${node.name} ${key(g)}: got [${got}] want [${want}]`);
      }
      const groups = pg.whichGroups(node).map((g) => key(g as Group)).sort();
      const wantGroups = GROUPS.filter((g) => expected(m, real, n, g).length > 0).map(key).sort();
      if (groups.join() !== wantGroups.join()) diffs.push(`${node.name} groups: got [${groups}] want [${wantGroups}]`);
    });
    if (diffs.length === 0) return;
    if (Date.now() - t0 > 20_000) assert.fail(`membership did not converge:\n${diffs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const onNode = (real: Real, n: number, fn: (ctx: ProcessContext) => Promise<unknown>): Promise<unknown> => real.nodes[n]!.run(fn);

class Join implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly i: number, readonly g: Group, readonly times: number) {}
  check = (m: Readonly<Model>): boolean => this.n < m.joined.length && m.alive[this.n]![this.i]!;
  async run(m: Model, real: Real): Promise<void> {
    const pid = real.procs[this.n]![this.i]!;
    await onNode(real, this.n, (ctx) => pg.join(ctx, this.g, Array.from({ length: this.times }, () => pid)));
    for (let t = 0; t < this.times; t++) m.joined[this.n]![this.i]!.push(this.g);
    await settled(m, real);
  }
  toString = (): string => `join(node ${this.n}, proc ${this.i}, ${key(this.g)} x${this.times})`;
}

class Leave implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly i: number, readonly g: Group) {}
  check = (m: Readonly<Model>): boolean => this.n < m.joined.length && m.alive[this.n]![this.i]!;
  async run(m: Model, real: Real): Promise<void> {
    const groups = m.joined[this.n]![this.i]!;
    const at = groups.findIndex((j) => key(j) === key(this.g));
    const answer = await onNode(real, this.n, (ctx) => pg.leave(ctx, this.g, real.procs[this.n]![this.i]!));
    assert.equal(answer, at >= 0 ? 'ok' : 'notJoined');
    if (at >= 0) groups.splice(at, 1);
    await settled(m, real);
  }
  toString = (): string => `leave(node ${this.n}, proc ${this.i}, ${key(this.g)})`;
}

class Kill implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number, readonly i: number) {}
  check = (m: Readonly<Model>): boolean => this.n < m.joined.length && m.alive[this.n]![this.i]!;
  async run(m: Model, real: Real): Promise<void> {
    real.nodes[this.n]!.exit(real.procs[this.n]![this.i]!, 'kill');
    m.alive[this.n]![this.i] = false;
    m.joined[this.n]![this.i] = [];
    await settled(m, real);
  }
  toString = (): string => `kill(node ${this.n}, proc ${this.i})`;
}

// A network partition between the two nodes (the connection is cut and refused), or its healing.
class Partition implements fc.AsyncCommand<Model, Real> {
  constructor(readonly heal: boolean) {}
  check = (m: Readonly<Model>): boolean => m.joined.length === 2 && m.connected !== this.heal;
  async run(m: Model, real: Real): Promise<void> {
    const [a, b] = real.nodes as [OtpNode, OtpNode];
    if (this.heal) {
      a.dist!.unblock(b.name);
      b.dist!.unblock(a.name);
      for (const t0 = Date.now(); !(await a.ping(b.name)); ) if (Date.now() - t0 > 20_000) assert.fail('the partition did not heal');
    } else {
      a.dist!.block(b.name);
      b.dist!.block(a.name);
    }
    m.connected = this.heal;
    await settled(m, real);
  }
  toString = (): string => (this.heal ? 'heal' : 'partition');
}

function commands(nodes: number): fc.Arbitrary<Iterable<fc.AsyncCommand<Model, Real>>> {
  const n = fc.integer({ min: 0, max: nodes - 1 });
  const i = fc.integer({ min: 0, max: PROCS - 1 });
  const g = fc.constantFrom(...GROUPS);
  return fc.commands(
    [
      fc.tuple(n, i, g, fc.integer({ min: 1, max: 2 })).map(([a, b, c, d]) => new Join(a, b, c, d)),
      fc.tuple(n, i, g).map(([a, b, c]) => new Leave(a, b, c)),
      fc.tuple(n, i).map(([a, b]) => new Kill(a, b)),
      ...(nodes === 2 ? [fc.boolean().map((h) => new Partition(h))] : []),
    ],
    { maxCommands: 15 },
  );
}

async function spawnAll(nodes: OtpNode[]): Promise<Real> {
  const procs = nodes.map((node) => Array.from({ length: PROCS }, () => node.spawn(idle)));
  for (const node of nodes) await node.run((ctx) => pg.start(ctx));
  return { nodes, procs };
}

const fresh = (nodes: number): Model => ({
  joined: Array.from({ length: nodes }, () => Array.from({ length: PROCS }, () => [])),
  alive: Array.from({ length: nodes }, () => Array.from({ length: PROCS }, () => true)),
  connected: true,
});

test('one node: membership under random join, leave and kill matches a model of counted joins', async () => {
  await fc.assert(
    fc.asyncProperty(commands(1), async (cmds) => {
      const node = createNode({ onCrash: () => {} });
      try {
        const real = await spawnAll([node]);
        await fc.asyncModelRun(() => ({ model: fresh(1), real }), cmds);
      } finally {
        node.shutdown();
      }
    }),
    { numRuns: 25 },
  );
});

test('two nodes: each converges to its own members plus the connected peer’s, through partitions and heals', async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(commands(2), async (cmds) => {
        run++;
        const nodes = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
        try {
          for (const [k, node] of nodes.entries()) await node.startDistribution({ name: `pgm${k}r${run}@127.0.0.1`, cookie: 'pgm', epmdPort, tickTime: 5000, log: () => {} });
          for (const t0 = Date.now(); !(await nodes[0]!.ping(nodes[1]!.name)); ) if (Date.now() - t0 > 20_000) assert.fail('the nodes did not connect');
          const real = await spawnAll(nodes);
          await settled(fresh(2), real);
          await fc.asyncModelRun(() => ({ model: fresh(2), real }), cmds);
        } finally {
          for (const node of nodes) node.shutdown();
        }
      }),
      { numRuns: 8 },
    );
  } finally {
    await epmd.close();
  }
});
