// Cases after OTP's lib/stdlib/test/gen_server_SUITE.erl (cast) and gen_statem_SUITE.erl that the other suites do not walk,
// each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadReturnValue, CallError, StartError, genServer, genStatem, ignore, isDown, noreply, ok, reply, stop, type Down, type GenServer, type GenStatem } from '@otp-ts/runtime';
import { isNodedownNotDistributed, quietLogs, withNode } from './helpers.ts';

const counter: GenServer<number, 'get', 'bump', number> = { init: () => ok(0), handleCall: (_r, _f, n) => reply(n, n), handleCast: (_c, n) => noreply(n + 1) };
const machine: GenStatem<'s', number, 'get', 'bump', number> = {
  callbackMode: 'handleEvent',
  init: () => genStatem.ok('s', 0),
  handleEvent: (e, _s, n) => (e.type === 'call' ? genStatem.keepStateAndData([genStatem.reply(e.from, n)]) : genStatem.keepState(n + 1)),
};

test('gen_server_SUITE cast / gen_statem_SUITE: a cast never fails, even to { name, node } of a node this node cannot reach because it is not distributed; the cast is dropped', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const far = { name: 'counter', node: 'other@nowhere' };
      assert.doesNotThrow(() => genServer.cast(ctx, far, 'bump'));
      assert.doesNotThrow(() => genStatem.cast(ctx, far, 'bump'));
      // Local casts still arrive, by pid and by { name, node } of this node.
      const srv = await genServer.start(ctx, counter, undefined, { name: 'counter' });
      const stm = await genStatem.start(ctx, machine, undefined, { name: 'machine' });
      genServer.cast(ctx, { name: 'counter', node: ctx.node.name }, 'bump');
      genStatem.cast(ctx, { name: 'machine', node: ctx.node.name }, 'bump');
      assert.equal(await genServer.call(ctx, srv, 'get'), 1);
      assert.equal(await genStatem.call(ctx, stm, 'get'), 1);
    }),
  );
});

test('gen_server_SUITE call_remote_n1 / gen:do_for_proc: a call or stop of { name, node } from a node that is not distributed fails with nodedown in one sentence, as OTP exits {nodedown, Node}', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const far = { name: 'counter', node: 'other@nowhere' };
      const nodedown = isNodedownNotDistributed;
      await assert.rejects(genServer.call(ctx, far, 'get'), nodedown);
      await assert.rejects(genStatem.call(ctx, far, 'get'), nodedown);
      await assert.rejects(genServer.stop(ctx, far), nodedown);
      // Nothing was left behind: no monitor, no message.
      assert.deepEqual(ctx.processInfo(ctx.self())?.monitors, []);
      assert.equal(ctx.processInfo(ctx.self())?.messageQueueLen, 0);
    }),
  );
});

test('gen_server_SUITE / gen_server docs: a result a callback throws (class throw) is taken as its return — an early reply, noreply with continue, stop with a reply, init ok and ignore; a thrown Error still crashes', async () => {
  await withNode(async (node) => {
    quietLogs(node);
    await node.run(async (ctx) => {
      const log: string[] = [];
      type Req = 'early' | 'later' | 'bye' | 'get' | 'error';
      const early = (n: number): never => {
        throw reply(`early ${n}`, n + 1);
      };
      const server: GenServer<number, Req, 'go' | 'bad', string, 'ok' | 'ignore' | 'async'> = {
        init: async (how, own) => {
          if (how === 'ignore') throw ignore();
          if (how === 'async') await own.sleep(0);
          throw ok(10);
        },
        handleCall: async (req, from, n) => {
          if (req === 'early') early(n);
          if (req === 'later') {
            setImmediate(() => reply(from, 'answered later'));
            throw noreply(n);
          }
          if (req === 'bye') throw stop('normal', n, 'bye');
          if (req === 'error') throw Object.assign(new Error('an Error with a type'), { type: 'reply', reply: 'no', state: n });
          return reply(String(n), n);
        },
        handleCast: (c, n) => {
          if (c === 'bad') throw reply('a reply from a cast', n);
          throw noreply(n, { continue: 'more' });
        },
        handleContinue: (arg, n) => {
          log.push(`continue ${String(arg)}`);
          return noreply(n * 2);
        },
        terminate: (reason) => {
          log.push(`terminate ${reason instanceof Error ? reason.constructor.name : String(reason)}`);
        },
      };
      await assert.rejects(genServer.start(ctx, server, 'ignore'), (e: StartError) => e instanceof StartError && e.reason === 'ignore');
      const pid = await genServer.start(ctx, server, 'ok');
      assert.equal(await genServer.call(ctx, pid, 'early'), 'early 10');
      assert.equal(await genServer.call(ctx, pid, 'get'), '11');
      assert.equal(await genServer.call(ctx, pid, 'later'), 'answered later');
      genServer.cast(ctx, pid, 'go');
      assert.equal(await genServer.call(ctx, pid, 'get'), '22');
      assert.deepEqual(log.splice(0), ['continue more']);
      const ref = ctx.monitor(pid);
      assert.equal(await genServer.call(ctx, pid, 'bye'), 'bye');
      assert.deepEqual(((await ctx.receive((m) => isDown(m) && m.ref === ref, 20_000)) as Down).reason, 'normal');
      assert.deepEqual(log.splice(0), ['terminate normal']);
      // An async init that throws its result, a cast that throws a call's result (a bad return, as OTP's), a thrown Error.
      const other = await genServer.start(ctx, server, 'async');
      assert.equal(await genServer.call(ctx, other, 'get'), '10');
      const watch = ctx.monitor(other);
      genServer.cast(ctx, other, 'bad');
      assert.ok(((await ctx.receive((m) => isDown(m) && m.ref === watch, 20_000)) as Down).reason instanceof BadReturnValue);
      const third = await genServer.start(ctx, server, 'ok');
      await assert.rejects(genServer.call(ctx, third, 'error'), (e: CallError) => e instanceof CallError && e.failure instanceof Error && e.failure.message === 'an Error with a type');
    });
  });
});
