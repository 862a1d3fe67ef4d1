// Cases after OTP's lib/stdlib/test/sys_SUITE.erl (log) that the other sys suites do not walk, each named after its case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, genServer, ok, reply, sys, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

const negate: GenServer<null, number, never, number> = { name: 'sys_SUITE_server', init: () => ok(null), handleCall: (n, _from, s) => reply(-n, s) };

test("sys_SUITE log: sys.log takes true, false or { max }; OTP's print, 'get' or a string is refused at the caller naming it, and the log is left as it was", async () => {
  await withNode((node) =>
    node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, negate, undefined);
      await sys.log(ctx, srv, true);
      assert.equal(await genServer.call(ctx, srv, 44), -44);
      for (const flag of ['print', 'get', 'true', 1, null, undefined]) {
        await assert.rejects(
          sys.log(ctx, srv, flag as never),
          (e) => e instanceof RuntimeError && e.code === 'badarg' && e.message.includes(`got ${flag === undefined ? 'undefined' : flag === null ? 'null' : typeof flag === 'string' ? `'${flag}'` : String(flag)}`),
          String(flag),
        );
      }
      await assert.rejects(sys.log(ctx, srv, 'print' as never), /print what sys\.getLog returns/);
      // Nothing was changed: the log still holds the call and its reply.
      assert.deepEqual(
        (await sys.getLog(ctx, srv)).map((e) => e.type),
        ['in', 'out'],
      );
      await sys.log(ctx, srv, false);
      assert.deepEqual(await sys.getLog(ctx, srv), []);
    }),
  );
});
