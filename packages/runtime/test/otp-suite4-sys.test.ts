// sys_SUITE / gen_statem_SUITE's get_status of a state machine: its status lists the events it postponed, shaped
// by the same formatStatus call as its state (OTP's "Postponed" in the status of a gen_statem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genStatem, sys, type GenStatem } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const { ok, keepStateAndData, postpone } = genStatem;
type Data = { secret: string };
type Status = Parameters<NonNullable<GenStatem<'locked', Data>['formatStatus']>>[0];

const locked: GenStatem<'locked', Data, never, { pin: string }, never, void> = {
  name: 'safe',
  callbackMode: 'stateFunctions',
  init: () => ok('locked', { secret: 'hunter2' }),
  states: {
    locked: () => keepStateAndData([postpone]),
  },
  formatStatus(status: Status): Status {
    const hide = (events: typeof status.postponed) => events?.map((e) => (e.type === 'cast' ? { ...e, content: { pin: '****' } } : e));
    return { ...status, data: { secret: '***' }, postponed: hide(status.postponed), queue: hide(status.queue) };
  },
};

test('sys_SUITE get_status: a gen_statem shows its postponed events, through formatStatus, and an empty queue', async () => {
  await withNode(async (node) => {
    await node.run(async (ctx) => {
      const pid = await genStatem.startLink(ctx, locked, undefined);
      genStatem.cast(ctx, pid, { pin: '1234' });
      genStatem.cast(ctx, pid, { pin: '0000' });
      const status = await sys.getStatus(ctx, pid);
      assert.deepEqual(status.state, { state: 'locked', data: { secret: '***' } });
      assert.deepEqual(
        status.postponed?.map((e) => (e as { type: string; content: unknown }).content),
        [{ pin: '****' }, { pin: '****' }],
        'both casts are postponed, oldest first, and formatStatus hid their pins',
      );
      assert.deepEqual(status.queue, []);
      assert.ok(!JSON.stringify(status).includes('1234'), 'no postponed content escapes formatStatus');
    });
  });
});
