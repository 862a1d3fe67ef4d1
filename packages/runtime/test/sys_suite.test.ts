// Cases after OTP's lib/stdlib/test/sys_SUITE.erl that the other sys suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallError, RuntimeError, TIMEOUT, genServer, ok, reply, sys, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const negate: GenServer<number, number, never, number> = { name: 'sys_SUITE_server', init: () => ok(0), handleCall: (n, _from, s) => reply(-n, s + 1) };

test('stats: one call counts one message in; statistics off reads null and the server reports running with its parent', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, negate, undefined);
      await sys.statistics(ctx, srv, true);
      assert.equal(await genServer.call(ctx, srv, 44), -44);
      const stats = await sys.statistics(ctx, srv, 'get');
      assert.equal(stats?.messagesIn, 1);
      await sys.statistics(ctx, srv, false);
      const status = await sys.getStatus(ctx, srv);
      assert.equal(status.status, 'running');
      assert.equal(status.parent, ctx.self());
      assert.equal(await sys.statistics(ctx, srv, 'get'), null);
    }),
  );
});

test('replace_state: a function that throws keeps the state, the error reaches the caller, and the server runs on', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, negate, undefined);
      await genServer.call(ctx, srv, 1);
      await assert.rejects(sys.replaceState(ctx, srv, () => { throw new Error('fail'); }), /fail/);
      assert.equal(await sys.getState(ctx, srv), 1);
      assert.equal(await genServer.call(ctx, srv, 2), -2);
      assert.equal(await sys.getState(ctx, srv), 2);
    }),
  );
});

test('change_code: on a server that is not suspended it is refused, and the server runs on unchanged', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, negate, undefined);
      await assert.rejects(sys.changeCode(ctx, srv, undefined, '1'), /suspend/);
      assert.equal(await genServer.call(ctx, srv, 3), -3);
      assert.equal((await sys.getStatus(ctx, srv)).status, 'running');
    }),
  );
});

test('a sys call with a timeout to a process that never answers fails with timeout, and no late answer is left in the mailbox', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const mute = ctx.spawnLink(async (c) => { for (;;) await c.receive(); });
      await assert.rejects(sys.getState(ctx, mute, 50), (e) => e instanceof CallError && e.failure === 'timeout');
      await assert.rejects(sys.suspend(ctx, mute, 0), (e) => e instanceof CallError && e.failure === 'timeout');
      assert.equal(await ctx.receive(() => true, 0), TIMEOUT);
    }),
  );
});

test('a sys call to a process that has exited raises noproc for every request', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.start(ctx, negate, undefined);
      await genServer.stop(ctx, srv);
      for (const call of [() => sys.suspend(ctx, srv), () => sys.resume(ctx, srv), () => sys.getStatus(ctx, srv), () => sys.statistics(ctx, srv, 'get'), () => sys.trace(ctx, srv, true), () => sys.noDebug(ctx, srv)]) {
        await assert.rejects(call(), (e) => e instanceof CallError && e.failure === 'noproc');
      }
    }),
  );
});

test('log_to_file: each event goes to the file as a *DBG* line while on, nothing after false; the file is emptied when logging starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sys-suite-'));
  try {
    const file = join(dir, 'sys.log');
    writeFileSync(file, 'old line\n');
    await withNode((node) =>
      node.run(async (ctx) => {
        const srv = await genServer.startLink(ctx, negate, undefined);
        await sys.logToFile(ctx, srv, file);
        assert.equal(await genServer.call(ctx, srv, 44), -44);
        await sys.logToFile(ctx, srv, false);
        assert.equal(await genServer.call(ctx, srv, 45), -45);
        const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 2, lines.join('\n'));
        assert.match(lines[0]!, /^\*DBG\* .*sys_SUITE_server.*44/);
        assert.match(lines[1]!, /^\*DBG\* .*sys_SUITE_server.*-44/);
        // no_debug turns it off too.
        await sys.logToFile(ctx, srv, file);
        await sys.noDebug(ctx, srv);
        await genServer.call(ctx, srv, 46);
        assert.equal(readFileSync(file, 'utf8'), '');
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log_to_file: a file that cannot be written or a name that is no file name is refused naming it, and the server runs on unlogged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sys-suite-'));
  try {
    await withNode((node) =>
      node.run(async (ctx) => {
        const srv = await genServer.startLink(ctx, negate, undefined);
        const missing = join(dir, 'no-such-folder', 'sys.log');
        await assert.rejects(sys.logToFile(ctx, srv, missing), (e) => e instanceof RuntimeError && e.message.includes('no-such-folder'));
        for (const bad of ['', true, 1, null]) {
          await assert.rejects(sys.logToFile(ctx, srv, bad as never), (e) => e instanceof RuntimeError && e.code === 'badarg', String(bad));
        }
        assert.equal(await genServer.call(ctx, srv, 47), -47);
        // A folder removed under an open log stops the option, not the server.
        const sub = join(dir, 'gone');
        mkdirSync(sub);
        await sys.logToFile(ctx, srv, join(sub, 'sys.log'));
        rmSync(sub, { recursive: true });
        assert.equal(await genServer.call(ctx, srv, 48), -48);
        assert.equal(await genServer.call(ctx, srv, 49), -49);
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log_to_file: a message whose text holds a newline and *DBG* (an error message) cannot forge an event line in the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sys-suite-'));
  try {
    const file = join(dir, 'sys.log');
    const echoErr: GenServer<null, Error, never, string> = { name: 'sys_SUITE_server', init: () => ok(null), handleCall: (e, _from, s) => reply(e.message.length.toString(), s) };
    await withNode((node) =>
      node.run(async (ctx) => {
        const srv = await genServer.startLink(ctx, echoErr, undefined);
        await sys.logToFile(ctx, srv, file);
        await genServer.call(ctx, srv, new Error('x\n*DBG* <0.99.0> (forged) got call 1'));
        await sys.logToFile(ctx, srv, false);
        const events = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('*DBG*'));
        assert.equal(events.length, 2, events.join('\n'));
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
