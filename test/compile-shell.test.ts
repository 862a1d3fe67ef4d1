// End to end through the built binary: otp compile and otp shell on a copy of the example application,
// with a live edit hot-loaded into the same process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin, startShellNode } from './support/cli.ts';
import { replaceOrFail } from './support/wait.ts';

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
    assert.match(bad.stderr, /^otp: compiling failed: src\/bad\.ts:1:18: Unexpected ";"/m);
    // The location once, relative to the project root (as tsc and esbuild print it), also from a subfolder.
    for (const cwd of [dir, join(dir, 'src')]) {
      const r = spawnSync(process.execPath, [bin, 'compile'], { cwd, encoding: 'utf8' });
      assert.equal(r.stderr, 'otp: compiling failed: src/bad.ts:1:18: Unexpected ";"\n');
    }
    // Several: one line each, under their count, columns 1-based as tsc gives them.
    writeFileSync(join(dir, 'src', 'worse.ts'), 'export const y =\n  ;\n');
    const two = spawnSync(process.execPath, [bin, 'compile'], { cwd: dir, encoding: 'utf8' });
    assert.equal(two.status, 1);
    assert.equal(two.stderr, 'otp: compiling failed, 2 errors:\nsrc/bad.ts:1:18: Unexpected ";"\nsrc/worse.ts:2:3: Unexpected ";"\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('otp shell: call the running server, edit its state shape, c() upgrades the same process through codeChange', async () => {
  const shell = await startShellNode([]);
  try {
    await shell.say("await call('cart', { op: 'add', item: 'apple', n: 2 })", /\[ \[ 'apple', 2 \] \]/);
    await shell.say("const before = String(whereis('cart')); before", /'<0\.\d+\.0>'/);
    const src = join(shell.dir, 'src', 'cart_server.ts');
    writeFileSync(
      src,
      readFileSync(src, 'utf8')
        .replace("case 'list':\n        return reply(items, items);", "case 'list':\n        return reply([...items, ['migrated', items.length]] as never, items);")
        .replace('  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: (_old: unknown, items: Array<[string, number]>) => items.map(([k, n]): [string, number] => [k.toUpperCase(), n]),"),
    );
    await shell.say('await c()', /reloaded shop\/cart_server \(1 process through codeChange\)/);
    await shell.say("[String(whereis('cart')) === before, await call('cart', { op: 'list' })]", /\[ true, \[ \[ 'APPLE', 2 \], \[ 'migrated', 1 \] \] \]/);
    // A syntax error at c() is shown once, relative to the project root.
    writeFileSync(join(shell.dir, 'src', 'broken.ts'), 'export const x = ;\n');
    await shell.say('await c()', /compile error, the running code stays as it was:\nsrc\/broken\.ts:1:18: Unexpected ";"\n/);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.stop();
  }
});

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

test("otp shell follows OTP's two-version rule: a cross-module call runs the new code, a local loop keeps the old until purge kills it; a throwing codeChange changes nothing", async () => {
  const shell = await startShellNode([], process.env, (dir) => {
    writeFileSync(join(dir, 'src', 'looper.ts'), looperSource(1));
    writeFileSync(join(dir, 'src', 'asker.ts'), "import { version } from './looper.ts';\n/** A cross-module call: always the newest version of looper. */\nexport const askVersion = (): number => version();\n");
  });
  try {
    // The line waits for the loop's reply in the shell process's mailbox (30 s deadline), not a fixed time.
    const reply = '[await ctx.receive(null, 30000)]';
    await shell.say(`const p = await spawn(mod('shop/looper').loop); send(p, { from: self() }); ${reply}`, /\[ 1 \]\n/);
    writeFileSync(join(shell.dir, 'src', 'looper.ts'), looperSource(2));
    await shell.say('await c()', /reloaded shop\/looper/);
    await shell.say("mod('shop/asker').askVersion()", /^2\n/);
    await shell.say(`send(p, { from: self() }); ${reply}`, /\[ 1 \]\n/);
    await shell.say("code.versions('shop/looper')", /current: '[0-9a-f]+', old: '[0-9a-f]+'/);
    await shell.say("code.softPurge('shop/looper')", /^false\n/);
    await shell.say("[code.purge('shop/looper'), processInfo(p)]", /^\[ 1, undefined \]\n/);

    // A codeChange that throws: the reload is refused, and the old code and state run on.
    await shell.say("await call('cart', { op: 'add', item: 'pear', n: 3 })", /\[ 'pear', 3 \]/);
    const cart = join(shell.dir, 'src', 'cart_server.ts');
    writeFileSync(cart, replaceOrFail(readFileSync(cart, 'utf8'), '  init: () => ok([]),', "  init: () => ok([]),\n  codeChange: () => {\n    throw new Error('cannot migrate the cart');\n  },"));
    await shell.say('await c()', /reload failed, the running code stays as it was: .*cannot migrate the cart/);
    await shell.say("await call('cart', { op: 'list' })", /\[ \[ 'pear', 3 \] \]/);
    assert.equal(await shell.quit(), 0, shell.out());
  } finally {
    shell.stop();
  }
});

test('otp shell whose input ends while a line awaits a promise that can never settle says so and stops the shell (it exited 13 in silence)', () => {
  const dir = project();
  try {
    const r = spawnSync(process.execPath, [bin, 'shell', '--quiet'], { cwd: dir, encoding: 'utf8', input: 'const z = await new Promise(() => {})\n' });
    // The abandoned line failed: exit 1, as a piped shell ends when a statement failed.
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /1 of 1 statement failed in the shell/);
    assert.match(r.stdout, /the input ended while a line was still waiting on a promise that can never settle: it was abandoned; stopping the shell\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
