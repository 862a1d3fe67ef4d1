// More cases mirroring erts/emulator/test/process_SUITE.erl, monitor_SUITE.erl and timer_bif_SUITE.erl,
// each named after the case it follows (the signal and monitor semantics checked in erl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, TIMEOUT, TimeoutMessage, isDown, isExit, type Down, type Exit, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { withNode, leftovers } from './helpers.ts';

const WAIT = 20_000;

type Ping = { ping: Pid };
const isPing = (m: unknown): m is Ping => typeof m === 'object' && m !== null && 'ping' in m;

/** A process that answers { ping } with 'pong' and reports every other message to `to`. */
function echoing(to: Pid | null) {
  return async (ctx: ProcessContext): Promise<void> => {
    for (;;) {
      const m = await ctx.receive();
      if (isPing(m)) ctx.send(m.ping, 'pong');
      else if (to !== null) ctx.send(to, { got: m });
    }
  };
}

/** Proves `pid` has handled everything sent to it before: it answers a ping. */
async function pingPong(ctx: ProcessContext, pid: Pid): Promise<void> {
  ctx.send(pid, { ping: ctx.self() });
  assert.equal(await ctx.receive((m) => m === 'pong', WAIT), 'pong');
}

async function downOf(ctx: ProcessContext, ref: ReturnType<ProcessContext['monitor']>): Promise<Down> {
  const m = await ctx.receive((x) => isDown(x, ref), WAIT);
  assert.notEqual(m, TIMEOUT, 'a DOWN was expected');
  return m as Down;
}

test('process_SUITE: t_exit_2_other_normal — exit(Pid, normal) does nothing to a process that does not trap exits', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(echoing(ctx.self()));
      ctx.exit(pid, 'normal');
      await pingPong(ctx, pid);
      assert.equal(ctx.isAlive(pid), true);
      ctx.exit(pid, 'kill');
    });
  });
});

test('process_SUITE: t_exit_2_other_normal — a process trapping exits gets {EXIT, From, normal} from exit(Pid, normal)', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(echoing(ctx.self()), { trapExit: true });
      ctx.exit(pid, 'normal');
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'got' in x, WAIT)) as { got: Exit };
      assert.ok(isExit(m.got));
      assert.equal(m.got.from, ctx.self());
      assert.equal(m.got.reason, 'normal');
      ctx.exit(pid, 'kill');
    });
  });
});

test('process_SUITE: exit_self_normal — exit(self(), normal) ends a process that does not trap exits, with reason normal', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor(async (c) => {
        c.exit(c.self(), 'normal');
        await c.receive(null, 60_000);
        c.exit('survived');
      });
      assert.equal((await downOf(ctx, ref)).reason, 'normal');
      assert.equal(ctx.isAlive(pid), false);
    });
  });
});

test('process_SUITE: exit_self_normal — trapping exits, exit(self(), normal) is a message {EXIT, Self, normal}', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      ctx.exit(ctx.self(), 'normal');
      const m = await ctx.receive(isExit, WAIT);
      assert.notEqual(m, TIMEOUT);
      assert.equal((m as Exit).from, ctx.self());
      assert.equal((m as Exit).reason, 'normal');
    });
  });
});

test('process_SUITE: links — a linked process that exits with reason kill itself kills its non-trapping link with reason kill, not killed', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [, ref] = ctx.spawnMonitor(async (c) => {
        c.spawnLink(async (d) => d.exit('kill'));
        await c.receive(null, 60_000);
        c.exit('survived');
      });
      assert.equal((await downOf(ctx, ref)).reason, 'kill');
    });
  });
});

test('process_SUITE: links — a linked process that exits with reason kill is only a message {EXIT, P, kill} to a trapping link', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const child = ctx.spawnLink(async (d) => d.exit('kill'));
      const m = await ctx.receive(isExit, WAIT);
      assert.notEqual(m, TIMEOUT);
      assert.equal((m as Exit).from, child);
      assert.equal((m as Exit).reason, 'kill');
      assert.equal(ctx.isAlive(ctx.self()), true);
    });
  });
});

test('process_SUITE: t_exit_2_other — exit(Pid, kill) kills a trapping process with reason killed, and its links see killed', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const child = ctx.spawnLink(echoing(null), { trapExit: true });
      const ref = ctx.monitor(child);
      ctx.exit(child, 'kill');
      assert.equal((await downOf(ctx, ref)).reason, 'killed');
      const m = await ctx.receive(isExit, WAIT);
      assert.notEqual(m, TIMEOUT);
      assert.equal((m as Exit).reason, 'killed');
    });
  });
});

test('process_SUITE: t_exit_2_other — exit(Pid, Reason) without a link: a non-trapping target dies with Reason, a trapping one gets {EXIT, Sender, Reason}', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const plain = ctx.spawn(echoing(null));
      const ref = ctx.monitor(plain);
      ctx.exit(plain, 'bye');
      assert.equal((await downOf(ctx, ref)).reason, 'bye');

      const trapping = ctx.spawn(echoing(ctx.self()), { trapExit: true });
      ctx.exit(trapping, { reason: 'bye' });
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'got' in x, WAIT)) as { got: Exit };
      assert.ok(isExit(m.got));
      assert.equal(m.got.from, ctx.self());
      assert.deepEqual(m.got.reason, { reason: 'bye' });
      ctx.exit(trapping, 'kill');
    });
  });
});

test('erlang:send/2 — { name, node } naming this node and a name nobody holds is dropped, not badarg; only a bare name fails', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const here = { name: 'nobody_here', node: ctx.node.name };
      ctx.send(here, 'dropped');
      assert.throws(() => ctx.send('nobody_here', 'x'), /cannot send to 'nobody_here': no process is registered under that name/);
      ctx.register('me_here', ctx.self());
      ctx.send({ name: 'me_here', node: ctx.node.name }, 'delivered');
      assert.equal(await ctx.receive(null, WAIT), 'delivered');
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

test('erlang:send/2 (erlang:dsend) — { name, node } of another node, from a node that is not distributed, is dropped without an error, from a process, from outside one and by a timer', async () => {
  await withNode(async (node) => {
    const far = { name: 'nobody', node: 'other@nowhere' };
    assert.doesNotThrow(() => node.send(far, 'dropped'));
    await node.run(async (ctx) => {
      assert.doesNotThrow(() => ctx.send(far, 'dropped'));
      const timer = ctx.sendAfter(0, far, 'dropped');
      const deadline = Date.now() + WAIT;
      while (ctx.readTimer(timer) !== false && Date.now() < deadline) await ctx.sleep(1);
      assert.equal(ctx.readTimer(timer), false, 'the timer fired');
      // The process goes on: a message to itself after the drops is the only one it gets.
      ctx.send(ctx.self(), 'after');
      assert.equal(await ctx.receive(null, WAIT), 'after');
      assert.deepEqual(await leftovers(ctx), []);
    });
  });
});

test('erlang:monitor_node/2 on a node that is not alive raises notalive (OTP 24 on, no longer badarg): a RuntimeError with that code, and a process it ends exits notalive', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      assert.throws(() => ctx.monitorNode('other@nowhere'), (e: unknown) => e instanceof RuntimeError && e.code === 'notalive' && /startDistribution/.test(e.message));
      const pid = ctx.spawn((c) => c.monitorNode('other@nowhere'));
      const ref = ctx.monitor(pid);
      const down = (await ctx.receive((m): m is Down => isDown(m) && m.ref === ref, WAIT)) as Down;
      assert.equal(down.reason, 'notalive');
    });
  });
});

test('process_SUITE: link_to_self — link(self()) makes no link; unlink(self()) is also fine', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.link(ctx.self());
      assert.deepEqual(ctx.processInfo(ctx.self())!.links, []);
      ctx.unlink(ctx.self());
    });
  });
});

test('process_SUITE: unlink — after unlink neither side hears of the other\'s exit', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const a = ctx.spawnLink(echoing(null));
      ctx.unlink(a);
      assert.deepEqual(ctx.processInfo(a)!.links, [], 'the link is gone on both sides');
      ctx.exit(a, 'kill');
      const ref = ctx.monitor(a);
      await downOf(ctx, ref);
      await pingPong(ctx, ctx.spawn(echoing(null)));
      assert.equal(ctx.isAlive(ctx.self()), true);
    });
  });
});

test('process_SUITE: unlink — an {EXIT} message already queued stays after unlink', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      const child = ctx.spawnLink(async () => {});
      const ref = ctx.monitor(child);
      await downOf(ctx, ref);
      ctx.unlink(child);
      const m = await ctx.receive(isExit, 0);
      assert.notEqual(m, TIMEOUT, 'the EXIT message stays in the mailbox');
      assert.equal((m as Exit).from, child);
    });
  });
});

test('process_SUITE: process_info_other_dead — processInfo of a dead process answers nothing; isAlive is false', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor(async () => {});
      await downOf(ctx, ref);
      assert.equal(ctx.processInfo(pid), undefined);
      assert.equal(ctx.isAlive(pid), false);
    });
  });
});

test('process_SUITE: spawn_link of a crashing child — a non-trapping parent dies with the child\'s reason; a normal end leaves it alone', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [, ref] = ctx.spawnMonitor(async (c) => {
        c.spawnLink(async () => {});
        c.spawnLink(async (d) => d.exit({ crashed: 1 }));
        await c.receive(null, 60_000);
        c.exit('survived');
      });
      assert.deepEqual((await downOf(ctx, ref)).reason, { crashed: 1 });
    });
  });
});

test('monitor_SUITE: case_1 — a monitor removed with demonitor never delivers DOWN', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(echoing(null));
      const ref = ctx.monitor(pid);
      assert.equal(ctx.demonitor(ref), true);
      const ref2 = ctx.monitor(pid);
      ctx.exit(pid, 'kill');
      await downOf(ctx, ref2);
      assert.equal(await ctx.receive((m) => isDown(m, ref), 0), TIMEOUT);
    });
  });
});

test('monitor_SUITE: case_1a — demonitor with flush removes a DOWN already delivered; without flush it stays', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor(async () => {});
      const ref2 = ctx.monitor(pid);
      await downOf(ctx, ref2);
      // The DOWN of `ref` is in the mailbox now (DOWNs of one target arrive in the order the monitors were made).
      ctx.demonitor(ref, { flush: true });
      assert.equal(await ctx.receive((m) => isDown(m, ref), 0), TIMEOUT);

      const [pid3, ref3] = ctx.spawnMonitor(async () => {});
      const ref4 = ctx.monitor(pid3);
      await downOf(ctx, ref4);
      ctx.demonitor(ref3);
      const m = await ctx.receive((x) => isDown(x, ref3), 0);
      assert.notEqual(m, TIMEOUT, 'demonitor without flush leaves a delivered DOWN');
      assert.equal(pid !== pid3, true);
    });
  });
});

test('monitor_SUITE: demon_1 — demonitor of a monitor whose DOWN was delivered answers false (OTP\'s [info]), and again after', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [, ref] = ctx.spawnMonitor(async () => {});
      await downOf(ctx, ref);
      assert.equal(ctx.demonitor(ref), false);
      assert.equal(ctx.demonitor(ref, { flush: true }), false);
      assert.equal(ctx.demonitor(ctx.makeRef()), false, 'a ref that never was a monitor');
    });
  });
});

test('monitor_SUITE: mon_1 — monitoring a dead pid delivers DOWN noproc at once, naming the pid', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const [pid, ref] = ctx.spawnMonitor(async () => {});
      await downOf(ctx, ref);
      const ref2 = ctx.monitor(pid);
      const down = await downOf(ctx, ref2);
      assert.equal(down.reason, 'noproc');
      assert.equal(down.pid, pid);
    });
  });
});

test('monitor_SUITE: mon_2 — monitoring a name nobody holds delivers DOWN noproc naming the name', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = ctx.monitor('monitor_suite2_nobody');
      const down = await downOf(ctx, ref);
      assert.equal(down.reason, 'noproc');
      assert.equal(down.pid, 'monitor_suite2_nobody');
    });
  });
});

test('monitor_SUITE: named_down — a monitor made by name reports the name and the exit reason; the name is free by then', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(echoing(null), { name: 'monitor_suite2_named' });
      const ref = ctx.monitor('monitor_suite2_named');
      ctx.exit(pid, 'gone');
      const down = await downOf(ctx, ref);
      assert.equal(down.reason, 'gone');
      assert.equal(down.pid, 'monitor_suite2_named');
      assert.equal(ctx.whereis('monitor_suite2_named'), undefined);
      // The name can be taken again right away.
      const again = ctx.spawn(echoing(null), { name: 'monitor_suite2_named' });
      ctx.exit(again, 'kill');
    });
  });
});

test('monitor_SUITE: mon_2 — two monitors of one process give two DOWN messages, in the order the monitors were made', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = ctx.spawn(echoing(null));
      const r1 = ctx.monitor(pid);
      const r2 = ctx.monitor(pid);
      ctx.exit(pid, 'x');
      await downOf(ctx, r2);
      const rest = (await leftovers(ctx)).filter((m) => isDown(m));
      assert.deepEqual(rest.map((m) => (m as Down).ref), [r1], 'the first DOWN came before the second');
    });
  });
});

test('monitor_SUITE: self_monitor — monitoring oneself is allowed and can be removed', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = ctx.monitor(ctx.self());
      assert.equal(ctx.demonitor(ref), true);
      assert.equal(await ctx.receive(null, 0), TIMEOUT);
    });
  });
});

test('timer_bif_SUITE: start_timer_1 — startTimer delivers {timeout, Ref, Msg}; readTimer and cancelTimer answer false once it fired', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = ctx.startTimer(1, ctx.self(), 'tick');
      const m = (await ctx.receive((x) => typeof x === 'object' && x !== null && 'timeout' in x, WAIT)) as TimeoutMessage<string>;
      assert.equal(m.timeout, ref);
      assert.equal(m.msg, 'tick');
      assert.equal(ctx.readTimer(ref), false);
      assert.equal(ctx.cancelTimer(ref), false);
    });
  });
});

test('timer_bif_SUITE: cancel_timer_1 — cancelTimer answers the time left, then false; the message never comes', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const ref = ctx.sendAfter(60_000, ctx.self(), 'never');
      const left = ctx.cancelTimer(ref);
      assert.equal(typeof left, 'number');
      assert.ok((left as number) > 0 && (left as number) <= 60_000);
      assert.equal(ctx.cancelTimer(ref), false);
      assert.equal(ctx.readTimer(ref), false);
    });
  });
});

test('timer_bif_SUITE: send_after to a name — looked up when the timer fires; nobody holding it then is no error', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      ctx.sendAfter(1, 'timer_suite2_nobody', 'lost');
      const late = ctx.sendAfter(200, 'timer_suite2_late', 'found');
      ctx.register('timer_suite2_late');
      assert.equal(await ctx.receive((m) => m === 'found', WAIT), 'found');
      assert.equal(ctx.readTimer(late), false);
    });
  });
});

test('timer_bif_SUITE: auto_cancel — a timer to a pid is cancelled when that process exits (read and cancel answer false); one set by a process that dies still fires', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const target = ctx.spawn(echoing(null));
      const ref = ctx.sendAfter(60_000, target, 'x');
      const mref = ctx.monitor(target);
      ctx.exit(target, 'kill');
      await downOf(ctx, mref);
      assert.equal(ctx.readTimer(ref), false, 'the timer went with its destination');

      const me = ctx.self();
      const [, r2] = ctx.spawnMonitor(async (c) => {
        c.sendAfter(50, me, 'from the dead');
      });
      await downOf(ctx, r2);
      assert.equal(await ctx.receive((m) => m === 'from the dead', WAIT), 'from the dead');
    });
  });
});

test('timer_bif_SUITE: same_time — timers with the same delay set one after another deliver in the order set', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      for (let i = 0; i < 50; i++) ctx.sendAfter(5, ctx.self(), i);
      const got: number[] = [];
      while (got.length < 50) got.push((await ctx.receive((m) => typeof m === 'number', WAIT)) as number);
      assert.deepEqual(got, [...Array(50).keys()]);
    });
  });
});

test('timer_bif_SUITE: send_after/4 and start_timer/4 with {abs, true} — a deadline on performance.now() fires then, one already past at once, read and cancel answer the time left; a bad deadline or option is badarg', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const me = ctx.self();
      const past = ctx.sendAfter(performance.now() - 1000, me, 'past', { abs: true });
      assert.equal(await ctx.receive((m): m is string => m === 'past', 5000), 'past', 'a deadline already past fires at once');
      assert.equal(ctx.readTimer(past), false);
      const deadline = performance.now() + 60_000;
      const t = ctx.startTimer(deadline, me, 'later', { abs: true });
      const left = ctx.readTimer(t);
      assert.ok(typeof left === 'number' && left > 50_000 && left <= 60_000, `time left ${String(left)}`);
      assert.equal(typeof ctx.cancelTimer(t), 'number');
      const soon = ctx.startTimer(performance.now() + 20, me, 'soon', { abs: true });
      const m = await ctx.receive((x): x is TimeoutMessage => x instanceof TimeoutMessage, 5000);
      assert.ok(m instanceof TimeoutMessage && m.timeout === soon && m.msg === 'soon');
      // A fractional deadline is fine with abs (performance.now() has fractions); without abs the time stays a whole number.
      assert.throws(() => ctx.sendAfter(1.5, me, 'x'), RuntimeError);
      assert.throws(() => ctx.sendAfter(Infinity, me, 'x', { abs: true }), /deadline on performance\.now\(\)/);
      assert.throws(() => ctx.sendAfter(10, me, 'x', { abs: 'yes' } as never), /options must be \{ abs: true \}/);
      assert.throws(() => ctx.sendAfter(10, me, 'x', { relative: true } as never), RuntimeError);
      assert.equal(ctx.sendAfter(10, me, 'rel', { abs: false }) instanceof Object, true);
      assert.equal(await ctx.receive((x): x is string => x === 'rel', 5000), 'rel');
    });
  });
});
