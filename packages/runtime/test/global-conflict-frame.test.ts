// global's name-conflict resolution tells the losing process with a message: one its node refuses to take
// (over its maxFrameBytes) is a warning, never the end of the global name server. Real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, global, loggerOf, type LogEvent, type OtpNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';

// The node's log events, kept instead of printed.
function keepLogs(node: OtpNode): LogEvent[] {
  const events: LogEvent[] = [];
  loggerOf(node).removeHandler('default');
  loggerOf(node).addHandler({ id: 'test', log: (e) => events.push(e) });
  return events;
}

test("a global name conflict whose loser's node cannot take the GlobalNameConflict (over its maxFrameBytes) is a warning: the name server keeps running and serving", async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const [x, y, z] = [createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} }), createNode({ onCrash: () => {} })];
  try {
    const events = keepLogs(x);
    const lines: string[] = [];
    await x.startDistribution({ name: 'gx@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => lines.push(l) });
    // A hidden node (a tool) with the smallest frame limit: it runs no global server, a process of it may hold a name.
    await y.startDistribution({ name: 'gy@127.0.0.1', cookie: 'sekrit', epmdPort, hidden: true, maxFrameBytes: 65_536, log: () => {} });
    await z.startDistribution({ name: 'gz@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    const name = `big-${'n'.repeat(100_000)}`;
    // y's process tells a process of x its pid: the pid as x names it.
    const remote = await x.run(async (ctx) => {
      x.register('catcher', ctx.self());
      y.spawn(async (c) => {
        c.send({ name: 'catcher', node: 'gx@127.0.0.1' }, c.self());
        await c.receive();
      });
      return (await ctx.receive()) as Pid;
    });
    // gx gives y's process the name while gz, cut off, gives it to one of its own: they conflict when they meet.
    assert.equal(await x.run((ctx) => global.register(ctx, name, remote, { resolve: 'notifyAll' })), true);
    const onZ = z.spawn(async (ctx) => void (await ctx.receive()));
    assert.equal(await z.run((ctx) => global.register(ctx, name, onZ, { resolve: 'notifyAll' })), true);
    const server = x.whereis('global_name_server');
    assert.equal(await x.ping('gz@127.0.0.1'), true);
    const warned = (): boolean => events.some((e) => e.level === 'warning' && /^global_name_server could not send its GlobalNameConflict to .*gy@127\.0\.0\.1.*over the 65536-byte frame limit of gy@127\.0\.0\.1/s.test(String(e.message)));
    await waitFor('the warning about the loser on gy', warned);
    assert.ok(lines.some((l) => l.startsWith('global: name conflict on')), lines.join('\n'));
    assert.equal(x.whereis('global_name_server'), server, 'the same name server runs');
    assert.ok(server !== undefined && x.isAlive(server));
    // And it serves: a new name registers across gx and gz.
    const p = x.spawn(async (ctx) => void (await ctx.receive()));
    assert.equal(await x.run((ctx) => global.register(ctx, 'after', p)), true);
    await waitFor('gz to learn the new name', () => z.run((ctx) => global.whereis(ctx, 'after') !== undefined));
  } finally {
    await x.shutdown();
    await y.shutdown();
    await z.shutdown();
    await epmd.close();
  }
});
