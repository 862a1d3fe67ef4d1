// A handleEvent machine whose states are objects holding themselves (cycles): the "did the state change" check must not overflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, type GenStatem } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

interface Loop {
  name: string;
  self?: Loop;
}
const cyclic = (name: string): Loop => {
  const s: Loop = { name };
  s.self = s;
  return s;
};

type M = GenStatem<Loop, string[], 'get', string, { state: string; data: string[] }, void>;

const machine = (log: string[]): M => ({
  name: 'cyclic',
  callbackMode: 'handleEvent',
  stateEnter: true,
  init: () => genStatem.ok(cyclic('a'), []),
  handleEvent: (e, state, data) => {
    if (e.type === 'enter') return genStatem.keepState([...data, `enter ${state.name} from ${(e.oldState as Loop).name}`]);
    if (e.type === 'call') return genStatem.keepStateAndData([{ reply: [e.from, { state: state.name, data }] }]);
    if (e.type === 'cast' && e.content === 'wait') return state.name === 'b' ? genStatem.keepState([...data, 'waited']) : genStatem.keepStateAndData([{ postpone: true }]);
    if (e.type === 'cast') return genStatem.nextState(cyclic(e.content), data);
    return genStatem.keepStateAndData();
  },
  terminate: (reason: unknown) => void log.push(`terminate ${String(reason)}`),
});

test('gen_statem: a handleEvent machine moving between states that hold themselves (cycles) changes state, runs the enter call and replays postponed events, as OTP compares the states as terms', async () => {
  await withNode(async (node) => {
    const log: string[] = [];
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, machine(log), undefined);
      genStatem.cast(ctx, pid, 'wait');
      // A new object of the same shape is the same state: the postponed event stays postponed.
      genStatem.cast(ctx, pid, 'a');
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), { state: 'a', data: ['enter a from a'] });
      genStatem.cast(ctx, pid, 'b');
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), { state: 'b', data: ['enter a from a', 'enter b from a', 'waited'] });
      await genStatem.stop(ctx, pid);
    });
    assert.deepEqual(log, ['terminate normal']);
  });
});

test('gen_statem: a handleEvent machine whose states nest deeper than the stack (a long linked list) compares them without overflowing', async () => {
  type Deep = { name: string; next: Deep | null };
  const deep = (name: string): Deep => {
    let s: Deep = { name, next: null };
    for (let i = 0; i < 50_000; i++) s = { name, next: s };
    return s;
  };
  const m: GenStatem<Deep, number, 'get', string, { state: string; data: number }, void> = {
    name: 'deep',
    callbackMode: 'handleEvent',
    init: () => genStatem.ok(deep('a'), 0),
    handleEvent: (e, state, data) => {
      if (e.type === 'call') return genStatem.keepStateAndData([{ reply: [e.from, { state: state.name, data }] }]);
      if (e.type === 'cast' && e.content === 'wait') return state.name === 'b' ? genStatem.keepState(data + 1) : genStatem.keepStateAndData([{ postpone: true }]);
      if (e.type === 'cast') return genStatem.nextState(deep(e.content), data);
      return genStatem.keepStateAndData();
    },
  };
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'wait');
      genStatem.cast(ctx, pid, 'a');
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), { state: 'a', data: 0 });
      genStatem.cast(ctx, pid, 'b');
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), { state: 'b', data: 1 });
      await genStatem.stop(ctx, pid);
    });
  });
});

test('gen_statem: a generic timeout named by a value that holds itself (a cycle) is a bad return value: terminate runs and the caller hears why, instead of the machine dying outside its callbacks', async () => {
  const log: string[] = [];
  const named: { self?: unknown } = {};
  named.self = named;
  const m: GenStatem<string, null, 'arm', never, string, void> = {
    name: 'cyclic_timeout',
    callbackMode: 'handleEvent',
    init: () => genStatem.ok('idle', null),
    handleEvent: (e) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.genericTimeout(named, 10), { reply: [e.from, 'armed'] }]) : genStatem.keepStateAndData()),
    terminate: (reason: unknown) => void log.push(`terminate ${(reason as Error).name}`),
  };
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, m, undefined);
      await assert.rejects(genStatem.call(ctx, pid, 'arm'), (e: Error) => /BadReturnValue|bad return/i.test(String((e as { failure?: unknown }).failure ?? e.message)));
    });
  });
  assert.deepEqual(log, ['terminate BadReturnValue']);
});

test('gen_statem: a handleEvent machine whose states are Maps holding themselves (cycles) moves between them without dying outside its callbacks', async () => {
  const cyclicMap = (name: string): Map<string, unknown> => {
    const s = new Map<string, unknown>([['name', name]]);
    s.set('self', s);
    return s;
  };
  const m: GenStatem<Map<string, unknown>, null, 'get', string, unknown, void> = {
    name: 'cyclic_map',
    callbackMode: 'handleEvent',
    init: () => genStatem.ok(cyclicMap('a'), null),
    handleEvent: (e, state) => {
      if (e.type === 'call') return genStatem.keepStateAndData([{ reply: [e.from, state.get('name')] }]);
      if (e.type === 'cast') return genStatem.nextState(cyclicMap(e.content), null);
      return genStatem.keepStateAndData();
    },
  };
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.start(ctx, m, undefined);
      genStatem.cast(ctx, pid, 'b');
      assert.equal(await genStatem.call(ctx, pid, 'get'), 'b');
      await genStatem.stop(ctx, pid);
    });
  });
});
