// End to end: `otp observer --dump FILE` serves a crash dump's processes and tables through the observer's
// API and page (the built CLI as a child process), read-only: live-only routes say it is a dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode } from '@otp-ts/runtime';
import { installCrashDump } from '@otp-ts/runtime/tools';
import { chromiumPath, startObserver } from './support/observer.ts';
import { otpWith } from './support/cli.ts';
import { waitFor } from './support/wait.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// A real crash dump of a small node: 30 named workers, one hoarding 12 messages, and a table of 40 rows.
async function writeDump(file: string): Promise<void> {
  const node = createNode();
  const dumper = installCrashDump(node, { file });
  try {
    for (let i = 0; i < 30; i++) {
      node.spawn(
        async (c) => {
          if (i === 7) {
            const t = c.newTable({ name: 'obsdump_prices' });
            for (let r = 0; r < 40; r++) t.insert([`item${r}`, r]);
          }
          await c.receive((m) => m === 'never');
        },
        { name: `obsdump_w${String(i).padStart(2, '0')}` },
      );
    }
    const hoarder = node.whereis('obsdump_w03')!;
    for (let i = 0; i < 12; i++) node.send(hoarder, { order: i });
    await new Promise((r) => setImmediate(r));
    assert.equal(dumper.write('other', new Error('obsdump died on purpose')), file);
  } finally {
    dumper.uninstall();
    node.shutdown();
  }
}

test('otp observer --dump: a crash dump browsed read-only through the observer, live-only routes refused', { timeout: 300_000 }, async (t) => {
  mkdirSync(join(root, '_build', 'e2e'), { recursive: true });
  const dir = mkdtempSync(join(root, '_build', 'e2e', 'obsdump-'));
  const file = join(dir, 'otp_crash.dump');
  // What the test started, stopped whatever happens.
  const started: { observer?: ReturnType<typeof startObserver>; browser?: { close(): Promise<void> } } = {};
  t.after(async () => {
    started.observer?.child.kill('SIGKILL');
    await started.browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await writeDump(file);

  // A bad file: one sentence naming it and the fix, a usage error.
  const missing = await otpWith(process.env)('observer', '--dump', join(dir, 'nope.dump'), '--no-open');
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /^otp: .*nope\.dump does not exist: give the crash dump a node wrote/);
  const junk = join(dir, 'junk.dump');
  writeFileSync(junk, 'not json');
  const bad = await otpWith(process.env)('observer', '--dump', junk, '--no-open');
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /junk\.dump is not a crash dump \(not JSON/);
  const both = await otpWith(process.env)('observer', 'x@127.0.0.1', '--dump', file, '--no-open');
  assert.equal(both.status, 2, both.stderr);

  const observer = startObserver(['--dump', file, '--no-open']);
  started.observer = observer;
  const url = await observer.url;
  const base = url.replace(/\/\?token=.*$/, '');
  const token = new URL(url).searchParams.get('token')!;
  const get = async (path: string) => {
    const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { rows?: Array<Record<string, unknown>> } };
  };

  // The token is required, as for a live node.
  assert.equal((await fetch(`${base}/api/processes`)).status, 401);
  assert.equal((await fetch(`${base}/api/processes?token=wrong`)).status, 401);

  // Processes: paged, sorted and filtered from the dump, as the node would.
  const first = await get('/api/processes?offset=0&limit=10&sort=name&dir=asc&filter=obsdump_w');
  assert.equal(first.status, 200);
  assert.equal(first.body.matched, 30);
  assert.deepEqual(
    first.body.rows!.map((r) => r.name),
    Array.from({ length: 10 }, (_, i) => `obsdump_w${String(i).padStart(2, '0')}`),
  );
  const second = await get('/api/processes?offset=10&limit=10&sort=name&dir=asc&filter=obsdump_w');
  assert.equal(second.body.rows![0]!.name, 'obsdump_w10');
  const byMailbox = await get('/api/processes?limit=1&sort=mailbox&dir=desc');
  assert.equal(byMailbox.body.rows![0]!.name, 'obsdump_w03');
  assert.equal(byMailbox.body.rows![0]!.mailbox, 12);

  // A process's detail, by name: its mailbox as it died.
  const detail = await get('/api/process?pid=obsdump_w03');
  assert.equal(detail.status, 200);
  assert.equal(detail.body.mailboxLength, 12);
  assert.match(String((detail.body.mailbox as string[])[0]), /order: 0/);
  const none = await get('/api/process?pid=nobody_here');
  assert.equal(none.status, 404);
  assert.match(String(none.body.error), /nobody_here is not in the crash dump/);

  // Tables and the overview come from the dump.
  const tables = await get('/api/tables');
  assert.ok((tables.body.tables as Array<{ name?: string; size: number }>).some((x) => x.name === 'obsdump_prices' && x.size === 40), JSON.stringify(tables.body));
  const overview = await get('/api/overview');
  assert.ok(Number(overview.body.processes) >= 30);

  // Live-only routes: a 409 saying it is a dump of which node, written when.
  const dumped = await get('/api/nodes');
  const node = String((dumped.body.dump as { node: string }).node);
  const when = String((dumped.body.dump as { time: string }).time);
  assert.equal((dumped.body.dump as { reason: string }).reason, 'Error: obsdump died on purpose');
  const act = await fetch(`${base}/api/act`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'kill', target: 'obsdump_w01' }) });
  assert.equal(act.status, 409);
  const refusal = ((await act.json()) as { error: string }).error;
  assert.equal(refusal, `this is a crash dump of ${node} written at ${when}: its processes cannot be killed, sent to, suspended or resumed; start the node again and run otp observer NODE`);
  // A body that is JSON but not an object is refused by name before any route reads its fields (it was a 502 TypeError).
  for (const [body, what] of [['null', 'null'], ['[1]', 'an array'], ['7', 'number']]) {
    const odd = await fetch(`${base}/api/act`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    assert.equal(odd.status, 400, body);
    assert.equal(((await odd.json()) as { error: string }).error, `the request body is ${what}: send a JSON object, such as {"action":"kill","target":"<0.42.0>"}`);
  }
  for (const path of ['/api/trace?patterns=a.b', '/api/upgrades', '/api/rows?id=1']) {
    const r = await get(path);
    assert.equal(r.status, 409, path);
    assert.match(String(r.body.error), new RegExp(`^this is a crash dump of ${node.replace(/[.]/g, '\\.')} written at `), path);
  }

  // The page, once, if chromium is here: the banner, the processes table, no trace view.
  const chromium = chromiumPath();
  if ('why' in chromium) return t.diagnostic(`page not checked: ${chromium.why}`);
  const { chromium: pw } = await import('playwright-core');
  const b = await pw.launch({ executablePath: chromium.path, args: ['--no-sandbox', '--disable-gpu'] });
  started.browser = b;
  const page = await b.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/?token=${token}#/procs`);
  const banner = await page.locator('[data-testid="dump-banner"]').innerText({ timeout: 30_000 });
  assert.equal(banner, `crash dump of ${node} — died at ${when}: Error: obsdump died on purpose`);
  await page.locator('[data-testid="procs"] td', { hasText: 'obsdump_w03' }).first().waitFor({ timeout: 30_000 });
  await page.goto(`${base}/?token=${token}#/tables`);
  await page.locator('[data-testid="tables"] td', { hasText: 'obsdump_prices' }).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="tables"] a[href^="#/table/"]').count(), 0, 'no links to rows a dump does not hold');
  await waitFor('the nav without trace', async () => (await page.locator('nav a[data-view="trace"]').count()) === 0, { ms: 30_000 });
  assert.deepEqual(errors, []);
});
