// End to end: `otp observer` against a running node, driven in Debian's chromium by playwright-core.
// The node is an `otp shell` on a copy of examples/shop with extra load; the observer is the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { chromiumPath, startObserver } from './support/observer.ts';
import { bin, otpWith, startShellNode } from './support/cli.ts';
import { run, ok } from './support/run.ts';
import { replaceOrFail } from './support/wait.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where the screenshots go (docs/observer.md shows the best ones). */
const shots = process.env.OTP_OBSERVER_SHOTS ?? join(root, '.tmp', 'observer');

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  let last: unknown;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s${last ? `: ${String(last)}` : ''}`);
}

test('otp observer: a live page of a running node in a real browser, guarded by its token', { timeout: 600_000 }, async (t) => {
  const chromium = chromiumPath();
  if ('why' in chromium) return t.skip(chromium.why);
  const { chromium: pw } = await import('playwright-core');
  mkdirSync(shots, { recursive: true });
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'observer-h-secret' };
  const nodeName = 'observed_h@127.0.0.1';
  const shell = await startShellNode(['--name', 'observed_h'], env);
  let observer: ReturnType<typeof startObserver> | undefined;
  let browser: Awaited<ReturnType<typeof pw.launch>> | undefined;
  try {
    assert.match(shell.out(), /started shop/, shell.out());
    // Load: a process that calls the cart every 20 ms and owns a public table of 500 rows.
    await shell.say(
      "node.spawn(async (c) => { const t = c.newTable({ name: 'observer_h_prices', access: 'public' }); for (let i = 0; i < 500; i++) t.insert(['item' + i, i]); for (;;) { await genServer.call(c, 'cart', { op: 'list' }); await c.sleep(20); } }, { name: 'observer_h_load' }) && 'load'",
      /'load'/,
    );

    observer = startObserver([nodeName, '--no-open'], env);
    const url = await observer.url;
    const base = url.replace(/\/\?token=.*$/, '');
    const token = new URL(url).searchParams.get('token')!;

    // Every request needs the token: none, a wrong one, a wrong bearer, even for the page and the live channel.
    for (const [path, headers] of [
      ['/', {}],
      ['/api/overview', {}],
      ['/api/overview?token=wrong', {}],
      ['/api/live?token=x' + token, {}],
      ['/app.js', {}],
      ['/api/processes', { authorization: 'Bearer nope' }],
    ] as const) {
      const r = await fetch(base + path, { headers });
      assert.equal(r.status, 401, path);
      assert.match(await r.text(), /needs its token/);
    }
    assert.equal((await fetch(`${base}/api/overview`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    // Beyond loopback only over HTTPS, or when told that plain HTTP is accepted.
    const exposed = await otpWith(env)('observer', nodeName, '--host', '0.0.0.0', '--no-open');
    assert.equal(exposed.status, 2);
    assert.equal(exposed.stderr, 'otp: --host 0.0.0.0 would serve the observer beyond this machine in clear: give --https-cert and --https-key, or --insecure to accept that\n');

    browser = await pw.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const text = (sel: string) => page.locator(sel).first().innerText({ timeout: 30_000 });

    // Overview: the figures and charts update once a second from the live channel.
    await page.goto(url);
    assert.equal(await text('[data-testid="ov-node"]'), nodeName);
    const firstSample = await text('[data-testid="ov-time"]');
    await until('three overview samples', async () => Number((await text('[data-testid="ov-samples"]')).split(' ')[0]) >= 3);
    assert.notEqual(await text('[data-testid="ov-time"]'), firstSample, 'the overview updates');
    assert.ok(Number((await text('[data-testid="ov-processes"]')).replace(/,/g, '')) >= 10);
    assert.equal(await page.locator('.chart canvas').count() >= 5, true, 'five uPlot charts');
    // Message rates: the cart's load delivers some; a burst of 10 000 a second shows in the next samples.
    const delivered = async () => Number((await text('[data-testid="ov-delivered"]')).replace(/,/g, ''));
    const before = await until('a message rate under the cart load', async () => ((await delivered()) > 0 ? delivered() : undefined));
    assert.ok(before < 5000, `the cart load alone delivers ${before} messages/s`);
    await shell.say(
      "node.spawn(async (c) => { const sink = c.spawn(async (d) => { for (;;) await d.receive(); }, { link: true }); for (;;) { for (let i = 0; i < 1000; i++) c.send(sink, i); await c.sleep(100); } }, { name: 'observer_h_burst' }) && 'burst'",
      /'burst'/,
    );
    await until('the burst in the message rates', async () => (await delivered()) >= 5000 && Number((await text('[data-testid="ov-sent"]')).replace(/,/g, '')) >= 5000);
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    await shell.say("node.exit(node.whereis('observer_h_burst'), 'kill'), 'calm'", /'calm'/);

    // Applications: the supervision tree drawn with pids, restart counts and each supervisor's strategy;
    // a click on a node opens its process.
    await page.goto(`${base}/?token=${token}#/apps`);
    const cartRow = page.locator('.tnode[data-label="cart"]');
    assert.match(await cartRow.innerText({ timeout: 30_000 }), /cart <0\.\d+\.0>\s+cart_server\s+restarts: 0/);
    assert.equal(await text('.tnode[data-label="shop_sup"] [data-testid="strategy"]'), 'oneForOne, max 5 restarts in 10 s');
    assert.equal(await page.locator('.apptree[data-app="shop"] svg.links path').count(), 5, 'shop → shop_sup → its four children');
    await page.screenshot({ path: join(shots, 'applications.png') });
    const oldCart = await cartRow.locator('a.pid').first().innerText();
    await cartRow.click({ position: { x: 240, y: 68 } });

    // Process detail: state through sys, links as links; kill asks first, then the supervisor restarts the cart.
    await until('the cart process page', async () => (await text('h2')).includes(oldCart));
    assert.match(await text('[data-testid="proc-links"]'), /<0\.\d+\.0>/);
    assert.ok((await page.locator('[data-testid="proc-state"]').count()) === 1, 'a gen_server shows its state');
    await page.click('[data-testid="kill"]');
    assert.match(await text('[data-testid="confirm"]'), new RegExp(`Kill ${oldCart.replace(/[.<>]/g, '\\$&')} \\(cart\\)`));
    await page.screenshot({ path: join(shots, 'process-kill-confirm.png') });
    await page.click('[data-testid="confirm-no"]');
    assert.equal(await page.locator('[data-testid="confirm"]').count(), 0);
    assert.equal(await text('[data-testid="proc-status"]'), 'waiting', 'cancel kills nothing');
    await page.click('[data-testid="kill"]');
    await page.click('[data-testid="confirm-yes"]');
    assert.equal(await text('[data-testid="action-result"]'), 'kill: done');
    // The node logs who did it.
    await until('the kill in the node log', async () => new RegExp(`otp observer \\(\\S+@\\S+ via otp_cli_\\d+@127\\.0\\.0\\.1\\): kill ${oldCart.replace(/[.<>]/g, '\\$&')} with reason "kill"`).test(shell.out()));
    await page.goto(`${base}/?token=${token}#/apps`);
    const restarted = await until('the restart in the tree', async () => {
      const line = await page.locator('.tnode[data-label="cart"]').innerText();
      return /restarts: 1/.test(line) ? line : undefined;
    });
    assert.doesNotMatch(restarted, new RegExp(oldCart.replace(/[.<>]/g, '\\$&')), 'a new cart process');
    assert.match(await text('.tnode[data-label="shop_sup"]'), /1 in period/);
    await page.screenshot({ path: join(shots, 'applications-restarted.png') });

    // Processes: sorted on the node by a clicked column, filtered by what is typed.
    await page.goto(`${base}/?token=${token}#/procs`);
    await page.locator('th[data-sort="name"]').click();
    const names = await until('rows sorted by name', async () => {
      const xs = await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').allInnerTexts();
      return (await page.locator('th.sorted[data-sort="name"]').count()) && xs.length > 5 ? xs : undefined;
    });
    const named = names.filter(Boolean);
    assert.deepEqual(named, [...named].sort(), 'ascending names');
    assert.ok(named.includes('cart') && named.includes('observer_h_load'), names.join(','));
    await page.locator('th[data-sort="name"]').click();
    await until('rows sorted by name, descending', async () => {
      const xs = (await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').allInnerTexts()).filter(Boolean);
      return xs.length > 5 && JSON.stringify(xs) === JSON.stringify([...xs].sort().reverse());
    });
    await page.fill('[data-testid="filter"]', 'cart_server');
    await until('the filter applied', async () => (await page.locator('table[data-testid="procs"] tbody tr').count()) === 1);
    assert.match(await text('table[data-testid="procs"] tbody tr'), /cart\s+gen_server:cart_server/);
    assert.match(await text('[data-testid="page-info"]'), /^1–1 of 1 \(of \d+\)$/);
    await page.screenshot({ path: join(shots, 'processes-filtered.png') });

    // Tables: the load's table, its rows paged.
    await page.goto(`${base}/?token=${token}#/tables`);
    await page.locator('table[data-testid="tables"] a', { hasText: 'observer_h_prices' }).click();
    await until('the first page of rows', async () => (await page.locator('[data-testid="rows"] li').count()) === 50);
    assert.match(await text('h2'), /rows 1–50 of 500/);

    // Trace: messages to the cart stream into the page and end at the node-enforced limit.
    await page.goto(`${base}/?token=${token}#/trace`);
    await page.check('[data-testid="trace-messages"]');
    await page.fill('[data-testid="trace-names"]', 'cart');
    await page.fill('[data-testid="trace-limit"]', '6');
    await page.click('[data-testid="trace-start"]');
    await until('the trace to end at its limit', async () => /^ended: limit \(6 events/.test(await text('[data-testid="trace-status"]')));
    assert.equal(await page.locator('[data-testid="trace-events"] li').count(), 6);
    assert.match(await text('[data-testid="trace-events"] li'), /receive|send/);
    await page.screenshot({ path: join(shots, 'trace.png') });
    // A long trace stops when the page stops it: the node has no session left.
    const otp = otpWith(env);
    const sessions = async () => JSON.parse((await otp('rpc', nodeName, 'otp_trace', 'sessions')).stdout) as unknown[];
    await page.fill('[data-testid="trace-limit"]', '1000000');
    // And no 15 s default time limit: on a loaded machine `otp rpc` alone can take longer to ask.
    await page.getByLabel('time (ms)').fill('3600000');
    await page.click('[data-testid="trace-start"]');
    await until('the long trace to run', async () => /^running/.test(await text('[data-testid="trace-status"]')));
    assert.equal((await sessions()).length, 1);
    await page.click('[data-testid="trace-stop"]');
    await until('the node to end the stopped trace', async () => (await sessions()).length === 0);
    // Leaving the page while a trace runs stops it too.
    await page.click('[data-testid="trace-start"]');
    await until('the third trace to run', async () => (await sessions()).length === 1);
    await page.goto('about:blank');
    await until('the node to end the abandoned trace', async () => (await sessions()).length === 0);

    // 100k processes: the node pages them; the page holds one page of rows and stays responsive.
    for (let chunk = 0; chunk < 4; chunk++) await shell.say(`for (let i = 0; i < 25000; i++) node.spawn(async (c) => { await c.receive(); }); 'chunk ${chunk}'`, new RegExp(`'chunk ${chunk}'`));
    await shell.say('processes().length > 100000', /true/);
    await page.goto(`${base}/?token=${token}#/procs`);
    const info = await until('a page of 100k processes', async () => {
      const s = await text('[data-testid="page-info"]');
      return /^1–100 of 100,0\d\d$/.test(s) ? s : undefined;
    }, 60_000);
    assert.ok(info);
    assert.equal(await page.locator('table[data-testid="procs"] tbody tr').count(), 100, 'one page of rows in the page');
    // Under load a click can land while a slow page of 100k rows is still in flight: click again until a later page shows.
    await until('a later page', async () => {
      const shown = await text('[data-testid="page-info"]');
      if (/^1–100 of /.test(shown)) await page.click('[data-testid="next"]', { timeout: 5_000 }).catch(() => undefined);
      return /^[1-9]\d{2,}(,\d{3})?–\d/.test(shown) && !/^1–/.test(shown);
    }, 60_000);
    await page.locator('th[data-sort="memory"]').click();
    await until('100k sorted by memory', async () => (await page.locator('th.sorted[data-sort="memory"]').count()) === 1 && /^1–100 of 100,0\d\d$/.test(await text('[data-testid="page-info"]')), 60_000);
    assert.equal(await page.locator('tbody tr').count(), 100);
    await page.screenshot({ path: join(shots, 'processes-100k.png') });
    await page.goto(`${base}/?token=${token}#/overview`);
    await until('the overview with 100k processes', async () => Number((await text('[data-testid="ov-processes"]')).replace(/,/g, '')) > 100_000, 60_000);
    assert.deepEqual(errors, [], 'no error in the page');
    assert.equal(observer.child.exitCode, null, `the observer outlived the pages that came and went: ${observer.out()}`);
  } finally {
    await browser?.close();
    observer?.child.kill('SIGKILL');
    shell.stop();
    await epmd.close();
  }
});

test('otp observer on a release daemon: the Upgrades view shows the release versions', { timeout: 600_000 }, async (t) => {
  const chromium = chromiumPath();
  if ('why' in chromium) return t.skip(chromium.why);
  const { chromium: pw } = await import('playwright-core');
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)) };
  mkdirSync(join(root, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(root, '_build', 'e2e', 'observer-'));
  const rel = join(base, 'obsrel_h', '_build', 'prod', 'rel', 'obsrel_h');
  const script = join(rel, 'bin', 'obsrel_h');
  let observer: ReturnType<typeof startObserver> | undefined;
  let browser: Awaited<ReturnType<typeof pw.launch>> | undefined;
  try {
    await ok(run(process.execPath, [bin, 'new', 'app', 'obsrel_h', '--quiet'], base, env), 'otp new');
    await ok(run(process.execPath, [bin, 'release'], join(base, 'obsrel_h'), env), 'otp release');
    assert.match(await ok(run(script, ['daemon'], rel, env), 'daemon'), /started obsrel_h 0\.1\.0/);
    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    observer = startObserver(['obsrel_h@127.0.0.1', '--no-open', '--cookie', cookie], env);
    const url = await observer.url;
    browser = await pw.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    await page.goto(url.replace(/$/, '#/upgrades'));
    assert.match(await page.locator('[data-testid="upgrades"]').innerText({ timeout: 30_000 }), /running version 0\.1\.0[\s\S]*0\.1\.0\s+permanent/);
    assert.match(await page.locator('[data-testid="upgrades"]').innerText(), /no upgrade since the node started/);
    // 0.2.0 (the server's source changed), released beside 0.1.0 and upgraded to: the view shows its report.
    const project = join(base, 'obsrel_h');
    const server = join(project, 'src', 'obsrel_h_server.ts');
    writeFileSync(server, `${readFileSync(server, 'utf8')}\nexport const obsrelVsn = '0.2.0';\n`);
    const pkg = join(project, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), /"version": "[^"]+"/, '"version": "0.2.0"'));
    await ok(run(process.execPath, [bin, 'release', '--upgrade-from', '0.1.0'], project, env), 'otp release 0.2.0');
    assert.match(await ok(run(script, ['upgrade', '0.2.0'], rel, env), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    await page.reload();
    assert.match(await page.locator('[data-testid="last-upgrade"]').innerText({ timeout: 30_000 }), /last upgrade 0\.1\.0 → 0\.2\.0, installed[\s\S]*modules swapped: [1-9]\d* \(obsrel_h\/obsrel_h_server\); processes suspended: \d+; longest suspension [\d.]+ ms/);
    // 0.3.0's codeChange throws: the upgrade rolls back, and the report names the module it tried and says it rolled back.
    writeFileSync(server, replaceOrFail(readFileSync(server, 'utf8'), /codeChange: .*\n/, "codeChange: () => {\n    throw new Error('obsrel_h 0.3.0 cannot read this state');\n  },\n"));
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), /"version": "[^"]+"/, '"version": "0.3.0"'));
    await ok(run(process.execPath, [bin, 'release', '--upgrade-from', '0.2.0'], project, env), 'otp release 0.3.0');
    const refused = await run(script, ['upgrade', '0.3.0'], rel, env);
    assert.notEqual(refused.status, 0, `the upgrade to 0.3.0 fails: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stderr, /rolled back, 0\.2\.0 still runs/);
    await page.reload();
    const report = await until('the rolled-back upgrade in the view', async () => {
      const s = await page.locator('[data-testid="last-upgrade"]').innerText({ timeout: 30_000 });
      return /0\.2\.0 → 0\.3\.0/.test(s) ? s : undefined;
    });
    assert.match(report, /^last upgrade 0\.2\.0 → 0\.3\.0, rolled back at [\d:]+: upgrade to 0\.3\.0 rolled back, 0\.2\.0 still runs: .*obsrel_h 0\.3\.0 cannot read this state/);
    assert.match(report, /modules tried: 1 \(obsrel_h\/obsrel_h_server\), all back at 0\.2\.0; processes suspended: \d+/);
    assert.match(await page.locator('[data-testid="upgrades"]').innerText(), /running version 0\.2\.0/);
    await page.screenshot({ path: join(shots, 'upgrades.png') });
    await page.goto(url.replace(/$/, '#/apps'));
    assert.match(await page.locator('.tnode[data-label="obsrel_h"]').first().innerText({ timeout: 30_000 }), /obsrel_h/);
  } finally {
    await browser?.close();
    observer?.child.kill('SIGKILL');
    if (existsSync(script)) await run(script, ['stop'], rel, env);
    rmSync(base, { recursive: true, force: true });
    await epmd.close();
  }
});

// Two shell nodes, PREFIX_a and PREFIX_b on 127.0.0.1, of one cluster behind a port mapper of their own.
async function twoShellNodes(prefix: string, cookie: string) {
  const epmd = new EpmdServer();
  const env = { ...process.env, OTP_EPMD_PORT: String(await epmd.listen(0)), OTP_COOKIE: cookie };
  const [a, b] = [`${prefix}_a@127.0.0.1`, `${prefix}_b@127.0.0.1`];
  const [shellA, shellB] = await Promise.all([startShellNode(['--name', `${prefix}_a`], env), startShellNode(['--name', `${prefix}_b`], env)]);
  const close = async () => {
    shellA.stop();
    shellB.stop();
    await epmd.close();
  };
  return { env, a, b, shellA, shellB, close };
}

test('otp observer switches between the nodes of a cluster, and says so when the observed node goes away', { timeout: 600_000 }, async (t) => {
  const chromium = chromiumPath();
  if ('why' in chromium) return t.skip(chromium.why);
  const { chromium: pw } = await import('playwright-core');
  mkdirSync(shots, { recursive: true });
  const { env, a, b, shellA, shellB, close } = await twoShellNodes('obsw', 'observer-sw-secret');
  let observer: ReturnType<typeof startObserver> | undefined;
  let browser: Awaited<ReturnType<typeof pw.launch>> | undefined;
  try {
    assert.match(shellA.out(), /started shop/, shellA.out());
    assert.match(shellB.out(), /started shop/, shellB.out());
    // Each node registers a name of its own; a joins b's cluster.
    await shellA.say("node.spawn(async (c) => { await c.receive(); }, { name: 'obsw_only_a' }) && 'a named'", /'a named'/);
    await shellB.say("node.spawn(async (c) => { await c.receive(); }, { name: 'obsw_only_b' }) && 'b named'", /'b named'/);
    await shellA.say(`await node.ping('${b}')`, /true/);

    observer = startObserver([a, '--no-open'], env);
    const url = await observer.url;
    browser = await pw.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const text = (sel: string) => page.locator(sel).first().innerText({ timeout: 30_000 });
    const select = page.locator('select[data-testid="node"]');
    const view = (hash: string) =>
      page.evaluate((h) => {
        (globalThis as unknown as { location: { hash: string } }).location.hash = h;
      }, hash);
    // The processes view, filtered to the names the test registered: which node's processes it shows.
    const ownNames = async () => {
      await view('#/procs');
      await page.fill('[data-testid="filter"]', 'obsw_only');
      return until('the filtered processes', async () => {
        const names = (await page.locator('table[data-testid="procs"] tbody tr td:nth-child(2)').allInnerTexts()).filter(Boolean);
        return names.length === 1 ? names[0] : undefined;
      });
    };
    const overviewOf = async (node: string) => {
      await view('#/overview');
      await until(`the overview of ${node}`, async () => (await text('[data-testid="ov-node"]')) === node);
    };

    await page.goto(url);
    await overviewOf(a);
    // The selector lists the node's cluster.
    await until('b in the node selector', async () => (await select.locator('option').allInnerTexts()).includes(b));
    assert.equal(await ownNames(), 'obsw_only_a');

    // Switching shows the other node: its overview, its processes.
    await select.selectOption(b);
    await overviewOf(b);
    assert.equal(await select.inputValue(), b);
    assert.equal(await ownNames(), 'obsw_only_b');
    await page.screenshot({ path: join(shots, 'switched-node.png') });

    // And back.
    await select.selectOption(a);
    await overviewOf(a);
    assert.equal(await ownNames(), 'obsw_only_a');

    // The observed node goes away: the page says so, naming it, instead of showing its last answers as if live.
    await select.selectOption(b);
    await overviewOf(b);
    shellB.stop();
    const said = await until('the page to say b went away', async () => {
      const s = await page.locator('[data-testid="node-error"]').innerText({ timeout: 1000 }).catch(() => '');
      return s.includes(b) ? s : undefined;
    }, 60_000);
    assert.match(said, /does not answer/);
    await page.screenshot({ path: join(shots, 'node-gone.png') });
    // Every view says so, the processes view too, rather than a table of the gone node's processes.
    await view('#/procs');
    assert.match(await text('[data-testid="node-error"]'), /obsw_b@127\.0\.0\.1 does not answer/);
    // The node that still runs can be picked again.
    assert.ok((await select.locator('option').allInnerTexts()).includes(a));
    await select.selectOption(a);
    await overviewOf(a);
    assert.equal(await page.locator('[data-testid="node-error"]').count(), 0, 'no error once a live node is observed');
    assert.equal(await ownNames(), 'obsw_only_a');
    assert.deepEqual(errors, [], 'no error in the page');
  } finally {
    await browser?.close();
    observer?.child.kill('SIGKILL');
    await close();
  }
});

test("a link to another node's process in a process's links opens it on that node, and the back button returns to the first node's process (and to the first node's table)", { timeout: 600_000 }, async (t) => {
  const chromium = chromiumPath();
  if ('why' in chromium) return t.skip(chromium.why);
  const { chromium: pw } = await import('playwright-core');
  const { env, a, b, shellA, shellB, close } = await twoShellNodes('obrm', 'observer-rm-secret');
  let observer: ReturnType<typeof startObserver> | undefined;
  let browser: Awaited<ReturnType<typeof pw.launch>> | undefined;
  try {
    // b's process links to a's: a's process has a link to <N.id.0>, a pid of b as a numbers it.
    await shellB.say("node.spawn(async (c) => { const p = await c.receive(); c.link(p); await c.receive(); }, { name: 'obrm_there' }) && 'b ready'", /'b ready'/);
    await shellA.say(`node.spawn(async (c) => { c.send({ name: 'obrm_there', node: '${b}' }, c.self()); await c.receive(); }, { name: 'obrm_here' }) && 'a ready'`, /'a ready'/);
    observer = startObserver([a, '--no-open'], env);
    const url = await observer.url;
    browser = await pw.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const text = (sel: string) => page.locator(sel).first().innerText({ timeout: 30_000 });
    await page.goto(`${url}#/proc/obrm_here?on=${a}`);
    const remote = page.locator('[data-testid="proc-links"] a.pid.remote');
    await until('the link to b in the links', async () => (await remote.count()) === 1);
    const shown = await remote.innerText();
    assert.match(shown, /^<[1-9]\d*\.\d+\.0>$/, 'the link shows the pid as a numbers it');
    assert.equal(await remote.getAttribute('data-node'), b);
    assert.match(await text('[data-testid="proc-links"]'), new RegExp(`on ${b.replace(/\./g, '\\.')}`));
    await remote.click();
    // The page observes b and shows its process there: its own pid, its name.
    const there = await until("b's process", async () => {
      const h = await text('h2');
      return / obrm_there$/.test(h) ? h : undefined;
    });
    assert.match(there, new RegExp(`^<0\\.${shown.split('.')[1]}\\.0> obrm_there$`));
    assert.equal(await page.locator('select[data-testid="node"]').inputValue(), b);
    // Back: a's process, on a again (not a process of b that has a's pid).
    await page.goBack();
    await until("a's process again", async () => / obrm_here$/.test(await text('h2')));
    assert.equal(await page.locator('select[data-testid="node"]').inputValue(), a);

    // A table link names its node too: each node holds a table of its own (their ids are numbers of each
    // node alone); back from b's Tables view to a's table shows a's rows, not b's table of that id.
    for (const [shell, where] of [[shellA, 'a'], [shellB, 'b']] as const) {
      await shell.say(`node.spawn(async (c) => { const t = c.newTable({ name: 'obrm_t${where}', access: 'public' }); t.insert(['row on ${where}']); await c.receive(); }) && '${where} table'`, new RegExp(`'${where} table'`));
    }
    await page.goto(`${url}#/tables`);
    await page.locator('table[data-testid="tables"] a', { hasText: 'obrm_ta' }).click();
    await until("a's rows", async () => /row on a/.test(await text('[data-testid="rows"]')));
    assert.match(page.url(), new RegExp(`#/table/\\d+\\?on=${encodeURIComponent(a).replace(/\./g, '\\.')}$`));
    // Picking b in the selector on a's table page leaves it for b's tables (it does not switch straight back to a).
    await page.locator('select[data-testid="node"]').selectOption(b);
    await until("b's table listed", async () => (await page.locator('table[data-testid="tables"] a', { hasText: 'obrm_tb' }).count()) === 1);
    assert.equal(await page.locator('select[data-testid="node"]').inputValue(), b);
    await page.goBack();
    await until("a's rows again, on a", async () => /row on a/.test(await text('[data-testid="rows"]')));
    assert.equal(await page.locator('select[data-testid="node"]').inputValue(), a);
    assert.deepEqual(errors, [], 'no error in the page');
  } finally {
    await browser?.close();
    observer?.child.kill('SIGKILL');
    await close();
  }
});
