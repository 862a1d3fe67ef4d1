// End to end: the built `otp` binary traces and inspects real nodes running in other OS processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { bin, otpWith, type Run } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

function waitFor(child: ChildProcess, text: RegExp, what: string, ms = 120_000): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not print ${text} within ${ms} ms: ${out}`)), ms);
    const on = (c: Buffer) => {
      out += c.toString();
      if (text.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test('otp trace against a running node: calls and returns, limits enforced by the node, clean errors', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'trace-secret' };
  const otp = otpWith(env);
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'traced@127.0.0.1', 'trace-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const traced = async () => JSON.parse((await otp('rpc', 'traced@127.0.0.1', 'otp_trace', 'traced')).stdout) as string[];
  try {
    await waitFor(peer, /ready/, 'the traced node');

    const calls = await otp('trace', 'traced@127.0.0.1', 'shop/cart.add', '--return', '--limit', '3');
    assert.equal(calls.status, 0, calls.stderr);
    const lines = calls.stdout.trim().split('\n');
    assert.equal(lines.length, 6, calls.stdout);
    for (let i = 0; i < 6; i += 2) {
      assert.match(lines[i]!, /^\d\d:\d\d:\d\d\.\d{3} <0\.\d+\.0> +call shop\/cart\.add\(ctx<0\.\d+\.0>, "item\d", \d\)$/);
      assert.match(lines[i + 1]!, /^\d\d:\d\d:\d\d\.\d{3} <0\.\d+\.0> +return shop\/cart\.add\/3 -> \{ item: "item\d", qty: \d, total: \d+ \}/);
    }
    assert.match(calls.stderr, /trace ended: the event limit was reached \(3 events, 3 returns\)/);
    // Checked from a second client: the node removed the pattern by itself.
    assert.deepEqual(await traced(), []);

    // --limit and --rate together: both are announced, and the first reached ends the trace.
    const both = await otp('trace', 'traced@127.0.0.1', 'shop/cart.add', '--limit', '2', '--rate', '1000000/1000');
    assert.equal(both.status, 0, both.stderr);
    assert.match(both.stderr, /^tracing 1 function on traced@127\.0\.0\.1 \(limit 2, rate 1000000\/1000 ms, time 15000 ms\); Ctrl-C stops\n/);
    assert.match(both.stderr, /trace ended: the event limit was reached \(2 events\)/);

    const json = await otp('trace', 'traced@127.0.0.1', 'shop/cart.add(_, i, q) when q >= 5', '--limit', '2', '--json');
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; args?: string[]; reason?: string });
    assert.deepEqual(events.map((e) => e.kind), ['call', 'call', 'done']);
    assert.ok(events.slice(0, 2).every((e) => Number(e.args![2]) >= 5), json.stdout);
    assert.equal(events[2]!.reason, 'limit');

    const msgs = await otp('trace', 'traced@127.0.0.1', '--messages', '--name', 'ponger', '--limit', '4');
    assert.equal(msgs.status, 0, msgs.stderr);
    const kinds = msgs.stdout.trim().split('\n').map((l) => /(receive|send) (.*) (<-|->) (<0\.\d+\.0>)$/.exec(l)?.slice(1, 3));
    assert.deepEqual(kinds.map((k) => k?.[0]), ['receive', 'send', 'receive', 'send'], msgs.stdout);
    assert.equal(kinds[1]![1], '"pong"');

    const dry = await otp('trace', 'traced@127.0.0.1', 'shop/*.*', '--dry-run');
    assert.match(dry.stdout, /^3 functions and \d+ processes match:\n {2}shop\/cart\.add\n {2}shop\/cart\.hot\n {2}shop\/cart\.remove\n$/);

    // Unknown names fail at once with the closest ones; bad input, a wrong cookie, an unknown node: one line, exit 2.
    for (const [args, line] of [
      [['shop/cart.ad'], "otp: no function 'ad' in shop/cart (closest: shop/cart.add)\n"],
      [['shop/crat.add'], "otp: no loaded module matches 'shop/crat' (closest: shop/cart)\n"],
      [['*.*'], "otp: '*.*' names every function of every module: narrow it (e.g. shop/*.handle*) or add --force\n"],
      [['shop/cart.add', '--cookie', 'wrong'], "otp: traced@127.0.0.1 refused the connection: wrong cookie (give the node's cookie with --cookie or OTP_COOKIE)\n"],
    ] as const) {
      const r = await otp('trace', 'traced@127.0.0.1', ...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stderr, line);
    }
    const unknown = await otp('trace', 'nobody@127.0.0.1', 'shop/cart.add');
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, 'otp: no node nobody@127.0.0.1 is running (the port mapper on 127.0.0.1 does not know it)\n');

    // A flood of traced calls: the node drops what its buffer cannot hold, counts it, and stays responsive.
    const flood = await otp('trace', 'traced@127.0.0.1', 'shop/cart.hot', '--rate', '100000000/1000', '--time', '1000', '--json');
    const done = JSON.parse(flood.stdout.trim().split('\n').pop()!) as { reason: string; events: number; dropped: number };
    assert.equal(done.reason, 'time');
    assert.ok(done.events > 1000 && done.dropped > 0, flood.stdout.slice(-300));
    assert.deepEqual(await traced(), []);

    // A client killed mid-trace leaves no pattern behind: the node sees its connection go.
    const client = spawn(process.execPath, [bin, 'trace', 'traced@127.0.0.1', 'shop/cart.add', '--limit', '100000', '--time', '60000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    await waitFor(client, /call shop\/cart\.add/, 'the tracing client');
    assert.deepEqual(await traced(), ['shop/cart.add']);
    client.kill('SIGKILL');
    assert.ok(await until(async () => (await traced()).length === 0, 30_000), 'the pattern was left on the node');
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
  }
});

test('otp procs, info, tree and remote show what a running application set up', async () => {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'inspect-secret' };
  const otp = otpWith(env);
  const dir = mkdtempSync(join(tmpdir(), 'otp-inspect-'));
  cpSync(fileURLToPath(new URL('../examples/shop', import.meta.url)), dir, { recursive: true });
  const shell = spawn(process.execPath, [bin, 'shell', '--name', 'inspected'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await waitFor(shell, /started shop/, 'the shell');
    const tree = await otp('tree', 'inspected@127.0.0.1', 'shop');
    assert.equal(tree.status, 0, tree.stderr);
    assert.match(tree.stdout, /^shop \(application, master <0\.\d+\.0>\)\n└─ shop_sup <0\.\d+\.0> supervisor, 0 restarts in period\n/);
    for (const id of ['events', 'inventory', 'cart', 'order']) assert.match(tree.stdout, new RegExp(`^   [├└]─ ${id} <0\\.\\d+\\.0> .*, restarts: 0$`, 'm'));
    // Kill cart: its supervisor restarts it, and the tree counts that restart on cart's line and in the supervisor's period.
    const killer = spawn(process.execPath, [bin, 'remote', 'inspected@127.0.0.1'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    killer.stdin.end("ctx.exit(whereis('cart'), 'kill')\n'killed'\n");
    await waitFor(killer, /killed/, 'otp remote killing cart');
    let after = '';
    assert.ok(await until(async () => /restarts: 1$/m.test((after = (await otp('tree', 'inspected@127.0.0.1', 'shop')).stdout)), 30_000), `cart's restart was not counted: ${after}`);
    assert.match(after, /^└─ shop_sup <0\.\d+\.0> supervisor, 1 restart in period$/m);
    assert.match(after, /^ {3}[├└]─ cart <0\.\d+\.0> cart_server, restarts: 1$/m);
    assert.match(after, /^ {3}[├└]─ inventory <0\.\d+\.0> inventory_server, restarts: 0$/m);
    const treeJson = JSON.parse((await otp('tree', 'inspected@127.0.0.1', 'shop', '--json')).stdout) as Array<{ children: Array<{ children: Array<{ label: string; restarted: number }> }> }>;
    // Children as whichChildren lists them: the most recently added first, as OTP does.
    assert.deepEqual(treeJson[0]!.children[0]!.children.map((c) => [c.label, c.restarted]), [['order', 0], ['cart', 1], ['inventory', 0], ['events', 0]]);
    const noApp = await otp('tree', 'inspected@127.0.0.1', 'shopp');
    assert.equal(noApp.status, 2);
    assert.match(noApp.stderr, /^otp: no application 'shopp' is running on inspected@127\.0\.0\.1 \(closest: shop\)\n$/);

    const info = await otp('info', 'inspected@127.0.0.1', 'cart');
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^pid: +<0\.\d+\.0> \(cart\)$/m);
    assert.match(info.stdout, /^behaviour: +gen_server cart_server$/m);
    assert.match(info.stdout, /^current function: +gen_server\.loop$/m, 'an idle gen_server waits in its loop, as in OTP');
    assert.match(info.stdout, /^links: +<0\.\d+\.0>$/m);
    assert.match(info.stdout, /^state \(sys\.getStatus, formatStatus applied\):\n {2}\S/m);
    const infoJson = JSON.parse((await otp('info', 'inspected@127.0.0.1', 'cart', '--json')).stdout) as { currentFunction: string };
    assert.equal(infoJson.currentFunction, 'gen_server.loop');
    const missing = await otp('info', 'inspected@127.0.0.1', 'crat');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no process is registered as 'crat'.*\(closest: cart\)/);

    const procs = await otp('procs', 'inspected@127.0.0.1', '--by', 'reductions', '-n', '3', '--window', '200');
    assert.equal(procs.status, 0, procs.stderr);
    const rows = procs.stdout.trim().split('\n');
    assert.match(rows[0]!, /^PID +NAME +RUNS +MEMORY +MAILBOX +REDUCTIONS +REDUCTIONS \+200ms$/);
    assert.equal(rows.length, 4);

    const remote = spawn(process.execPath, [bin, 'remote', 'inspected@127.0.0.1'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    remote.stdin.end("whereis('cart') !== undefined\n1 + 1\nthrow new Error('boom')\n");
    const out = await waitFor(remote, /boom/, 'otp remote');
    assert.match(out, /^true\n2\n\*\* .*boom/);

    const top = await otp('top', 'inspected@127.0.0.1', '--interval', '200');
    assert.equal(top.status, 0, top.stderr);
    assert.match(top.stdout, /^inspected@127\.0\.0\.1 +up \d+ s +processes \d+ +heap [\d.]+ MB .*event-loop lag/);

    // On a terminal, top redraws in place until q: run it in a tmux pane and read the screen back.
    const session = `otp-top-${process.pid}`;
    const tmux = (...a: string[]) => new Promise<Run>((resolve) => execFile('tmux', a, { encoding: 'utf8' }, (error, stdout, stderr) => resolve({ status: error ? 1 : 0, stdout, stderr })));
    const started = await tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', `env OTP_EPMD_PORT=${port} OTP_COOKIE=inspect-secret ${process.execPath} ${bin} top inspected@127.0.0.1 --interval 200`);
    assert.equal(started.status, 0, `tmux is needed for this test (.ci/run installs it): ${started.stderr}`);
    try {
      let screen = '';
      assert.ok(await until(async () => /q quits/.test((screen = (await tmux('capture-pane', '-p', '-t', session)).stdout)), 120_000), `top drew no screen: ${screen}`);
      assert.match(screen, /^inspected@127\.0\.0\.1 +up \d+ s +processes \d+/m);
      assert.match(screen, /^<0\.\d+\.0> +cart /m, 'the top processes are listed by name');
      await tmux('send-keys', '-t', session, 'q');
      assert.ok(await until(async () => (await tmux('has-session', '-t', session)).status !== 0, 5_000), 'q quits top (and its pane)');
    } finally {
      await tmux('kill-session', '-t', session);
    }
    shell.stdin.write('q()\n');
  } finally {
    shell.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await epmd.close();
  }
});
