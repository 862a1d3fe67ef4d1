// End to end: the observer's process table keeps its sort, filter and page in the page's address, so a
// refresh, or the back button from a process, shows the same page of the table (Debian's chromium driven by
// playwright-core against an `otp shell` node of examples/shop; the observer is the built CLI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { chromiumPath, startObserver } from './support/observer.ts';
import { startShellNode, type ShellNode } from './support/cli.ts';
import { waitFor } from './support/wait.ts';
import type { Browser, Page } from 'playwright-core';

const chromium = chromiumPath();
let epmd: EpmdServer | undefined;
let shell: ShellNode | undefined;
let observer: ReturnType<typeof startObserver> | undefined;
let browser: Browser | undefined;
let url = '';

before(async () => {
  if ('why' in chromium) return;
  epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'observer-addr-secret' };
  shell = await startShellNode(['--name', 'obsaddr'], env);
  assert.match(shell.out(), /started shop/, shell.out());
  // 150 named processes: two pages of the table once filtered by their names.
  await shell.say("for (let i = 0; i < 150; i++) node.spawn(async (c) => { await c.receive((m) => m === 'stop'); }, { name: 'addr_w' + String(i).padStart(3, '0') }); 'spawned'", /'spawned'/);
  observer = startObserver(['obsaddr@127.0.0.1', '--no-open'], env);
  url = await observer.url;
  browser = await (await import('playwright-core')).chromium.launch({ executablePath: (chromium as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  observer?.child.kill('SIGKILL');
  shell?.stop();
  await epmd?.close();
});

// What the table shows: its page line, the filter typed, the sorted column and its direction, the first row's name.
async function shownTable(page: Page): Promise<string> {
  const info = await page.locator('[data-testid="page-info"]').innerText({ timeout: 30_000 });
  const filter = await page.locator('[data-testid="filter"]').inputValue();
  const sorted = page.locator('th.sorted');
  const first = await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').first().innerText({ timeout: 30_000 });
  return `${info} | filter=${filter} | sort=${await sorted.getAttribute('data-sort')} ${(await sorted.getAttribute('class'))?.replace('sorted ', '')} | first=${first}`;
}

test("the process table's sort, filter and page survive a refresh of the page and the back button from a process", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}#/procs`);
  await page.locator('[data-testid="filter"]').fill('addr_w');
  await waitFor('the filtered table', async () => /^1–100 of 150 \(of [\d,]+\)$/.test(await page.locator('[data-testid="page-info"]').innerText()), { ms: 30_000, everyMs: 100 });
  // By name, descending (a first click sorts a name ascending, a second descending), then the second page.
  await page.locator('th[data-sort="name"]').click();
  await page.locator('th[data-sort="name"]').click();
  await waitFor('the table by name, descending', async () => (await page.locator('th.sorted.desc[data-sort="name"]').count()) === 1 && (await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').first().innerText()) === 'addr_w149', { ms: 30_000, everyMs: 100 });
  await page.locator('[data-testid="next"]').click();
  const expected = '101–150 of 150 (of';
  await waitFor('the second page', async () => (await page.locator('[data-testid="page-info"]').innerText()).startsWith(expected) && (await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').first().innerText()) === 'addr_w049', { ms: 30_000, everyMs: 100 });
  const before = await shownTable(page);
  assert.match(before, /^101–150 of 150 \(of [\d,]+\) \| filter=addr_w \| sort=name desc \| first=addr_w049$/);

  await page.reload();
  await waitFor('the same page after the refresh', async () => (await shownTable(page)) === before, { ms: 30_000, everyMs: 100 }).catch(async (e: Error) => assert.fail(`${e.message}; shown: ${await shownTable(page)}`));

  // A process opened from the table, then the back button: the table as it was left.
  await page.locator('table[data-testid="procs"] tbody tr a.pid').first().click();
  await waitFor('the process page', async () => page.url().includes('#/proc/'), { ms: 30_000, everyMs: 100 });
  await page.goBack();
  await waitFor('the same page after the back button', async () => (await shownTable(page)) === before, { ms: 30_000, everyMs: 100 }).catch(async (e: Error) => assert.fail(`${e.message}; shown: ${await shownTable(page)}`));
  assert.deepEqual(errors, []);
  await page.close();
});
