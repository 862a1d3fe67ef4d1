import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { createNode, describeReason, genServer, isDown, reply, StartError, stop, TIMEOUT, type Down } from '@otp-ts/runtime';

test('an Error inside an exit reason keeps its name and message instead of becoming {}', () => {
  const reason = { shutdown: { failedToStartChild: 'x_server', reason: new TypeError('no counts') } };
  assert.equal(describeReason(reason), '{"shutdown":{"failedToStartChild":"x_server","reason":"TypeError: no counts"}}');
  assert.equal(describeReason(new Error('top')), 'Error: top');
  assert.equal(describeReason('normal'), 'normal');
});

test("an Error of another realm (a line typed into otp shell's REPL) is described by its name and message, and so is a gen_server init throwing it", async () => {
  const foreign = runInNewContext("new RangeError('no counts')") as Error;
  assert.equal(describeReason(foreign), 'RangeError: no counts');
  assert.equal(describeReason({ shutdown: foreign }), '{"shutdown":"RangeError: no counts"}');
  const node = createNode();
  await node.run(async (ctx) => {
    const init = runInNewContext("() => { throw new Error('nope') }") as () => never;
    const failed = await genServer.start(ctx, { init, handleCall: () => reply(0, 0) }, undefined).catch((e: unknown) => e);
    assert.ok(failed instanceof StartError);
    assert.equal(failed.message, 'init failed: Error: nope');
  });
});

test('a large reason is described in a bounded line: long arrays, objects and strings are cut, saying how much was left out', async () => {
  const state = { items: Array.from({ length: 1_000_000 }, (_, i) => ({ i })) };
  const line = describeReason(state);
  assert.ok(line.length < 10_000, `${line.length} characters`);
  assert.match(line, /^\{"items":\[\{"i":0\},\{"i":1\},.*\{"i":99\},"… 999900 more"\]\}$/);
  const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
  assert.match(describeReason(wide), /"k99":99,"…":"400 more"\}$/);
  assert.match(describeReason('x'.repeat(20_000)), /^x{8000}… \(12000 more characters\)$/);
  let shared: unknown = 1;
  for (let i = 0; i < 40; i++) shared = [shared, shared]; // 2^40 leaves, a few objects
  assert.ok(describeReason(shared).length < 10_000);
  // A gen_server callback returning a wrong shape around a large state: the error's message stays a line.
  const node = createNode({ onCrash: () => {} });
  await node.run(async (ctx) => {
    await assert.rejects(
      genServer.start(ctx, { init: () => ({ okay: state }) as never, handleCall: () => reply(0, state) }, undefined),
      (e: Error) => e.message.length < 10_000 && /init returned a value the behaviour does not understand: \{"okay":\{"items":\[/.test(e.message),
    );
  });
  await node.shutdown();
});

test('a process that throws a value whose getters or proxy traps throw still exits: its monitors get DOWN, and the crash report does not stop it', async () => {
  const hostile = [
    new Proxy({}, { get() { throw new Error('get trap'); }, getPrototypeOf() { throw new Error('getPrototypeOf trap'); } }),
    Object.defineProperty(new Error('m'), 'message', { get() { throw new Error('message getter'); } }),
  ];
  const reports: string[] = [];
  const node = createNode({ onCrash: (pid) => reports.push(String(pid)) });
  await node.run(async (ctx) => {
    for (const value of hostile) {
      const [pid, ref] = ctx.spawnMonitor(() => {
        throw value;
      });
      const down = (await ctx.receive((m) => isDown(m, ref), 5000)) as Down | typeof TIMEOUT;
      assert.notEqual(down, TIMEOUT, 'the process exited');
      assert.ok(!ctx.isAlive(pid));
      assert.equal(typeof describeReason((down as Down).reason), 'string');
    }
  });
  assert.equal(reports.length, 2, 'each crash was reported');
  await node.shutdown();
});

test('node.run whose process throws a proxy whose traps throw rejects with ProcessExit instead of hanging', async () => {
  const node = createNode({ onCrash: () => {} });
  const hostile = new Proxy({}, { get() { throw new Error('get trap'); }, getPrototypeOf() { throw new Error('getPrototypeOf trap'); } });
  await assert.rejects(
    node.run(() => {
      throw hostile;
    }),
    (e: Error) => e.name === 'ProcessExit',
  );
  await node.shutdown();
});

test('a cyclic exit reason is described with the cycle marked, not as [object Object]; a value met twice but not in a cycle is written twice', async () => {
  const cyclic: Record<string, unknown> = { tag: 'bad_config', path: ['a'] };
  cyclic.self = cyclic;
  (cyclic.path as unknown[]).push(cyclic);
  assert.equal(describeReason(cyclic), '{"tag":"bad_config","path":["a","[Circular]"],"self":"[Circular]"}');
  const shared = { port: 80 };
  assert.equal(describeReason({ a: shared, b: [shared] }), '{"a":{"port":80},"b":[{"port":80}]}');
  const node = createNode();
  await node.run(async (ctx) => {
    const failed = await genServer.start(ctx, { init: () => stop(cyclic) }, undefined).catch((e: unknown) => e);
    assert.ok(failed instanceof StartError);
    assert.equal(failed.message, 'init failed: {"tag":"bad_config","path":["a","[Circular]"],"self":"[Circular]"}');
  });
  node.shutdown();
});
