import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genEvent, upgradeModules, type GenEventHandler, type UpgradeError } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// A gen_event handler is named by its module, whatever the version (OTP): a client that read the handler from its
// module while an upgrade had swapped the code, and calls the manager with it, is served by the handler the
// rollback put back.

const v1 = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<{ n: number }, string, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { n: 0 } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: { n: s.n + 1 } }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: 1, s }, state: s }),
};`;
// Its codeChange waits for the test's gate, then throws: the upgrade rolls back.
const v2 = `
import { type GenEventHandler } from '@otp-ts/runtime';
export const audit: GenEventHandler<{ n: number }, string, 'get', unknown> = {
  name: 'audit',
  init: () => ({ type: 'ok', state: { n: 0 } }),
  handleEvent: (_e, s) => ({ type: 'ok', state: { n: s.n + 1 } }),
  handleCall: (_r, s) => ({ type: 'reply', reply: { vsn: 2, s }, state: s }),
  codeChange: async () => { await (globalThis as any).auditGate; throw new Error('the v2 state does not fit'); },
};`;

type Audit = { audit: GenEventHandler<unknown, string, 'get', unknown> };

test('a call naming the handler as a client read it while the upgrade had swapped the code is answered by the handler the rollback put back', async () => {
  let open!: () => void;
  (globalThis as { auditGate?: Promise<void> }).auditGate = new Promise<void>((resolve) => (open = resolve));
  try {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      await code.load(compileModule('app/audit_rb', v1, '1'));
      const handler = () => (code.exportsOf('app/audit_rb') as Audit).audit;
      await node.run(async (ctx) => {
        const mgr = await genEvent.start<string>(ctx);
        await genEvent.addHandler(ctx, mgr, handler(), undefined);
        await genEvent.syncNotify(ctx, mgr, 'a');
        const v1Handler = handler();
        const upgrade = node.run((u) => upgradeModules(u, code, [compileModule('app/audit_rb', v2, '2')])).then(
          () => assert.fail('the upgrade succeeded'),
          (e: unknown) => ((e as Error).name === 'ProcessExit' ? (e as Error).cause : e) as UpgradeError,
        );
        const deadline = Date.now() + 5000;
        while (handler() === v1Handler) {
          if (Date.now() > deadline) throw new Error('the upgrade never swapped the code');
          await ctx.sleep(1);
        }
        // A client reads the handler from its module now (version 2) and calls the manager, busy in codeChange.
        const swapped = handler();
        const call = node.run((c) => genEvent.call(c, mgr, swapped, 'get'));
        open();
        const error = await upgrade;
        assert.equal(error.stage, 'codeChange');
        assert.equal(handler(), v1Handler, 'the rollback put version 1 back in the table');
        assert.deepEqual(await call, { vsn: 1, s: { n: 1 } }, 'the handler the rollback put back answered');
        assert.deepEqual(await genEvent.call(ctx, mgr, handler(), 'get'), { vsn: 1, s: { n: 1 } });
      });
    });
  } finally {
    delete (globalThis as { auditGate?: Promise<void> }).auditGate;
  }
});
