// End to end: what `otp observer`'s page says about a process as it changes under it, in Debian's chromium
// driven by playwright-core against an `otp shell` node (examples/shop); the observer is the built CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { chromiumPath, startObserver } from './support/observer.ts';
import { startShellNode, type ShellNode } from './support/cli.ts';
import { waitFor } from './support/wait.ts';
import type { Browser } from 'playwright-core';

const chromium = chromiumPath();
let epmd: EpmdServer | undefined;
let shell: ShellNode | undefined;
let observer: ReturnType<typeof startObserver> | undefined;
let browser: Browser | undefined;
let url = '';
let env: NodeJS.ProcessEnv = {};

before(async () => {
  if ('why' in chromium) return;
  epmd = new EpmdServer();
  env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: 'observer-proc-secret' };
  shell = await startShellNode(['--name', 'obsproc'], env);
  assert.match(shell.out(), /started shop/, shell.out());
  observer = startObserver(['obsproc@127.0.0.1', '--no-open'], env);
  url = await observer.url;
  browser = await (await import('playwright-core')).chromium.launch({ executablePath: (chromium as { path: string }).path, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  observer?.child.kill('SIGKILL');
  shell?.stop();
  await epmd?.close();
});

// A page on `hash`, with the errors it throws collected; the text of the first element `sel` matches.
async function open(hash: string) {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + hash);
  return { page, errors, text: (sel: string) => page.locator(sel).first().innerText({ timeout: 30_000 }) };
}

// First in the file: the node's delay histogram starts with the first overview asked of it (none before this test).
test("the overview's first sample shows the event-loop delay and the rates as not measured yet ('–'), not a false 0, and the next sample measures them", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const text = (sel: string) => page.locator(sel).first().innerText({ timeout: 30_000 });
  // What the overview shows when its first sample renders, caught in the page as the DOM changes (the second sample comes later).
  await page.addInitScript(() => {
    const g = globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null }; MutationObserver: new (f: () => void) => { observe(n: unknown, o: object): void; disconnect(): void }; firstSample?: object };
    const read = (id: string) => g.document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '';
    const watch = new g.MutationObserver(() => {
      if (g.firstSample || !read('ov-samples')) return;
      g.firstSample = { samples: read('ov-samples'), delay: read('ov-delay'), reductions: read('ov-reductions'), delivered: read('ov-delivered'), sent: read('ov-sent') };
      watch.disconnect();
    });
    watch.observe(g.document, { childList: true, subtree: true, characterData: true });
  });
  await page.goto(`${url}#/overview`);
  const first = await page.waitForFunction(() => (globalThis as unknown as { firstSample?: object }).firstSample, undefined, { timeout: 60_000 });
  assert.deepEqual(await first.jsonValue(), { samples: '1 sample', delay: '– (not measured yet)', reductions: '– reductions/s', delivered: '–', sent: '–' });
  await waitFor('a second sample', async () => /^[2-9]\d* samples$|^\d{2,} samples$/.test(await text('[data-testid="ov-samples"]')), { ms: 60_000, everyMs: 100 });
  assert.match(await text('[data-testid="ov-delay"]'), /^p99 \d+\.\d ms, max \d+\.\d ms$/);
  assert.match(await text('[data-testid="ov-reductions"]'), /^[\d,]+ reductions\/s$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("opening the page logs no error in the browser's console: the icon the browser asks for is not refused for want of the token", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
  const logged: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') logged.push(m.text());
  });
  page.on('pageerror', (e) => logged.push(e.message));
  await page.goto(`${url}#/procs`);
  await waitFor('the first page of processes', async () => /^1–\d+ of /.test(await page.locator('[data-testid="page-info"]').innerText({ timeout: 30_000 })), { ms: 60_000, everyMs: 100 });
  // The icon is asked for once the page has loaded: a reload after it shows whatever it got.
  await page.reload();
  await waitFor('the processes again', async () => /^1–\d+ of /.test(await page.locator('[data-testid="page-info"]').innerText({ timeout: 30_000 })), { ms: 60_000, everyMs: 100 });
  assert.deepEqual(logged, []);
  await page.close();
});

test('a page of processes or tables left past the end (what it showed exited) goes back to the last page there is', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  await shell!.say("for (let i = 0; i < 250; i++) node.spawn(async (c) => { await c.receive(); }, { name: 'obsproc_pg_' + i }); 'paged'", /'paged'/);
  // 250 tables of a process that exits later, and 5 of one that stays.
  await shell!.say("node.spawn(async (c) => { for (let i = 0; i < 250; i++) c.newTable({ name: 'obsproc_tb_' + i }); await c.receive(); }, { name: 'obsproc_tables' }) && 'tabled'", /'tabled'/);
  await shell!.say("node.spawn(async (c) => { for (let i = 0; i < 5; i++) c.newTable({ name: 'obsproc_kept_' + i }); await c.receive(); }) && 'kept'", /'kept'/);
  const { page, errors, text } = await open('#/procs');
  await page.fill('[data-testid="filter"]', 'obsproc_pg_');
  await waitFor('the filtered first page', async () => (await text('[data-testid="page-info"]')).startsWith('1–100 of 250'), { ms: 60_000, everyMs: 100 });
  await page.click('[data-testid="next"]');
  await waitFor('the second page', async () => (await text('[data-testid="page-info"]')).startsWith('101–200 of 250'), { ms: 60_000, everyMs: 100 });
  await page.click('[data-testid="next"]');
  await waitFor('the third page', async () => (await text('[data-testid="page-info"]')).startsWith('201–250 of 250'), { ms: 60_000, everyMs: 100 });
  await shell!.say("for (let i = 0; i < 200; i++) node.exit(node.whereis('obsproc_pg_' + i), 'kill'); 'fewer'", /'fewer'/);
  await waitFor('the last page there is', async () => /^1–50 of 50 \(of [\d,]+\)$/.test(await text('[data-testid="page-info"]')), { ms: 60_000, everyMs: 100 });
  assert.equal(await page.locator('table[data-testid="procs"] tbody tr').count(), 50);

  await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/tables'));
  const listed = async () => Number(/^([\d,]+) tables?/.exec(await text('section p'))![1]!.replace(/,/g, ''));
  await waitFor('250 tables and more', async () => (await listed()) > 250, { ms: 60_000, everyMs: 100 });
  const next = page.locator('section .toolbar button', { hasText: 'next' });
  await next.click();
  await next.click();
  await waitFor('the third page of tables', async () => (await page.locator('table[data-testid="tables"] a', { hasText: 'obsproc_tb_249' }).count()) === 1, { ms: 60_000, everyMs: 100 });
  await shell!.say("node.exit(node.whereis('obsproc_tables'), 'kill'), 'untabled'", /'untabled'/);
  await waitFor('the tables that are left', async () => (await listed()) < 100 && (await page.locator('table[data-testid="tables"] tbody tr').count()) === (await listed()), { ms: 60_000, everyMs: 100 });
  assert.ok((await listed()) >= 5);
  assert.deepEqual(errors, []);
  await page.close();
});

test('when otp observer itself stops, every view of its open page says so instead of showing its last answers as live', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const second = startObserver(['obsproc@127.0.0.1', '--no-open'], env);
  try {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${await second.url}#/overview`);
    await waitFor('a sample', async () => (await page.locator('[data-testid="ov-samples"]').count()) === 1, { ms: 60_000, everyMs: 100 });
    assert.equal(await page.locator('[data-testid="observer-gone"]').count(), 0);
    second.child.kill('SIGKILL');
    const said = await waitFor('the page to say the observer is gone', () => page.locator('[data-testid="observer-gone"]').innerText({ timeout: 1000 }).catch(() => ''), { ms: 60_000, everyMs: 100 });
    assert.match(said, /^otp observer does not answer this page: .*Run otp observer again and open the URL it prints$/);
    await page.evaluate(() => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/procs'));
    await waitFor('the processes view to say so too', async () => (await page.locator('[data-testid="observer-gone"]').count()) === 1 && (await page.locator('[data-testid="filter"]').count()) === 1, { ms: 60_000, everyMs: 100 });
    await page.close();
  } finally {
    second.child.kill('SIGKILL');
  }
});

test('a process page whose process exits while it is open says it exited, shows its details as last seen, and offers no actions', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  await shell!.say("node.spawn(async (c) => { await c.receive(); }, { name: 'obsproc_short' }) && 'spawned'", /'spawned'/);
  const { page, errors, text } = await open('#/proc/obsproc_short');
  assert.equal(await text('[data-testid="proc-status"]'), 'waiting');
  assert.equal(await page.locator('[data-testid="kill"]').count(), 1);
  await shell!.say("node.exit(node.whereis('obsproc_short'), 'kill'), 'gone'", /'gone'/);
  await waitFor('the page to say the process exited', async () => (await page.locator('[data-testid="proc-exited"]').count()) === 1, { ms: 30_000, everyMs: 100 });
  assert.equal(await text('[data-testid="proc-status"]'), 'exited (last seen waiting)');
  assert.match(await text('[data-testid="proc-error"]'), /no process is registered as 'obsproc_short'.*: below is how it was when last seen/);
  assert.equal(await page.locator('[data-testid="kill"], [data-testid="send"]').count(), 0, 'no kill or send for a process that is gone');
  assert.equal(await text('[data-testid="exited-no-actions"]'), 'this process exited: nothing to act on');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a kill confirmed on a process that exited since the page last looked says once that it had exited and nothing was done', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  await shell!.say("node.spawn(async (c) => { await c.receive(); }, { name: 'obsproc_late' }) && 'spawned'", /'spawned'/);
  const { page, errors, text } = await open('#/proc/obsproc_late');
  assert.equal(await text('[data-testid="proc-status"]'), 'waiting');
  // The page's polls are answered with what it saw last until the kill is confirmed: the process exits in between, unseen.
  let alive: { body: string; status: number } | undefined;
  await page.route('**/api/process?*', async (route) => {
    if (alive) return route.fulfill({ status: alive.status, body: alive.body, contentType: 'application/json' });
    const r = await route.fetch();
    alive = { status: r.status(), body: await r.text() };
    return route.fulfill({ response: r });
  });
  await waitFor('a poll of the process held', () => alive !== undefined, { ms: 30_000, everyMs: 100 });
  await shell!.say("node.exit(node.whereis('obsproc_late'), 'kill'), 'gone'", /'gone'/);
  await page.locator('[data-testid="kill"]').click();
  await page.locator('[data-testid="confirm-yes"]').click();
  await page.unroute('**/api/process?*');
  await waitFor('the page to say the process exited', async () => (await page.locator('[data-testid="proc-exited"]').count()) === 1, { ms: 30_000, everyMs: 100 });
  assert.equal(await text('[data-testid="exited-no-actions"]'), 'this process had exited before the kill: nothing was done');
  assert.equal(await page.locator('[data-testid="action-result"]').count(), 0, 'said once, not again under the actions');
  assert.deepEqual(errors, []);
  await page.close();
});

test("a link to a process named with a bare '%' (typed, not percent-encoded) opens that process instead of breaking the page", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  await shell!.say("node.spawn(async (c) => { await c.receive(); }, { name: 'obsproc_50%' }) && 'spawned'", /'spawned'/);
  const { page, errors, text } = await open('#/proc/obsproc_50%');
  assert.match(await text('h2'), /^<0\.\d+\.0> obsproc_50%$/);
  assert.equal(await text('[data-testid="proc-status"]'), 'waiting');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the page says so when the observed node restarts under the same name, and its charts start again from the new run', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const { page, errors, text } = await open('#/overview');
  const samples = async () => Number((await text('[data-testid="ov-samples"]')).split(' ')[0]);
  await waitFor('three samples of the first run', async () => (await samples()) >= 3, { ms: 60_000, everyMs: 100 });
  assert.equal(await page.locator('[data-testid="node-restarted"]').count(), 0, 'no restart said before one happens');
  shell!.stop();
  shell = await startShellNode(['--name', 'obsproc'], env);
  assert.match(shell.out(), /started shop/, shell.out());
  const said = await waitFor('the page to say the node restarted', () => page.locator('[data-testid="node-restarted"]').innerText({ timeout: 1000 }).catch(() => ''), { ms: 60_000, everyMs: 100 });
  assert.match(said, /^obsproc@127\.0\.0\.1 restarted at \d\d:\d\d:\d\d: this is a new run of it/);
  const since = Number(await page.locator('[data-testid="ov-samples"]').getAttribute('data-since'));
  const at = Number(await page.locator('[data-testid="node-restarted"]').getAttribute('data-at'));
  assert.ok(since >= at, `the charts hold the new run only: their first sample (${since}) is not before the restart (${at})`);
  assert.equal(await page.locator('[data-testid="node-error"]').count(), 0, 'the node answers again');
  assert.deepEqual(errors, []);
  await page.close();
});

test("the process table's header names the order of the rows it shows, not that of a page still on its way", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  // Enough processes that a page sorted by name takes the node a while to answer.
  for (let chunk = 0; chunk < 3; chunk++) await shell!.say(`for (let i = 0; i < 10000; i++) node.spawn(async (c) => { await c.receive(); }); 'chunk ${chunk}'`, new RegExp(`'chunk ${chunk}'`));
  const { page, errors, text } = await open('#/procs');
  await waitFor('the first page', async () => /^1–100 of /.test(await text('[data-testid="page-info"]')), { ms: 60_000, everyMs: 100 });
  await page.locator('th[data-sort="name"]').click();
  // Read in one go in the page: the header's sort and the names shown; whenever the header says 'name', the rows are in name order.
  const read = () =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown; querySelectorAll(s: string): ArrayLike<{ innerText: string }> } }).document;
      return { byName: doc.querySelector('th.sorted[data-sort="name"]') !== null, names: Array.from(doc.querySelectorAll('table[data-testid="procs"] tbody tr td:nth-child(2)')).map((td) => td.innerText).filter(Boolean) };
    });
  await waitFor('the rows sorted by name', async () => {
    const { byName, names } = await read();
    if (byName) assert.deepEqual(names, [...names].sort(), 'a header sorted by name over rows in name order');
    return byName;
  }, { ms: 60_000, everyMs: 5 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a trace asked with a limit that is no whole number shows the sentence naming what was typed, not a NaN the node saw', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const { page, errors, text } = await open('#/trace');
  await page.locator('[data-testid="trace-patterns"]').fill('x.y');
  await page.locator('[data-testid="trace-limit"]').fill('abc');
  await page.locator('[data-testid="trace-start"]').click();
  const said = await waitFor('the trace refused', async () => {
    const s = await text('[data-testid="trace-status"]');
    return s.startsWith('refused') || s.startsWith('the observer') ? s : undefined;
  }, { ms: 30_000, everyMs: 100 });
  assert.equal(said, "refused: limit 'abc' is not a whole number above 0: give how many events to stop after, e.g. 100");
  assert.deepEqual(errors, []);
  await page.close();
});

test("an empty table's page says it has no rows, not 'rows 1–0 of 0'", { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  await shell!.say("node.spawn(async (c) => { c.newTable({ name: 'obsproc_empty', access: 'public' }); await c.receive(); }, { name: 'obsproc_empty_owner' }) && 'empty'", /'empty'/);
  const { page, errors, text } = await open('#/tables');
  await page.locator('table[data-testid="tables"] a', { hasText: 'obsproc_empty' }).first().click({ timeout: 30_000 });
  const info = await waitFor('the table page', async () => {
    const s = await text('h2');
    return s.startsWith('table ') ? s : undefined;
  }, { ms: 30_000, everyMs: 100 });
  assert.match(info, /^table \d+: no rows$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a process with a 2000-character name leaves the Processes table within the window: the name is cut with an ellipsis and whole in its tooltip', { timeout: 300_000 }, async (t) => {
  if ('why' in chromium) return t.skip(chromium.why);
  const long = `obsproc_long_${'x'.repeat(2000)}`;
  await shell!.say(`node.spawn(async (c) => { await c.receive(); }, { name: '${long}' }) && 'long'`, /'long'/);
  const { page, errors } = await open('#/procs');
  await page.locator('[data-testid="filter"]').fill('obsproc_long_');
  const cell = page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)');
  await waitFor('the long-named process listed', async () => (await cell.count()) === 1, { ms: 30_000, everyMs: 100 });
  const sizes = await page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelector(s: string): { getBoundingClientRect(): { right: number } } } };
    return { window: g.innerWidth, page: g.document.documentElement.scrollWidth, table: g.document.querySelector('table[data-testid="procs"]').getBoundingClientRect().right };
  });
  assert.ok(sizes.page <= sizes.window && sizes.table <= sizes.window, `the table fits the window: ${JSON.stringify(sizes)}`);
  assert.equal(await cell.locator('[title]').getAttribute('title'), long, 'the whole name in a tooltip');
  // The process's own page wraps the name rather than stretching past the window.
  await page.goto(`${url}#/proc/${encodeURIComponent(long)}`);
  await waitFor('the process page', async () => (await page.locator('.proc h2').count()) === 1, { ms: 30_000, everyMs: 100 });
  const wide = await page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return g.document.documentElement.scrollWidth - g.innerWidth;
  });
  assert.ok(wide <= 0, `the process page is ${wide} px wider than the window`);
  assert.deepEqual(errors, []);
  await page.close();
});
