// An application whose top supervisor refuses to start says why in a sentence, not as the raw exit reason's JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, supervisor, type ApplicationError } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

test('an application whose supervisor has a bad spec or a child that fails to start says so in a sentence, not JSON', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const badSpec = { init: () => ({ children: [{ id: 'x' }] }) } as never;
      await application.load(ctx, { name: 'shop', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, badSpec, undefined) } });
      const e1 = await application.start(ctx, 'shop').then(() => null, (e: ApplicationError) => e);
      assert.match(e1?.message ?? '', /^application 'shop' failed to start: its supervisor's spec is invalid: /);
      assert.doesNotMatch(e1!.message, /[{}"]badSupervisorSpec/);
      const failing = { init: () => ({ children: [{ id: 'db', start: () => Promise.reject(new Error('port in use')) }] }) } as never;
      await application.load(ctx, { name: 'store', vsn: '1', mod: { start: (_t, _a, c) => supervisor.startLink(c, failing, undefined) } });
      const e2 = await application.start(ctx, 'store').then(() => null, (e: ApplicationError) => e);
      assert.match(e2?.message ?? '', /^application 'store' failed to start: its supervisor's child 'db' failed to start: Error: port in use$/);
    });
  });
});
