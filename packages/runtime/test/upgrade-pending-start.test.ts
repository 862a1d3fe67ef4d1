// An upgrade whose participants are all at rest does its scan, swap and migration in one turn. A server spawned in
// that turn just before, whose init has not run yet, must still be found and migrated, not left on the old code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '../src/index.ts';
import { upgradeKeepingStates } from '../src/code/upgrade.ts';
import type { ModuleSource } from '../src/code/module.ts';

function compile(name: string, ts: string, vsn: string): ModuleSource {
  const { code } = transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: `${name}.ts` });
  return { name, code, filename: `/virtual/${name}.ts`, vsn };
}

const v1 = "import { ok, reply } from '@otp-ts/runtime'; export const srv = { init: () => ok({ n: 0 }), handleCall: (_r: unknown, _f: unknown, s: unknown) => reply(s, s) };";
const v2 = v1.replace('handleCall', 'codeChange: (_o: unknown, s: object) => ({ ...s, v: 2 }), handleCall');

test('a server spawned in the turn an upgrade starts, its init not run yet, is migrated with the servers at rest', async () => {
  const node = runtime.createNode();
  runtime.loggerOf(node).removeHandler('default');
  const code = runtime.codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
  try {
    await code.load(compile('t/srv', v1, '1'));
    await node.run(async (ctx) => {
      const srv = () => (code.exportsOf('t/srv') as { srv: runtime.GenServer<unknown, unknown, never, unknown, undefined> }).srv;
      const early = await runtime.genServer.start(ctx, srv(), undefined);
      const source = compile('t/srv', v2, '2');
      const next = await code.evaluate(source);
      // Spawned now, in this turn: its body, and so its init, runs in a microtask after the upgrade's scan.
      const late = runtime.genServer.start(ctx, srv(), undefined);
      const { report } = await upgradeKeepingStates(ctx, code, [source], { evaluated: [next] });
      const latePid = await late;
      assert.deepEqual(await runtime.genServer.call(ctx, early, 'get'), { n: 0, v: 2 });
      assert.deepEqual(await runtime.genServer.call(ctx, latePid, 'get'), { n: 0, v: 2 }, 'the server spawned in the upgrade turn was left on the old code');
      assert.equal(report.processes.length, 2);
    });
  } finally {
    node.shutdown();
  }
});
