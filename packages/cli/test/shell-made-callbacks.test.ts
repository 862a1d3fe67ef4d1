import { test } from 'node:test';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellSession } from './helpers.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));

// A module whose gen_server callbacks its factory makes at run time: no export is the object the server runs.
const pool = (v: number) => `import { genServer, ok, reply, type ProcessContext } from '@otp-ts/runtime';
export function makeServer(label: string) {
  return { init: () => ok(0), handleCall: (_r: unknown, _f: unknown, n: number) => reply('${v}:' + label, n) };
}
export const start = (ctx: ProcessContext) => genServer.start(ctx, makeServer('p'), undefined);
`;


test("the shell's reload names a server running callbacks a factory made as staying on the old code, with the fix, and the next reload says it killed it", async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-shell-made-'));
  cpSync(shop, root, { recursive: true });
  writeFileSync(join(root, 'src', 'pool.ts'), pool(1));
  try {
    const { type, exit } = await shellSession(root);
    await type("const p = await mod('shop/pool').start(ctx); String(p)", /<0\.\d+\.0>/);
    writeFileSync(join(root, 'src', 'pool.ts'), pool(2));
    await type('await c()', /reloaded shop\/pool\n\s+<0\.\d+\.0> runs callbacks made at run time by shop\/pool \(not an export\): it stays on the old code, and the next reload of shop\/pool kills it; export the callback object or a class/);
    await type("await call(p, 'get')", /'1:p'/);
    writeFileSync(join(root, 'src', 'pool.ts'), pool(3));
    await type('await c()', /reloaded shop\/pool\n\s+<0\.\d+\.0> was killed: it still ran the old code of shop\/pool, which this reload purged/);
    await type('[processInfo(p)]', /\[ undefined \]/);
    await exit();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
