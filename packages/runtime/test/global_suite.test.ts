// kernel's global_SUITE translated to this API: each test is named after the OTP case it translates. Nodes are
// in-process OtpNodes joined over real TCP on loopback through a real port mapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { global, RuntimeError, type OtpNode, type Pid, type ProcessContext } from '@otp-ts/runtime';
import { waitFor } from '../../../test/support/wait.ts';
import { withCluster } from './helpers.ts';

const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<unknown> => waitFor(what, check, { ms });
const idle = (ctx: ProcessContext): Promise<unknown> => ctx.receive();
const idOf = (node: OtpNode, pid: Pid | undefined): string | undefined => (pid === undefined ? undefined : `${pid.node === 0 ? node.name : node.dist!.nameOf(pid.node)}/${pid.id}.${pid.serial}`);
const where = (node: OtpNode, name: string): Promise<string | undefined> => node.run((ctx) => idOf(node, global.whereis(ctx, name)));

const cluster = (prefix: string, count: number, body: (nodes: OtpNode[]) => Promise<void>): Promise<void> => withCluster(prefix, count, body, { cookie: 'gs' });

test('global_SUITE names: a name registered on one node is seen on all, unregistered from another node, and free to take again', async () => {
  await cluster('gsn', 3, async ([x, y, z]) => {
    const p = x!.spawn(idle);
    assert.equal(await x!.run((ctx) => global.register(ctx, 'test', p)), true);
    for (const n of [x!, y!, z!]) await until(`${n.name} sees test`, async () => (await where(n, 'test')) === idOf(x!, p));
    assert.deepEqual(await y!.run((ctx) => global.registeredNames(ctx)), ['test']);
    // register_1: taking a held name again (even for the same pid) answers false.
    assert.equal(await z!.run((ctx) => global.register(ctx, 'test', z!.spawn(idle))), false);
    assert.equal(await x!.run((ctx) => global.register(ctx, 'test', p)), false);
    await y!.run((ctx) => global.unregister(ctx, 'test'));
    for (const n of [x!, y!, z!]) assert.equal(await where(n, 'test'), undefined, `${n.name} dropped test`);
    await y!.run((ctx) => global.unregister(ctx, 'test')); // unregistering a free name is fine
    const q = z!.spawn(idle);
    assert.equal(await z!.run((ctx) => global.register(ctx, 'test', q)), true);
    for (const n of [x!, y!, z!]) await until(`${n.name} sees the new holder`, async () => (await where(n, 'test')) === idOf(z!, q));
  });
});

test('global_SUITE name_exit: whereis on every node is undefined once the holder dies, and the name can be taken again', async () => {
  await cluster('gse', 2, async ([x, y]) => {
    const p = y!.spawn(idle);
    assert.equal(await y!.run((ctx) => global.register(ctx, 'dying', p)), true);
    await until('x sees it', async () => (await where(x!, 'dying')) === idOf(y!, p));
    y!.exit(p, 'kill');
    for (const n of [x!, y!]) await until(`${n.name} drops it`, async () => (await where(n, 'dying')) === undefined);
    assert.equal(await x!.run((ctx) => global.register(ctx, 'dying', x!.spawn(idle))), true);
  });
});

test('global_SUITE send: global.send reaches the holder from any node; to a free name it is badarg naming the name', async () => {
  await cluster('gss', 2, async ([x, y]) => {
    const got = new Promise<unknown>((resolve) => {
      const p = y!.spawn(async (ctx) => resolve(await ctx.receive()));
      void y!.run((ctx) => global.register(ctx, 'sink', p));
    });
    await until('x sees sink', async () => (await where(x!, 'sink')) !== undefined);
    await x!.run((ctx) => global.send(ctx, 'sink', { hello: 1 }));
    assert.deepEqual(await got, { hello: 1 });
    await until('sink gone', async () => (await where(x!, 'sink')) === undefined);
    await x!.run((ctx) => assert.throws(() => global.send(ctx, 'sink', 1), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /'sink'/.test(e.message)));
  });
});

test('global_SUITE simple_disconnect / ring: names of a lost node go, names on both sides come back after reconnect, and names taken while split are learned', async () => {
  await cluster('gsd', 2, async ([x, y]) => {
    const onX = x!.spawn(idle);
    const onY = y!.spawn(idle);
    assert.equal(await x!.run((ctx) => global.register(ctx, 'onX', onX)), true);
    assert.equal(await y!.run((ctx) => global.register(ctx, 'onY', onY)), true);
    await until('y sees onX', async () => (await where(y!, 'onX')) === idOf(x!, onX));
    x!.dist!.disconnect(y!.name);
    await until('y drops onX', async () => (await where(y!, 'onX')) === undefined);
    await until('x drops onY', async () => (await where(x!, 'onY')) === undefined);
    const split = y!.spawn(idle);
    assert.equal(await y!.run((ctx) => global.register(ctx, 'whileSplit', split)), true);
    await until('reconnect', () => x!.ping(y!.name));
    await until('x learns onY again', async () => (await where(x!, 'onY')) === idOf(y!, onY));
    await until('x learns whileSplit', async () => (await where(x!, 'whileSplit')) === idOf(y!, split));
    await until('y learns onX again', async () => (await where(y!, 'onX')) === idOf(x!, onX));
    assert.equal(x!.isAlive(onX) && y!.isAlive(onY), true, 'no conflict: nobody was killed');
  });
});

test('global_SUITE register of a dead pid: the name is dropped everywhere at once, and free to take again', async () => {
  await cluster('gsdead', 2, async ([x, y]) => {
    const p = x!.spawn(idle);
    x!.exit(p, 'kill');
    await until('p is dead', () => !x!.isAlive(p));
    await x!.run((ctx) => global.register(ctx, 'ghost', p));
    for (const n of [x!, y!]) await until(`${n.name} has no ghost`, async () => (await where(n, 'ghost')) === undefined);
    assert.equal(await y!.run((ctx) => global.register(ctx, 'ghost', y!.spawn(idle))), true);
  });
});

test('global_SUITE re_register_name: reRegister moves a held name to another pid on every node; the old holder exiting then leaves it', async () => {
  await cluster('gsrr', 2, async ([x, y]) => {
    const first = x!.spawn(idle);
    const second = y!.spawn(idle);
    assert.equal(await x!.run((ctx) => global.register(ctx, 'moved', first)), true);
    await until('y sees the first holder', async () => (await where(y!, 'moved')) === idOf(x!, first));
    assert.equal(await y!.run((ctx) => global.reRegister(ctx, 'moved', second)), true);
    for (const n of [x!, y!]) assert.equal(await where(n, 'moved'), idOf(y!, second), `${n.name} sees the second holder`);
    assert.equal(x!.isAlive(first), true, 'the old holder lives on');
    x!.exit(first, 'kill');
    await until('first is dead', () => !x!.isAlive(first));
    // A call to every name server, queued after the DOWN of `first` on x: the name must survive that DOWN.
    await x!.run((ctx) => global.unregister(ctx, 'unused'));
    for (const n of [x!, y!]) assert.equal(await where(n, 'moved'), idOf(y!, second), `${n.name} keeps the second holder`);
    // A free name reRegisters as register does; a name is still a non-empty string.
    assert.equal(await x!.run((ctx) => global.reRegister(ctx, 'fresh', x!.spawn(idle))), true);
    await x!.run((ctx) => assert.rejects(global.reRegister(ctx, '', ctx.self()), (e: unknown) => e instanceof RuntimeError && /global.reRegister takes a name/.test(e.message)));
    y!.exit(second, 'kill');
    for (const n of [x!, y!]) await until(`${n.name} drops moved`, async () => (await where(n, 'moved')) === undefined);
  });
});
