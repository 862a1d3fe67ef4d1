// Odd lines pasted into a remote shell must neither stop the node nor hold it: process.exit() (typed to leave the
// shell, as in node's REPL) is refused in one sentence where it stopped the node, and an answer whose own inspect
// never returns is stopped by the eval bound where it froze the node for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '../src/index.ts';
import { evaluate } from '../src/rpc/eval.ts';
import { EvalStopped } from '../src/tools.ts';
import * as runtimeApi from '../src/index.ts';

const bounds = { timeoutMs: 300, awaitTimeoutMs: 5000 };

test('process.exit(), process.abort() and a kill of the node itself are refused; the rest of process is there', async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    for (const line of ['process.exit(3)', 'process.exit()', 'process.abort()', 'process.kill(process.pid, "SIGKILL")', 'setTimeout(() => 0, 1); process.reallyExit(1)']) {
      await assert.rejects(evaluate(node, runtimeApi, line, bounds), (error: Error) => {
        assert.match(error.message, / would stop the node [^ ]+ itself, not leave this shell: q\(\) leaves the shell \(the node keeps running\); stop the node with its release's bin\/<name> stop$/, line);
        return true;
      });
    }
    assert.equal(await evaluate(node, runtimeApi, 'typeof process.memoryUsage().rss', bounds), "'number'");
    assert.equal(await evaluate(node, runtimeApi, '1 + 1', bounds), '2');
  } finally {
    node.shutdown();
  }
});

test("an answer whose own inspect never returns is stopped by the eval bound, and the node goes on answering", async () => {
  const node = createNode({ onCrash: () => {} });
  try {
    await assert.rejects(evaluate(node, runtimeApi, '({ [Symbol.for("nodejs.util.inspect.custom")]() { for (;;); } })', bounds), (error: unknown) => {
      assert.ok(error instanceof EvalStopped, String(error));
      assert.match(error.message, /^printing the answer was stopped after 300 ms/);
      return true;
    });
    assert.equal(await evaluate(node, runtimeApi, '"still here"', bounds), "'still here'");
  } finally {
    node.shutdown();
  }
});
