// A new version that no longer exports the callback object a running server was started with (renamed, removed) leaves
// that server no callback module to run. The upgrade must be refused before anything is swapped, naming the export and
// the process, rather than "rolled back" over a server it crashed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, sys, upgradeModules, UpgradeError, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

type Srv = GenServer<{ ups: number }, 'get', never, unknown, undefined>;

const mod = (v: number, exportName: string) =>
  compileModule('t/lost', `
import { ok, reply, type GenServer } from '@otp-ts/runtime';
export const ${exportName}: GenServer<{ ups: number }, 'get', never, unknown, undefined> = {
  init: () => ok({ ups: 0 }),
  handleCall: (_r, _f, s) => reply({ vsn: ${v}, ups: s.ups }, s),
  codeChange: (_o: unknown, s: { ups: number }) => ({ ups: s.ups + 1 }),
};`, String(v));

test('an upgrade whose new version no longer exports a running server\'s callbacks is refused before any swap; the servers run on', async () => {
  await withNode(async (node, crashes) => {
    const code = codeServerFor(node);
    await code.load(mod(1, 'srv'));
    await node.run(async (ctx: ProcessContext) => {
      const srv = (code.exportsOf('t/lost') as { srv: Srv }).srv;
      const idle = await genServer.start(ctx, srv, undefined);
      const held = await genServer.start(ctx, srv, undefined);
      await sys.suspend(ctx, held);
      const error = await upgradeModules(ctx, code, [mod(2, 'server')]).then(
        () => assert.fail('the upgrade succeeded'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof UpgradeError);
      assert.equal(error.stage, 'check');
      assert.match(error.message, /refused before any code was swapped: <0\.\d+\.0> runs the callbacks t\/lost exports as 'srv', which t\/lost 2 does not export/);
      assert.equal(code.record('t/lost').current?.vsn, '1', 'the code is as before');
      await sys.resume(ctx, held);
      assert.deepEqual(await genServer.call(ctx, idle, 'get'), { vsn: 1, ups: 0 });
      assert.deepEqual(await genServer.call(ctx, held, 'get'), { vsn: 1, ups: 0 });
      assert.deepEqual(crashes, [], 'no server crashed');
      await upgradeModules(ctx, code, [mod(3, 'srv')]);
      assert.deepEqual(await genServer.call(ctx, idle, 'get'), { vsn: 3, ups: 1 });
    });
  });
});
