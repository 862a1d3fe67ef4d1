// Model-based test: random sequences of spawn / link / unlink / monitor / trapExit / exit / die, run
// against real processes and checked after every step against a small model of OTP's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Down, Exit, RuntimeError, isDown, type Pid, type ProcessContext, type Ref } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

type Reason = 'normal' | 'boom' | 'kill' | 'killed' | 'noproc';

interface ModelProc {
  alive: boolean;
  trapping: boolean;
  links: Set<number>;
  /** Watchers monitoring this process, one entry per monitor. */
  watchers: number[];
  observed: string[];
  pending: string[];
}

class Model {
  procs: ModelProc[] = [];

  spawn(): void {
    this.procs.push({ alive: true, trapping: false, links: new Set(), watchers: [], observed: [], pending: [] });
  }

  die(p: number, reason: Reason): void {
    const me = this.procs[p]!;
    if (!me.alive) return;
    me.alive = false;
    for (const w of me.watchers) this.deliver(w, `DOWN ${p} ${reason}`);
    me.watchers = [];
    for (const other of this.procs) other.watchers = other.watchers.filter((w) => w !== p);
    const links = [...me.links];
    me.links.clear();
    for (const q of links) {
      this.procs[q]!.links.delete(p);
      this.signal(q, p, reason, true);
    }
  }

  signal(target: number, from: number, reason: Reason, viaLink: boolean): void {
    const t = this.procs[target]!;
    if (!t.alive) return;
    if (!viaLink && reason === 'kill') this.die(target, 'killed');
    else if (t.trapping) this.deliver(target, `EXIT ${from} ${reason}`);
    else if (reason === 'normal') {
      if (!viaLink && from === target) this.die(target, 'normal');
    } else this.die(target, reason);
  }

  deliver(p: number, message: string): void {
    if (this.procs[p]!.alive) this.procs[p]!.pending.push(message);
  }

  /** Messages reach a puppet's log only if it is alive to read them once the step's signals settle. */
  settle(): void {
    for (const p of this.procs) {
      if (p.alive) p.observed.push(...p.pending);
      p.pending = [];
    }
  }
}

type Command =
  | { op: 'link' | 'unlink' | 'monitor'; target: Pid }
  | { op: 'trap'; flag: boolean }
  | { op: 'exit'; target: Pid; reason: Reason }
  | { op: 'die'; reason: Reason };

interface Real {
  ctx: ProcessContext;
  pids: Pid[];
  monitors: Ref[];
  logs: string[][];
}

async function puppet(ctx: ProcessContext, controller: Pid, real: Real, log: string[]): Promise<void> {
  const index = (pid: Down['pid']) => real.pids.indexOf(pid as Pid);
  for (;;) {
    const m = await ctx.receive();
    if (m instanceof Exit) log.push(`EXIT ${index(m.from)} ${String(m.reason)}`);
    else if (m instanceof Down) log.push(`DOWN ${index(m.pid)} ${String(m.reason)}`);
    else {
      const { command, ack } = m as { command: Command; ack: Ref };
      switch (command.op) {
        case 'link':
          try {
            ctx.link(command.target);
          } catch (error) {
            // Not trapping, linking to a dead process raises noproc (OTP 21+): the puppet lets it end it, as the model's signal does.
            if (error instanceof RuntimeError && error.code === 'noproc') ctx.exit('noproc');
            throw error;
          }
          break;
        case 'unlink':
          ctx.unlink(command.target);
          break;
        case 'monitor':
          ctx.monitor(command.target);
          break;
        case 'trap':
          ctx.trapExit(command.flag);
          break;
        case 'exit':
          ctx.exit(command.target, command.reason);
          break;
        case 'die':
          ctx.exit(command.reason);
      }
      ctx.send(controller, ack);
    }
  }
}

async function perform(real: Real, actor: number, command: Command): Promise<void> {
  const { ctx } = real;
  const ack = ctx.makeRef();
  ctx.send(real.pids[actor]!, { command, ack });
  const mon = real.monitors[actor]!;
  await ctx.receive((m) => m === ack || isDown(m, mon));
  // Let every puppet read what the step delivered to it.
  await new Promise((resolve) => setImmediate(resolve));
}

function check(model: Model, real: Real): void {
  model.procs.forEach((m, i) => {
    const pid = real.pids[i]!;
    assert.equal(real.ctx.isAlive(pid), m.alive, `process ${i} alive`);
    assert.deepEqual([...real.logs[i]!].sort(), [...m.observed].sort(), `messages seen by process ${i}`);
    if (m.alive) {
      const links = real.ctx.processInfo(pid)!.links.map((l) => real.pids.indexOf(l)).sort();
      assert.deepEqual(links, [...m.links].sort(), `links of process ${i}`);
    }
  });
}

const alive = (model: Model, i: number) => i < model.procs.length && model.procs[i]!.alive;

class Spawn implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.procs.length < 8;
  async run(model: Model, real: Real): Promise<void> {
    const log: string[] = [];
    const controller = real.ctx.self();
    const pid = real.ctx.spawn((c) => puppet(c, controller, real, log));
    real.pids.push(pid);
    real.logs.push(log);
    real.monitors.push(real.ctx.monitor(pid));
    model.spawn();
    check(model, real);
  }
  toString = () => 'spawn';
}

class Act implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly actor: number,
    readonly op: 'link' | 'unlink' | 'monitor' | 'trap' | 'exit' | 'die',
    readonly target: number,
    readonly reason: Reason,
    readonly flag: boolean,
  ) {}
  check = (m: Readonly<Model>) => alive(m as Model, this.actor) && (this.op === 'trap' || this.op === 'die' || this.target < m.procs.length);
  async run(model: Model, real: Real): Promise<void> {
    const a = this.actor;
    const t = this.target;
    const target = real.pids[t]!;
    let command: Command;
    switch (this.op) {
      case 'link':
        command = { op: 'link', target };
        if (a !== t) {
          if (model.procs[t]!.alive) {
            model.procs[a]!.links.add(t);
            model.procs[t]!.links.add(a);
          } else model.signal(a, t, 'noproc', true);
        }
        break;
      case 'unlink':
        command = { op: 'unlink', target };
        model.procs[a]!.links.delete(t);
        model.procs[t]!.links.delete(a);
        break;
      case 'monitor':
        command = { op: 'monitor', target };
        if (model.procs[t]!.alive && a !== t) model.procs[t]!.watchers.push(a);
        else if (!model.procs[t]!.alive) model.deliver(a, `DOWN ${t} noproc`);
        break;
      case 'trap':
        command = { op: 'trap', flag: this.flag };
        model.procs[a]!.trapping = this.flag;
        break;
      case 'exit':
        command = { op: 'exit', target, reason: this.reason };
        model.signal(t, a, this.reason, false);
        break;
      case 'die':
        command = { op: 'die', reason: this.reason === 'kill' ? 'boom' : this.reason };
        model.die(a, command.reason);
    }
    model.settle();
    await perform(real, a, command);
    check(model, real);
  }
  toString = () => `${this.actor} ${this.op} ${this.op === 'trap' ? this.flag : this.target}${this.op === 'exit' || this.op === 'die' ? ` ${this.reason}` : ''}`;
}

const act = fc
  .tuple(
    fc.nat(4),
    fc.constantFrom('link', 'link', 'unlink', 'monitor', 'trap', 'trap', 'exit', 'die') as fc.Arbitrary<Act['op']>,
    fc.nat(4),
    fc.constantFrom<Reason>('normal', 'boom', 'kill'),
    fc.boolean(),
  )
  .map(([a, op, t, r, f]) => new Act(a, op, t, r, f));
const commands = [fc.constant(new Spawn()), act, act, act, act];

test('links, monitors and exit signals follow OTP rules (model-based)', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 50, size: 'large' }), async (cmds) => {
          const real: Real = { ctx, pids: [], monitors: [], logs: [] };
          const model = new Model();
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          for (const pid of real.pids) ctx.exit(pid, 'kill');
        }),
        { numRuns: 200 },
      );
    });
  });
});
