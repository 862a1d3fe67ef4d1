// A module loaded again under the same file name (otp shell --watch, c() and l() reload from the same
// _build file) keeps each version's own source map: a stack of the old version's code, and a CPU profile
// of old and new code running side by side, show each version's own TypeScript lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transformSync } from 'esbuild';
import * as runtime from '@otp-ts/runtime';
import { codeServerOf, createNode, rpc, type ModuleSource } from '@otp-ts/runtime';
import { EpmdServer, PROFILE_RPC_MODULE, type ProfileResult } from '@otp-ts/runtime/tools';

const FILE = '/virtual/_build/dev/lib/reapp/reapp/hot.js';
const SOURCE = '/virtual/src/hot.ts';

// One version of the module: `pad` blank lines push its functions down, so each version's lines differ.
function version(pad: number, tag: string): ModuleSource {
  const ts = `${'\n'.repeat(pad)}export function spin(ms: number) {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}
export function boom(): never {
  throw new Error('${tag}');
}
`;
  const { code } = transformSync(ts, { loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcefile: SOURCE });
  return { name: 'reapp/hot', code, filename: FILE };
}

// The TypeScript line (1-based) of `text` in a version padded by `pad` lines.
const lineOf = (pad: number, text: string): number => pad + 1 + ['export function spin', '  const end', '  let n', '  while', '  return n', '}', 'export function boom', '  throw'].findIndex((l) => text.startsWith(l));

test('after a reload under the same file name, the old version keeps its own source map: its stack and a CPU profile show its own TypeScript lines', { timeout: 120_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'reload_maps@127.0.0.1', cookie: 'k', epmdPort, log: () => {} });
  try {
    const code = codeServerOf(node, { preloaded: { '@otp-ts/runtime': runtime } });
    await code.load(version(0, 'v1'));
    const old = code.exportsOf('reapp/hot') as { spin(ms: number): number; boom(): never };
    const oldSpin = old.spin;
    const oldBoom = old.boom;
    await code.load(version(40, 'v2'));
    const current = code.exportsOf('reapp/hot') as { spin(ms: number): number; boom(): never };
    assert.notEqual(current.spin, oldSpin, 'a new version is current');

    const stackOf = (f: () => never): string => {
      try {
        f();
      } catch (error) {
        return (error as Error).stack ?? '';
      }
      return '';
    };
    assert.match(stackOf(oldBoom), new RegExp(`^Error: v1\\n\\s+at boom \\(${SOURCE}:${lineOf(0, '  throw')}:`), 'the old version throws at its own line');
    assert.match(stackOf(current.boom), new RegExp(`^Error: v2\\n\\s+at boom \\(${SOURCE}:${lineOf(40, '  throw')}:`), 'the new version throws at its own line');

    // Old and new code busy side by side while the node profiles itself.
    let busy = true;
    node.spawn(async (ctx) => {
      while (busy) {
        oldSpin(3);
        current.spin(3);
        await ctx.sleep(1);
      }
    });
    const result = (await node.run((ctx) => rpc.call(ctx, node.name, PROFILE_RPC_MODULE, 'run', [400, undefined, 200], 60_000))) as ProfileResult;
    busy = false;
    assert.ok(result.ok, result.ok ? '' : result.error);
    const spins = new Set(result.profile.nodes.filter((n) => n.callFrame.functionName === 'spin').map((n) => `${n.callFrame.url}:${n.callFrame.lineNumber + 1}`));
    assert.deepEqual([...spins].sort(), [`${SOURCE}:${lineOf(0, 'export function spin')}`, `${SOURCE}:${lineOf(40, 'export function spin')}`].sort(), 'each version of spin at its own line');
  } finally {
    await node.shutdown();
    await epmd.close();
  }
});
