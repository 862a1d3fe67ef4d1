// `otp rpc NODE otp_trace info '["<0.N.0>", 1000000]'` on a process with a million messages: before, the node formatted
// every one of them into one answer (hundreds of megabytes, built while the node waited). It now refuses more than
// INFO_MAX_MESSAGES in one sentence naming the bound, and answers up to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, rpc } from '@otp-ts/runtime';
import { EpmdServer, INFO_MAX_MESSAGES } from '@otp-ts/runtime/tools';

test('otp_trace info over rpc shows at most INFO_MAX_MESSAGES messages and refuses more, naming the bound', { timeout: 60_000 }, async () => {
  const epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const node = createNode();
  await node.startDistribution({ name: 'info_msgs@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
  try {
    const stuck = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'stop')));
    for (let i = 0; i < INFO_MAX_MESSAGES * 3; i++) node.send(stuck, { n: i });
    const ask = (n: unknown) => node.run((ctx) => rpc.call(ctx, 'info_msgs@127.0.0.1', 'otp_trace', 'info', [stuck.toString(), n])) as Promise<{ ok: boolean; error?: string; details?: { mailbox: string[] } }>;
    const most = await ask(INFO_MAX_MESSAGES);
    assert.ok(most.ok, most.error);
    assert.equal(most.details!.mailbox.length, INFO_MAX_MESSAGES);
    assert.deepEqual(await ask(1_000_000), { ok: false, error: `info shows 0 to ${INFO_MAX_MESSAGES} messages of a mailbox, the most a node formats in one answer, got 1000000` });
    assert.equal((await ask('5')).ok, false, 'a count given as a string is refused, not read as none');
    assert.equal(((await ask(undefined)) as { details: { mailbox: string[] } }).details.mailbox.length, 10, 'the default is 10');
    node.send(stuck, 'stop');
  } finally {
    node.shutdown();
    await epmd.close();
  }
});
