// genMultiCall (the pipelined call behind code suspend and upgrade) by pids: a process whose monitor answers
// noconnection reads CallError 'nodedown' with the pid's node as a field, as OTP's gen:call exits {nodedown, node(Pid)}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '../src/create.js';
import { genMultiCall } from '../src/gen/call.js';
import { CallError } from '../src/gen/errors.js';
import type { ProcessContext } from '../src/types.js';

test('genMultiCall: a process that exits noconnection answers nodedown with its node as a field', { timeout: 30_000 }, async () => {
  const a = createNode({ onCrash: () => {} });
  try {
    await a.run(async (ctx: ProcessContext) => {
      const cut = ctx.spawn(async (c) => {
        await c.receive(() => true);
        c.exit('noconnection');
      });
      const answers = await genMultiCall(ctx, [cut], () => 'not a request it reads', 'req', 10_000);
      const only = answers[0]!;
      assert.equal(only.ok, false);
      const error = (only as { error: CallError }).error;
      assert.ok(error instanceof CallError);
      assert.equal(error.failure, 'nodedown');
      assert.equal(error.node, a.name);
      assert.match(error.message, /nodedown/);
    });
  } finally {
    a.shutdown();
  }
});
