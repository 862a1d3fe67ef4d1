// An upgrade given one module twice (two versions of it) would install one over the other, purging the version before
// under processes not yet migrated and reporting the module twice: it is refused before anything changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer, type ProcessContext, type UpgradeError } from '@otp-ts/runtime';
import { withNode, versionedServer, codeServerFor } from './helpers.ts';

type Srv = GenServer<unknown, 'get', never, unknown, unknown>;

// Version v of app/w (export srv): init's state is `init`, a call answers { vsn, state }, codeChange is the given member.
const server = (v: number, init: string, codeChange: string) => versionedServer('app/w', v, init, codeChange);

test('an upgrade given one module twice (two versions of app/w) is refused before anything changes, naming the module and both versions', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(server(1, '{ n: 1 }', ''));
    await node.run(async (ctx: ProcessContext) => {
      const pid = await genServer.start(ctx, (code.exportsOf('app/w') as { srv: Srv }).srv, undefined);
      const next = (v: number) => server(v, '{ n: 1 }', 'codeChange: (_o: unknown, s: unknown) => s,');
      await assert.rejects(upgradeModules(ctx, code, [next(2), next(3)]), (e: UpgradeError) => e.stage === 'evaluate' && e.module === 'app/w' && e.message === 'upgrade not started: app/w is given twice (versions 2 and 3): give each module once, in its newest version');
      assert.deepEqual(code.versions('app/w'), { current: '1', old: undefined });
      assert.deepEqual(await genServer.call(ctx, pid, 'get'), { vsn: 1, state: { n: 1 } });
    });
  });
});
