// The observer's live channel against a node that stops answering (its OS process stopped with SIGSTOP, as an
// event loop blocked for good looks from outside): the page is told within seconds, not when the rpc gives up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { connect } from '@otp-ts/tracer';
import { startObserver, type RunningObserver } from '../src/observer/server.ts';
import { waitFor } from '../../../test/support/wait.ts';

let epmd: EpmdServer;
const COOKIE = 'observer-hung-secret';

before(async () => {
  epmd = new EpmdServer();
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
});

after(async () => {
  await epmd.close();
});

// A node in a child process of its own, so it can be stopped without stopping the test.
async function startChildNode(name: string): Promise<ChildProcess> {
  const script = `import { createNode } from '@otp-ts/runtime';
const node = createNode({ onCrash: () => {} });
await node.startDistribution({ name: ${JSON.stringify(name)}, cookie: ${JSON.stringify(COOKIE)}, log: () => {} });
console.log('ready');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor('the child node to start', () => out.includes('ready') || child.exitCode !== null, { ms: 30_000, everyMs: 50 });
  assert.ok(out.includes('ready'), 'the child node did not start');
  return child;
}

// The events of a live channel (/api/live), as they arrive.
function liveEvents(o: RunningObserver): { events: Array<{ event: string; data: Record<string, unknown> }>; close: () => void } {
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const abort = new AbortController();
  void (async () => {
    const r = await fetch(new URL('/api/live', o.url), { headers: { authorization: `Bearer ${o.token}` }, signal: abort.signal });
    let text = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const m = /^event: (\w+)\ndata: (.*)$/s.exec(text.slice(0, end));
        if (m) events.push({ event: m[1]!, data: JSON.parse(m[2]!) as Record<string, unknown> });
        text = text.slice(end + 2);
      }
    }
  })().catch(() => undefined);
  return { events, close: () => abort.abort() };
}

test('a node that stops answering is shown as not answering (and since when) within seconds, and as live again once it answers', { timeout: 120_000 }, async () => {
  const name = 'obs_hung@127.0.0.1';
  const child = await startChildNode(name);
  let o: RunningObserver | undefined;
  const live = { close: () => {} } as ReturnType<typeof liveEvents>;
  try {
    o = await startObserver({ node: name, connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_hung_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test' });
    Object.assign(live, liveEvents(o));
    await waitFor('a first sample', () => live.events.some((e) => e.event === 'overview'), { ms: 30_000, everyMs: 50 });
    child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const from = live.events.length;
    // Well within the rpc's 30 s: a page must not show the last sample as live for that long.
    const failure = await waitFor('the page to be told the node does not answer', () => live.events.slice(from).find((e) => e.event === 'failure'), { ms: 15_000, everyMs: 50 });
    assert.equal(failure.data.down, true);
    assert.equal(failure.data.node, name);
    assert.match(String(failure.data.error), /^obs_hung@127\.0\.0\.1 has not answered for \d+ s \(since \d\d:\d\d:\d\d UTC\)/);
    assert.ok(typeof failure.data.since === 'number' && failure.data.since <= Date.now() && failure.data.since >= stoppedAt - 2000, String(failure.data.since));
    // A page opened meanwhile is told at once too, not handed the last sample.
    const late = liveEvents(o);
    try {
      const first = await waitFor("the late page's first event", () => late.events[0], { ms: 15_000, everyMs: 50 });
      assert.equal(first.event, 'failure', JSON.stringify(first));
    } finally {
      late.close();
    }
    // The rpc gives up after 30 s and the next one waits in turn: the node is still said silent since it first was.
    const gaveUp = live.events.length;
    await waitFor("the sample's rpc to give up", () => live.events.slice(gaveUp).some((e) => e.event === 'failure' && !String(e.data.error).includes('has not answered')), { ms: 60_000, everyMs: 100 });
    const again = live.events.length;
    const still = await waitFor('the node to be said silent again', () => live.events.slice(again).find((e) => e.event === 'failure' && String(e.data.error).includes('has not answered')), { ms: 15_000, everyMs: 50 });
    assert.equal(still.data.since, failure.data.since, JSON.stringify(still.data));
    assert.match(String(still.data.error), /has not answered for (3\d|[4-9]\d) s/);
    child.kill('SIGCONT');
    const resumed = live.events.length;
    await waitFor('a sample once the node answers again', () => live.events.slice(resumed).some((e) => e.event === 'overview'), { ms: 60_000, everyMs: 50 });
  } finally {
    live.close();
    child.kill('SIGCONT');
    await o?.close();
    child.kill('SIGKILL');
  }
});

test('requests to a node that stops answering are kept up to 128 at once: the next is a 503 at once saying so (with a line in the log), not one more connection held for the rpc time, and the node answering again is served', { timeout: 120_000 }, async () => {
  const name = 'obs_hung_many@127.0.0.1';
  const child = await startChildNode(name);
  const logs: string[] = [];
  let o: RunningObserver | undefined;
  const waiting: AbortController[] = [];
  try {
    o = await startObserver({ node: name, connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_hung_many@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test', log: (l) => logs.push(l) });
    const get = (signal?: AbortSignal) => fetch(new URL('/api/overview', o!.url), { headers: { authorization: `Bearer ${o!.token}`, connection: 'close' }, ...(signal ? { signal } : {}) });
    assert.equal((await get()).status, 200);
    child.kill('SIGSTOP');
    // 130 requests, each on its own connection, to the stopped node: 128 wait for it, the two past them are refused at once.
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    for (let i = 0; i < 130; i++) {
      const abort = new AbortController();
      waiting.push(abort);
      void get(abort.signal).then(async (r) => answers.push({ status: r.status, body: (await r.json()) as Record<string, unknown> }), () => undefined);
    }
    await waitFor('two requests to be refused', () => answers.length >= 2, { ms: 20_000, everyMs: 100 });
    assert.deepEqual(answers.map((a) => a.status), [503, 503], 'the node is stopped: none of the waiting requests was answered');
    assert.equal(answers[0]!.body.error, `128 requests are waiting for ${name}'s answers, the most this observer keeps: it may be hung or slow; wait for them, or ask again in a few seconds`);
    assert.equal(logs[0], `observer: refused /api/overview: 128 requests are waiting for ${name}'s answers, the most the observer keeps`);
    child.kill('SIGCONT');
    await waitFor('the node to be served again', async () => (await get()).status === 200, { ms: 60_000, everyMs: 100 });
  } finally {
    for (const a of waiting) a.abort();
    child.kill('SIGCONT');
    await o?.close();
    child.kill('SIGKILL');
  }
});
