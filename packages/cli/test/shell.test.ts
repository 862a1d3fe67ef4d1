import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startShell } from '../src/shell/session.ts';
import { typeLine as type } from './helpers.ts';
import { editsOrFail } from '../../../test/support/wait.ts';

const shop = fileURLToPath(new URL('../../../examples/shop', import.meta.url));


test('the shell boots the project, talks to its servers and hot-reloads an edited module into the same process', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-shell-'));
  cpSync(shop, root, { recursive: true });
  const input = new PassThrough();
  const output = { text: '' };
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  try {
    const shell = await startShell({ root, input, output: out });
    assert.match(output.text, /started shop/);
    await type(input, output, "await call('cart', { op: 'add', item: 'pear', n: 2 })", /\[ \[ 'pear', 2 \] \]/);
    await type(input, output, "const cart = whereis('cart'); String(cart)", /<0\.\d+\.0>/);

    const src = join(root, 'src', 'cart_server.ts');
    const v1 = readFileSync(src, 'utf8');
    writeFileSync(src, editsOrFail(v1, [
      ["case 'list':\n        return reply(items, items);", "case 'list':\n        return reply([...items, ['v2', 0]] as never, items);"],
      ['  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: (_old: unknown, items: Array<[string, number]>) => items.map(([k, n]): [string, number] => [k, n * 10]),"],
    ]));
    await type(input, output, 'await c()', /reloaded shop\/cart_server \(1 process through codeChange\)/);
    await type(input, output, "[String(whereis('cart')) === String(cart), await call('cart', { op: 'list' })]", /\[ true, \[ \[ 'pear', 20 \], \[ 'v2', 0 \] \] \]/);

    writeFileSync(src, 'export const broken = ;\n');
    await type(input, output, 'await c()', /compile error, the running code stays as it was:\n.*cart_server\.ts:1:\d+/);
    await type(input, output, "await call('cart', { op: 'list' })", /'pear', 20/);

    await type(input, output, "send(self(), 'hello'); flush()", /\[ 'hello' \]/);
    input.write('.exit\n');
    await shell.closed;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
