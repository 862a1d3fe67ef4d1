// otp heap end to end: against a running node (another OS process), the built binary shows the node's
// memory, the processes by estimated memory (a behaviour's large state, a backlog's mailbox) and the
// tables by memory; --snapshot writes a V8 heap snapshot pulled over distribution in bounded chunks,
// and a snapshot over --snapshot-max fails with a clear error and leaves no file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { otpWith } from './support/cli.ts';

const nodeScript = fileURLToPath(new URL('./fixtures/heap-node.ts', import.meta.url));

// A private port mapper, the heapy node (another OS process) once it is ready, and the built otp with their settings.
async function startHeapy(dirPrefix: string) {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'heapy-secret', NO_COLOR: '1' };
  const otp = otpWith(env);
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const peer = spawn(process.execPath, [...process.execArgv, nodeScript, 'heapy@127.0.0.1', 'heapy-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      peer.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('ready')) resolve();
      });
      peer.once('exit', (code) => reject(new Error(`the heapy node exited with ${code}`)));
    });
  } catch (error) {
    peer.kill('SIGKILL');
    await epmd.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { epmd, otp, dir, peer };
}

test('otp heap against a running node: processes by memory with mailbox and state, tables, and a heap snapshot within its limit', { timeout: 300_000 }, async () => {
  const { epmd, otp, dir, peer } = await startHeapy('heapy-');
  try {

    const r = await otp('heap', 'heapy@127.0.0.1', '--top', '3');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^heap of heapy@127\.0\.0\.1: rss [\d.]+ MB, heap [\d.]+ MB used of [\d.]+ MB \(limit [\d.]+ [MG]B\)/);
    assert.match(r.stdout, /^processes: \d+, about [\d.]+ [KM]B \(mailboxes [\d.]+ [KM]B in 5000 messages; states of \d+ of \d+ behaviours? asked/m);
    const procs = r.stdout.split(/processes by memory[^\n]*\n[^\n]*\n/)[1]!.split('\n\n')[0]!.split('\n');
    assert.equal(procs.length, 3, r.stdout);
    // The hoarder's 20000-row state (about a megabyte) puts it first; the backlog's 5000 messages second.
    assert.match(procs[0]!, /^\s+[\d.]+ [KM]B\s+0 B\s+0\s+[\d.]+ [KM]B\s+<0\.\d+\.0> heapy_hoarder gen_server:/, r.stdout);
    assert.match(procs[1]!, /^\s+[\d.]+ [KM]B\s+[\d.]+ [KM]B\s+5000\s+-\s+<0\.\d+\.0> heapy_backlog anonymous$/, r.stdout);
    assert.match(r.stdout, /tables by memory \(estimates\):\n\s+memory\s+size\s+table\n\s+[\d.]+ [KM]B\s+10000\s+\d+ heapy_cache set public, owner <0\.\d+\.0>/);

    const json = await otp('heap', 'heapy@127.0.0.1', '--json', '--top', '1');
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { processes: Array<{ name?: string; stateBytes: number | null }>; tableCount: number; messages: number };
    assert.equal(report.processes[0]!.name, 'heapy_hoarder');
    assert.ok((report.processes[0]!.stateBytes ?? 0) > 500_000, JSON.stringify(report.processes[0]));
    assert.equal(report.messages, 5000);

    // A heap snapshot, written here: V8's format, with the hoarder's marker string in it.
    const file = join(dir, 'heapy.heapsnapshot');
    const snap = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', file);
    assert.equal(snap.status, 0, snap.stderr);
    assert.match(snap.stdout, /wrote .*heapy\.heapsnapshot \([\d.]+ MB: open it in Chrome DevTools' Memory panel\)/);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: unknown; node_count: number }; strings: string[] };
    assert.ok(parsed.snapshot.meta && parsed.snapshot.node_count > 1000, 'a V8 heap snapshot');
    assert.ok(parsed.strings.includes('heapy-marker-7f3a'), "the node's own heap, not the tool's");

    // Over its limit: a clear error, no file, and the node takes the next snapshot (it dropped the first).
    const small = join(dir, 'small.heapsnapshot');
    const over = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', small, '--snapshot-max', '1MB');
    assert.equal(over.status, 1, over.stdout + over.stderr);
    assert.match(over.stderr, /the heap snapshot of heapy@127\.0\.0\.1 is larger than the limit of 1048576 bytes: raise --snapshot-max/);
    assert.equal(existsSync(small), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    const again = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', small);
    assert.equal(again.status, 0, again.stderr);

    const bad = await otp('heap', 'heapy@127.0.0.1', '--snapshot-max', 'lots');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--snapshot-max lots is not a size: write e\.g\. --snapshot-max 512MB/);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('otp heap --snapshot into a folder that does not exist, or onto a folder, is refused before the node takes a snapshot, and leaves no file', { timeout: 300_000 }, async () => {
  const { epmd, otp, dir, peer } = await startHeapy('heapy-path-');
  try {
    const missing = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', join(dir, 'nowhere', 'x.heapsnapshot'));
    assert.equal(missing.status, 2, missing.stdout + missing.stderr);
    assert.match(missing.stderr, /^otp: --snapshot \S+x\.heapsnapshot: the folder \S+nowhere does not exist: create it, or give a file in a folder that exists\n$/);
    const folder = join(dir, 'snaps');
    mkdirSync(folder);
    const onFolder = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', folder);
    assert.equal(onFolder.status, 2, onFolder.stdout + onFolder.stderr);
    assert.match(onFolder.stderr, /^otp: --snapshot \S+snaps is a folder: give a file in it, e\.g\. --snapshot \S+node\.heapsnapshot\n$/);
    assert.deepEqual(readdirSync(dir).sort(), ['snaps']);
    assert.deepEqual(readdirSync(folder), []);
    // The node holds no snapshot for the refused commands: the next one is taken at once, not refused as one already running.
    const good = await otp('heap', 'heapy@127.0.0.1', '--top', '1', '--snapshot', join(folder, 'x.heapsnapshot'));
    assert.equal(good.status, 0, good.stderr);
    assert.deepEqual(readdirSync(folder), ['x.heapsnapshot']);
  } finally {
    peer.kill('SIGKILL');
    await epmd.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
