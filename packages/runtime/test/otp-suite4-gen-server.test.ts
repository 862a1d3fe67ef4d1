// gen_server_SUITE-style cases on call's arguments: OTP's gen:call guards its timeout (infinity or an
// integer >= 0), so a bad one raises before any request is sent or any monitor is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEvent, genServer, genStatem, noreply, ok, reply, RuntimeError, TIMEOUT, type GenServer } from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';

const counter: GenServer<number, 'bump' | 'count', never, number> = {
  init: () => ok(0),
  handleCall: (req, _from, n) => (req === 'bump' ? reply(n + 1, n + 1) : reply(n, n)),
};

test('gen_server_SUITE call: a negative or NaN timeout raises badarg before the request is sent, and leaves no monitor behind', async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const pid = await genServer.start(ctx, counter, undefined);
      for (const bad of [-1, NaN, -Infinity]) {
        await assert.rejects(genServer.call(ctx, pid, 'bump', bad), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg' && /not sent/.test(e.message));
        await assert.rejects(genStatem.call(ctx, pid, 'bump', bad), (e: unknown) => e instanceof RuntimeError && e.code === 'badarg');
      }
      assert.equal(await genServer.call(ctx, pid, 'count'), 0, 'no bad call reached the server');
      await genServer.stop(ctx, pid);
      assert.equal(await ctx.receive(null, 0), TIMEOUT, 'no DOWN of a leaked call monitor');
    }),
  );
});

// A formatStatus that redacts what a crash report would show: state (or data), the last message, and each sys log event.
const redact = <T extends { log?: unknown[] }>(s: T): T => ({ ...s, state: 'REDACTED', ...('data' in s ? { data: 'REDACTED' } : {}), message: 'REDACTED', ...(s.log ? { log: s.log.map(() => 'EVENT') } : {}) });

test('gen_server_SUITE error_format_status: formatStatus gets the sys log of a crash report, and the report shows the log it returns', async () => {
  await withNode(async (node) => {
    const logs = quietLogs(node);
    await node.run(async (ctx) => {
      const secretive: GenServer<{ secret: string }, { password: string }, 'touch', never> = {
        init: () => ok({ secret: 'hunter2' }),
        handleCall: () => {
          throw new Error('boom');
        },
        handleCast: (_c, s) => noreply({ ...s }),
        formatStatus: redact,
      };
      const pid = await genServer.start(ctx, secretive, undefined, { debug: ['log'] });
      genServer.cast(ctx, pid, 'touch');
      await genServer.call(ctx, pid, { password: 'pw-secret' }).catch(() => undefined);
    });
    const report = logs.find((e) => typeof e.message === 'object' && (e.message as { kind?: string }).kind === 'crash');
    assert.ok(report, 'a crash report');
    const text = formatEvent(report);
    assert.deepEqual((report.message as { log?: unknown }).log, ['EVENT', 'EVENT', 'EVENT'], text);
    assert.ok(!text.includes('hunter2') && !text.includes('pw-secret'), text);
  });
});

test('gen_statem_SUITE format_status: formatStatus gets the sys log of a crash report, and a formatStatus that throws leaves the log out', async () => {
  for (const formatStatus of [redact, (): never => { throw new Error('no'); }]) {
    await withNode(async (node) => {
      const logs = quietLogs(node);
      await node.run(async (ctx) => {
        const machine = await genStatem.start(ctx, {
          callbackMode: 'handleEvent',
          init: () => genStatem.ok('s', { secret: 'hunter2' }),
          handleEvent: (event: { type: string }) => {
            if (event.type === 'call') throw new Error('boom');
            return genStatem.keepStateAndData();
          },
          formatStatus,
        } as never, undefined, { debug: ['log'] });
        genStatem.cast(ctx, machine as never, 'touch');
        await genStatem.call(ctx, machine as never, { password: 'pw-secret' }).catch(() => undefined);
      });
      const report = logs.find((e) => typeof e.message === 'object' && (e.message as { kind?: string }).kind === 'crash');
      assert.ok(report, 'a crash report');
      const text = formatEvent(report);
      const shown = report.message as { log?: unknown; data?: unknown };
      if (formatStatus === redact) {
        assert.ok(Array.isArray(shown.log) && shown.log.length > 0 && shown.log.every((e) => e === 'EVENT'), text);
        assert.ok(!text.includes('hunter2') && !text.includes('pw-secret'), text);
      } else {
        assert.equal(shown.log, undefined, `a formatStatus that throws shows no log: ${text}`);
        assert.match(String(shown.data), /^<formatStatus crashed/);
        assert.ok(!text.includes('hunter2'), text);
      }
    });
  }
});
