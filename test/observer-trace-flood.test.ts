// End to end: the observer's Trace view, in Debian's chromium driven by playwright-core, tracing the messages of a
// busy process (thousands a second) on a node; the observer is the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { chromiumPath, startObserver } from './support/observer.ts';
import { waitFor } from './support/wait.ts';

test("the Trace view of a busy process's 20 000 messages stays usable: it says the trace ended, lists the latest 1000, and its buttons answer", { timeout: 300_000 }, async (t) => {
  const chromium = chromiumPath();
  if ('why' in chromium) return t.skip(chromium.why);
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'observer-trace-flood-secret' };
  process.env.OTP_EPMD_PORT = env.OTP_EPMD_PORT;
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name: 'obs_tflood@127.0.0.1', cookie: env.OTP_COOKIE, log: () => {} });
  // 100 messages to itself, then reads them, over and over: thousands of send and receive events a second.
  node.spawn(
    async (ctx) => {
      for (;;) {
        for (let i = 0; i < 100; i++) ctx.send(ctx.self(), i);
        for (let i = 0; i < 100; i++) await ctx.receive(() => true);
        await ctx.sleep(1);
      }
    },
    { name: 'tflood_busy' },
  );
  const observer = startObserver(['obs_tflood@127.0.0.1', '--no-open'], env);
  const browser = await (await import('playwright-core')).chromium.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${await observer.url}#/trace`);
    await page.getByTestId('trace-messages').check();
    await page.getByTestId('trace-names').fill('tflood_busy');
    await page.getByTestId('trace-limit').fill('20000');
    await page.getByTestId('trace-start').click();
    // A page that renders once per event is frozen for minutes: asked with a short timeout, it does not answer.
    const status = async () => page.getByTestId('trace-status').innerText({ timeout: 5000 }).catch(() => '');
    const ended = await waitFor('the page to say the trace ended', async () => /^ended: limit \(20000 events/.exec(await status())?.[0], { ms: 120_000, everyMs: 200 });
    assert.ok(ended);
    const rows = await page.getByTestId('trace-events').locator('li').count();
    assert.ok(rows > 0 && rows <= 1000, `${rows} events listed`);
    assert.match(await page.getByTestId('trace-events').locator('li').last().innerText(), /receive|send/);
    // The page answers its buttons: a new trace starts and ends.
    await page.getByTestId('trace-limit').fill('5');
    await page.getByTestId('trace-start').click({ timeout: 10_000 });
    await waitFor('the second trace to end', async () => /^ended: limit \(5 events/.test(await status()), { ms: 60_000, everyMs: 200 });
    assert.equal(await page.getByTestId('trace-events').locator('li').count(), 5);
  } finally {
    await browser.close();
    observer.child.kill('SIGKILL');
    node.shutdown();
    await epmd.close();
  }
});
