import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellSession } from './helpers.ts';
import { editsOrFail } from '../../../test/support/wait.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));


test('the shell boots the project, talks to its servers and hot-reloads an edited module into the same process', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-shell-'));
  cpSync(shop, root, { recursive: true });
  try {
    const { output, type, exit } = await shellSession(root);
    assert.match(output.text, /started shop/);
    await type("await call('cart', { op: 'add', item: 'pear', n: 2 })", /\[ \[ 'pear', 2 \] \]/);
    await type("const cart = whereis('cart'); String(cart)", /<0\.\d+\.0>/);

    const src = join(root, 'src', 'cart_server.ts');
    const v1 = readFileSync(src, 'utf8');
    writeFileSync(src, editsOrFail(v1, [
      ["case 'list':\n        return reply(items, items);", "case 'list':\n        return reply([...items, ['v2', 0]] as never, items);"],
      ['  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: (_old: unknown, items: Array<[string, number]>) => items.map(([k, n]): [string, number] => [k, n * 10]),"],
    ]));
    await type('await c()', /reloaded shop\/cart_server \(1 process through codeChange\)/);
    await type("[String(whereis('cart')) === String(cart), await call('cart', { op: 'list' })]", /\[ true, \[ \[ 'pear', 20 \], \[ 'v2', 0 \] \] \]/);

    writeFileSync(src, 'export const broken = ;\n');
    await type('await c()', /compile error, the running code stays as it was:\n.*cart_server\.ts:1:\d+/);
    await type("await call('cart', { op: 'list' })", /'pear', 20/);

    await type("send(self(), 'hello'); flush()", /\[ 'hello' \]/);
    await exit();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
