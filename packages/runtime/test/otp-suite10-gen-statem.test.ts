// Cases mirroring OTP's lib/stdlib/test/gen_statem_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, sys, type GenStatem } from '@otp-ts/runtime';

type StateAndData<S, D> = genStatem.StateAndData<S, D>;
import { withNode } from './helpers.ts';

type Door = GenStatem<string, { opens: number }, 'get', never, StateAndData<string, { opens: number }>, void>;

test('gen_statem_SUITE: code_change — a codeChange that returns no data (only a state) fails the change with bad_return_value and keeps state and data, as OTP refuses anything but {ok, State, Data}', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const v1: Door = {
        name: 'door',
        callbackMode: 'handleEvent',
        init: () => genStatem.ok('locked', { opens: 3 }),
        handleEvent: (e, state, data) => (e.type === 'call' ? genStatem.keepStateAndData([{ reply: [e.from, { state, data }] }]) : genStatem.keepStateAndData()),
      };
      // A migration that forgot the data (untyped code can return anything).
      const v2: Door = { ...v1, codeChange: (_old, state) => ({ state: `${state}_v2` }) as unknown as StateAndData<string, { opens: number }> };
      const pid = await genStatem.start(ctx, v1, undefined);
      await sys.suspend(ctx, pid);
      await assert.rejects(sys.changeCode(ctx, pid, v2, '1'), (e: Error) => e.name === 'BadReturnValue' && /codeChange/.test(e.message));
      await sys.resume(ctx, pid);
      assert.deepEqual(await genStatem.call(ctx, pid, 'get'), { state: 'locked', data: { opens: 3 } });
      await genStatem.stop(ctx, pid);
    });
  });
});
