// End to end through the built binary: otp compile and otp shell on a copy of the example application,
// with a live edit hot-loaded into the same process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
const shop = fileURLToPath(new URL('../examples/shop', import.meta.url));

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-e2e-'));
  cpSync(shop, dir, { recursive: true });
  return dir;
}

test('otp compile writes one module per source, recompiles nothing when nothing changed, and reports errors with file:line', () => {
  const dir = project();
  try {
    const first = spawnSync(process.execPath, [bin, 'compile'], { cwd: join(dir, 'src'), encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /compiled shop 0\.1\.0: 6 modules changed/);
    assert.ok(existsSync(join(dir, '_build', 'dev', 'lib', 'shop-0.1.0', 'src', 'cart_server.js')));
    const again = spawnSync(process.execPath, [bin, 'compile', '--quiet'], { cwd: dir, encoding: 'utf8' });
    assert.equal(again.status, 0);
    writeFileSync(join(dir, 'src', 'bad.ts'), 'export const x = ;\n');
    const bad = spawnSync(process.execPath, [bin, 'compile'], { cwd: dir, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^otp: compiling failed:\n.*src\/bad\.ts:1:17: Unexpected ";"/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('otp shell: call the running server, edit its state shape, c() upgrades the same process through codeChange', async () => {
  const dir = project();
  const child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const until = async (re: RegExp): Promise<void> => {
    for (let i = 0; i < 1000 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(out, re);
  };
  try {
    await until(/started shop/);
    child.stdin.write("await call('cart', { op: 'add', item: 'apple', n: 2 })\n");
    await until(/\[ \[ 'apple', 2 \] \]/);
    child.stdin.write("const before = String(whereis('cart')); before\n");
    await until(/'<0\.\d+\.0>'/);
    const src = join(dir, 'src', 'cart_server.ts');
    writeFileSync(
      src,
      readFileSync(src, 'utf8')
        .replace("case 'list':\n        return reply(items, items);", "case 'list':\n        return reply([...items, ['migrated', items.length]] as never, items);")
        .replace('  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: (_old: unknown, items: Array<[string, number]>) => items.map(([k, n]): [string, number] => [k.toUpperCase(), n]),"),
    );
    child.stdin.write('await c()\n');
    await until(/reloaded shop\/cart_server \(1 process through codeChange\)/);
    child.stdin.write("[String(whereis('cart')) === before, await call('cart', { op: 'list' })]\n");
    await until(/\[ true, \[ \[ 'APPLE', 2 \], \[ 'migrated', 1 \] \] \]/);
    child.stdin.write('q()\n');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test("otp shell follows OTP's two-version rule: a cross-module call runs the new code, a local loop keeps the old until purge kills it; a throwing codeChange changes nothing", async () => {
  const dir = project();
  const looper = join(dir, 'src', 'looper.ts');
  const looperSource = (v: number) => `import type { Pid, ProcessContext } from '@otp-ts/runtime';
/** This version's number. */
export const version = (): number => ${v};
/** A local loop: answers each { from } with version() of the code it runs, until 'stop'. */
export async function loop(ctx: ProcessContext): Promise<void> {
  for (;;) {
    const m = (await ctx.receive()) as { from: Pid } | 'stop';
    if (m === 'stop') return;
    ctx.send(m.from, version());
  }
}
`;
  writeFileSync(looper, looperSource(1));
  writeFileSync(join(dir, 'src', 'asker.ts'), "import { version } from './looper.ts';\n/** A cross-module call: always the newest version of looper. */\nexport const askVersion = (): number => version();\n");
  const child = spawn(process.execPath, [bin, 'shell'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const until = async (re: RegExp): Promise<void> => {
    for (let i = 0; i < 1000 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(out, re);
  };
  const say = async (line: string, answer: RegExp): Promise<void> => {
    const mark = out.length;
    child.stdin.write(`${line}\n`);
    for (let i = 0; i < 1000 && !answer.test(out.slice(mark)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(out.slice(mark), answer, line);
  };
  try {
    await until(/started shop/);
    await say("const p = await spawn(mod('shop/looper').loop); send(p, { from: self() }); await new Promise((r) => setTimeout(r, 50)); await flush()", /Shell got 1\n/);
    writeFileSync(looper, looperSource(2));
    await say('await c()', /reloaded shop\/looper/);
    await say("mod('shop/asker').askVersion()", /^2\n/);
    await say('send(p, { from: self() }); await new Promise((r) => setTimeout(r, 50)); await flush()', /Shell got 1\n/);
    await say("code.versions('shop/looper')", /current: '[0-9a-f]+', old: '[0-9a-f]+'/);
    await say("code.softPurge('shop/looper')", /^false\n/);
    await say("[code.purge('shop/looper'), processInfo(p)]", /^\[ 1, undefined \]\n/);

    // A codeChange that throws: the reload is refused, and the old code and state run on.
    await say("await call('cart', { op: 'add', item: 'pear', n: 3 })", /\[ 'pear', 3 \]/);
    const cart = join(dir, 'src', 'cart_server.ts');
    writeFileSync(cart, readFileSync(cart, 'utf8').replace('  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: () => {\n    throw new Error('cannot migrate the cart');\n  },"));
    await say('await c()', /reload failed, the running code stays as it was: .*cannot migrate the cart/);
    await say("await call('cart', { op: 'list' })", /\[ \[ 'pear', 3 \] \]/);
    child.stdin.write('q()\n');
    assert.equal(await new Promise<number | null>((resolve) => child.once('exit', resolve)), 0, out);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
