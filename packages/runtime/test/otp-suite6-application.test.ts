// Cases mirroring OTP's lib/kernel/test/application_SUITE.erl not covered before, each named after the case it follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { application, ApplicationError } from '@otp-ts/runtime';
import { withNode, quietLogs } from './helpers.ts';

test('application_SUITE: ensure_started — starts a loaded application once; a running one is no error; a missing or unready one is', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      await application.load(ctx, { name: 'ens_dep', vsn: '1.0.0' });
      await application.load(ctx, { name: 'ens_app', vsn: '1.0.0', applications: ['ens_dep'] });
      const code = (c: string) => (e: unknown) => e instanceof ApplicationError && e.code === c;
      await assert.rejects(application.ensureStarted(ctx, 'ens_app'), code('notStartedDependency'));
      await assert.rejects(application.ensureStarted(ctx, 'ens_none'), code('notLoaded'));
      await application.ensureStarted(ctx, 'ens_dep');
      await application.ensureStarted(ctx, 'ens_dep');
      await application.ensureStarted(ctx, 'ens_app', 'temporary');
      await application.ensureStarted(ctx, 'ens_app');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['ens_app', 'ens_dep']);
    });
  });
});
