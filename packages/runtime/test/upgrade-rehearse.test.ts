import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import { codeServerOf, createNode, genServer, loggerOf, type GenServer, type ModuleSource } from '../src/index.ts';
import { upgradeKeepingStates, UpgradeError } from '../src/code/upgrade.ts';
import { waitFor, replaceOrFail } from '../../../test/support/wait.ts';

// A release install (upgradeKeepingStates, the release handler's path) copies the states of the servers at rest
// once before it suspends anything: a state that cannot be copied refuses the install at once, without
// suspending, or waiting for, a server busy in a callback.

const compile = (name: string, ts: string, vsn: string): ModuleSource => ({ name, code: transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20' }).code, filename: `/virtual/${name}.ts`, vsn });

const v1 = `
import { ok, noreply, reply } from '@otp-ts/runtime';
export const srv = {
  init: (kind: string) => ok(kind === 'weak' ? { cache: new WeakMap() } : { n: 0 }),
  handleCall: (_r: unknown, _f: unknown, s: unknown) => reply(s, s),
  handleCast: async (_r: unknown, s: unknown, ctx: any) => {
    await ctx.receive((m: unknown) => m === 'go');
    return noreply(s);
  },
};`;
const v2 = replaceOrFail(v1, '  handleCall:', '  codeChange: (_o: unknown, s: unknown) => s,\n  handleCall:');

test('a release install refuses an uncopyable state before suspending anything: a server busy in a callback is neither sent a suspend nor waited for', async () => {
  const node = createNode();
  loggerOf(node).setLevel('emergency');
  try {
    const code = codeServerOf(node);
    await code.load(compile('app/reh_srv', v1, '1'));
    await node.run(async (ctx) => {
      const srv = code.exportsOf('app/reh_srv').srv as GenServer<unknown, unknown, unknown, unknown, string>;
      const busy = await genServer.start(ctx, srv, 'plain');
      await genServer.start(ctx, srv, 'weak');
      genServer.cast(ctx, busy, 'work');
      await waitFor('the busy server inside its callback', () => ctx.processInfo(busy)?.currentFunction !== 'gen_server.loop' && ctx.processInfo(busy)?.status === 'waiting');
      let outcome: { error: unknown } | undefined;
      void upgradeKeepingStates(ctx, code, [compile('app/reh_srv', v2, '2')], { timeoutMs: 30_000 }).then(
        () => (outcome = { error: undefined }),
        (error: unknown) => (outcome = { error }),
      );
      await waitFor('the install settled or a suspend queued for the busy server', () => outcome !== undefined || (ctx.processInfo(busy)?.messageQueueLen ?? 0) > 0, { ms: 30_000 });
      assert.equal(ctx.processInfo(busy)?.messageQueueLen, 0, 'the busy server was sent nothing');
      assert.ok(outcome?.error instanceof UpgradeError, 'the install was refused');
      assert.equal(outcome.error.stage, 'check');
      assert.match(outcome.error.message, /upgrade refused before any code was swapped: .* state\.cache is a WeakMap/);
      assert.equal(code.versions('app/reh_srv').current, '1', 'the running code is unchanged');
      ctx.send(busy, 'go');
      assert.deepEqual(await genServer.call(ctx, busy, 'get'), { n: 0 }, 'the busy server finished its callback and answers');
    });
  } finally {
    node.shutdown();
  }
});
