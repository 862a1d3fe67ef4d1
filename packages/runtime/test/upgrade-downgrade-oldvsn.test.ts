// A downgrade through upgradeModules({ downgrade: true }) without an explicit oldVsn: each codeChange must be able to
// tell it from an upgrade, as OTP's code_change({down, Vsn}, ...) can, or it converts the state the wrong way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, genServer, upgradeModules, type GenEventHandler, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// Version `v`: the state records each codeChange's oldVsn; version 2's turns the count into a string and back on a downgrade.
const counter = (v: number) =>
  compileModule('d/counter', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const counter: GenServer<{ n: unknown; seen: unknown[] }, 'get', never, unknown, undefined> = {
  init: () => ok({ n: 1, seen: [] }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, ...s }, s),
  codeChange: (old: unknown, s: { n: unknown; seen: unknown[] }) => {
    const down = typeof old === 'object' && old !== null && 'down' in old;
    return { n: ${v === 2 ? "down ? Number(s.n) : String(s.n)" : 's.n'}, seen: [...s.seen, old] };
  },
};`, String(v));

const handler = (v: number) =>
  compileModule('d/handler', `
import type { GenEventHandler } from '@otp-ts/runtime';
export const handler: GenEventHandler<unknown, { seen: unknown[] }, 'get', unknown> = {
  init: () => ({ type: 'ok', state: { seen: [] } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: s }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: ${v}, ...s }, state: s }),
  codeChange: (old: unknown, s: { seen: unknown[] }) => ({ seen: [...s.seen, old] }),
};`, String(v));

test('a downgrade without an explicit oldVsn gives each codeChange { down: <version loaded> }, so it converts the state back, not forward', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(counter(1));
    await code.load(handler(1));
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, (code.exportsOf('d/counter') as { counter: GenServer<unknown, 'get', never, unknown, undefined> }).counter, undefined);
      const mgr = await genEvent.start(ctx);
      const h = () => (code.exportsOf('d/handler') as { handler: GenEventHandler<unknown, unknown, unknown, unknown> }).handler;
      await genEvent.addHandler(ctx, mgr, h(), undefined);
      await upgradeModules(ctx, code, [counter(2), handler(2)]);
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 2, n: '1', seen: ['1'] });
      await upgradeModules(ctx, code, [counter(1), handler(1)], { downgrade: true });
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 1, n: 1, seen: ['1', { down: '1' }] }, 'the leaving version converted the state back');
      assert.deepEqual(await genEvent.call(ctx, mgr, h(), 'get'), { vsn: 1, seen: ['1', { down: '1' }] });
    });
  });
});
