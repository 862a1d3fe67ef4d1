// More cases mirroring OTP's gen_server_SUITE.erl / gen_statem_SUITE.erl start cases, checked against
// proc_lib's start_link of OTP 26 and later (its manual: the EXIT of a failed start is consumed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, genStatem, ok, ignore, stop, isExit, StartError, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { withNode, quietLogs, leftovers } from './helpers.ts';

type How = 'stop' | 'ignore' | 'crash' | 'bad' | 'slow';
const server: GenServer<null, never, never, never, How> = {
  name: 'failing_server',
  async init(how, ctx) {
    if (how === 'stop') return stop('stopped');
    if (how === 'ignore') return ignore();
    if (how === 'crash') throw new Error('init crashed');
    if (how === 'slow') await ctx.receive();
    return 'nonsense' as never;
  },
};
const machine: GenStatem<'s', null, never, never, never, How> = {
  name: 'failing_machine',
  callbackMode: 'handleEvent',
  async init(how, ctx) {
    if (how === 'stop') return genStatem.stop('stopped');
    if (how === 'ignore') return genStatem.ignore();
    if (how === 'crash') throw new Error('init crashed');
    if (how === 'slow') await ctx.receive();
    return 'nonsense' as never;
  },
  handleEvent: () => genStatem.keepStateAndData(),
};
const reasonOf = (e: unknown): unknown => {
  const r = (e as StartError).reason;
  return r instanceof Error ? r.message : r;
};

test('gen_server_SUITE / gen_statem_SUITE: start — a failed start_link leaves no EXIT of the server in a trapping caller\'s mailbox (OTP 26 proc_lib)', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      ctx.trapExit(true);
      for (const how of ['stop', 'ignore', 'crash', 'bad', 'slow'] as const) {
        const options = how === 'slow' ? { timeout: 20, name: 'failing' } : { name: 'failing' };
        const got: unknown[] = [];
        for (const start of [() => genServer.startLink(ctx, server, how, options), () => genStatem.startLink(ctx, machine, how, options)]) {
          await assert.rejects(start(), (e: unknown) => (got.push(reasonOf(e)), e instanceof StartError));
          assert.equal(ctx.whereis('failing'), undefined, `${how}: the name is free when start returns`);
          const left = await leftovers(ctx);
          assert.deepEqual(left.filter(isExit).map((m) => m.reason), [], `${how}: no EXIT is left behind`);
          assert.deepEqual(left, [], `${how}: nothing at all is left behind`);
        }
        const expected = { stop: 'stopped', ignore: 'ignore', crash: 'init crashed', slow: 'timeout' } as Record<How, string>;
        if (how !== 'bad') assert.deepEqual(got, [expected[how], expected[how]]);
      }
      // A server that started and then stops still sends its EXIT to the trapping caller, as OTP's start case shows.
      const linked = await genServer.startLink(ctx, { init: () => ok(null), handleCast: () => stop('bye') } as GenServer<null, never, 'go'>, undefined);
      genServer.cast(ctx, linked, 'go');
      const exit = await ctx.receive(isExit, 20_000);
      assert.ok(isExit(exit) && exit.from === linked && exit.reason === 'bye');
    });
  });
});
