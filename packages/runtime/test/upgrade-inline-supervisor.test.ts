import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runtime from '@otp-ts/runtime';
import { supervisor, type Pid } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

// An application module whose start makes its top supervisor's callbacks inline (`supervisor.startLink(ctx, { init })`):
// no export is that object, so no new version can give the supervisor its new child specs (OTP runs a supervisor's
// code_change on its module, and this one has none).
const app = (children: string[]) => `
import { supervisor, type ProcessContext } from '@otp-ts/runtime';
const idle = async (ctx: ProcessContext) => { await ctx.receive(() => false); };
export async function start(ctx: ProcessContext) {
  return supervisor.startLink(ctx, {
    init: () => ({ flags: { strategy: 'oneForOne' }, children: ${JSON.stringify(children)}.map((id) => supervisor.worker(id, (c: ProcessContext) => c.spawnLink(idle))) }),
  }, undefined);
}`;

type Api = { start: (ctx: runtime.ProcessContext) => Promise<Pid> };

test('a supervisor whose callbacks an application module made inline is named by the upgrade as keeping its old child specs, and a purge leaves it alive', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('app/app', app(['a']), '1'));
    await node.run(async (ctx) => {
      const sup = await (code.exportsOf('app/app') as Api).start(ctx);
      ctx.unlink(sup);
      const report = await runtime.upgradeModules(ctx, code, [compileModule('app/app', app(['a', 'b']), '2')], {});
      assert.deepEqual(report.processes, [], 'nothing could migrate it');
      assert.deepEqual(report.stranded, [{ pid: sup, module: 'app/app', kind: 'supervisor' }], 'the report names the supervisor as keeping its old specs');
      assert.deepEqual((await supervisor.whichChildren(ctx, sup)).map((c) => c.id), ['a'], 'its specs are the old ones');
      const [child] = await supervisor.whichChildren(ctx, sup);
      // Its child runs `idle`, a closure of version 1: the purge kills it, as OTP's kills a process running purged code.
      assert.equal(code.purge('app/app'), 1, 'a purge kills the child running the purged closure, and only it');
      assert.equal(ctx.isAlive(child!.pid as Pid), false);
      assert.ok(ctx.isAlive(sup), 'a purge does not kill the supervisor: it calls its module only to start and to change code');
      ctx.exit(sup, 'shutdown');
    });
  });
});
