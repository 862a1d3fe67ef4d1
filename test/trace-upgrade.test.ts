// End to end: `otp trace` of a real node that is hot-upgraded while traced — a version that removes a traced
// function is said to the tracing client, in one line, and `otp_trace traced` stops listing it; a client killed
// with SIGKILL while an upgrade of the traced module runs leaves nothing traced on a node that keeps answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';
import { bin, otpWith } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/trace-node.ts', import.meta.url));

// A running child whose stdout and stderr are kept, and its exit code once it exited.
function started(child: ChildProcess): { out(): string; code(): number | null | undefined } {
  let out = '';
  let code: number | null | undefined;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  child.once('exit', (c) => (code = c));
  return { out: () => out, code: () => code };
}

test('a hot upgrade that removes a traced function tells otp trace in one line, traced stops listing it, and a client killed mid-upgrade leaves nothing traced', async () => {
  const port = await privatePortMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'upgrade-secret' };
  const otp = otpWith(env);
  const node = 'upgraded@127.0.0.1';
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, node, 'upgrade-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p = started(peer);
  const rpc = async (fn: string) => {
    const r = await otp('rpc', node, 'otp_trace', fn);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as unknown;
  };
  const clients: ChildProcess[] = [];
  try {
    await waitFor('the traced node', () => /ready/.test(p.out()), { ms: 120_000 }).catch((e: Error) => assert.fail(`${e.message}: ${p.out()}`));
    const a = spawn(process.execPath, [bin, 'trace', node, 'shop/cart.add', 'shop/cart.remove', '--limit', '100000', '--time', '600000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    clients.push(a);
    const ta = started(a);
    await waitFor('a traced call', () => /call shop\/cart\.add/.test(ta.out()) || ta.code() !== undefined, { ms: 120_000 });
    assert.deepEqual(((await rpc('traced')) as string[]).sort(), ['shop/cart.add', 'shop/cart.remove']);
    peer.kill('SIGUSR2');
    await waitFor('the no-longer-traced line', () => /is no longer traced/.test(ta.out()) || ta.code() !== undefined, { ms: 60_000 }).catch((e: Error) => assert.fail(`${e.message}: ${ta.out().slice(-500)}`));
    assert.match(ta.out(), /^\d\d:\d\d:\d\d\.\d{3} {13}shop\/cart\.remove is no longer traced: version 2 of shop\/cart removed it; this session traces it again if a later version lets it$/m);
    assert.deepEqual(await rpc('traced'), ['shop/cart.add']);
    assert.deepEqual((await rpc('sessions') as Array<{ functions: string[] }>).map((s) => s.functions), [['shop/cart.add']]);
    // The function version 2 kept is still traced: a call made after the notice is shown.
    const after = ta.out().indexOf('is no longer traced');
    await waitFor('a call of version 2', () => /call shop\/cart\.add/.test(ta.out().slice(after)), { ms: 60_000 });
    a.kill('SIGINT');
    await waitFor('otp trace leaving after Ctrl-C', () => ta.code() !== undefined, { ms: 60_000 });
    assert.equal(ta.code(), 0, ta.out());
    assert.match(ta.out(), /trace ended: stopped \(\d+ events\)/);

    // A client killed outright while an upgrade of the module it traces runs.
    const b = spawn(process.execPath, [bin, 'trace', node, 'shop/cart.add', '--limit', '100000', '--time', '600000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    clients.push(b);
    const tb = started(b);
    await waitFor('a traced call', () => /call shop\/cart\.add/.test(tb.out()) || tb.code() !== undefined, { ms: 120_000 });
    b.kill('SIGKILL');
    peer.kill('SIGUSR2');
    await waitFor('version 3 loaded', () => /loaded version 3/.test(p.out()), { ms: 60_000 });
    await waitFor('the session gone with its client', async () => JSON.stringify(await rpc('traced')) === '[]' && JSON.stringify(await rpc('sessions')) === '[]', { ms: 60_000, everyMs: 200 });
    const again = await otp('trace', node, 'shop/cart.remove', 'shop/cart.add', '--limit', '2');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /trace ended: the event limit was reached \(2 events\)/);
  } finally {
    for (const c of clients) c.kill('SIGKILL');
    peer.kill('SIGKILL');
  }
});
