// otp profile end to end: a busy release profiled through its own inspector; the hot function is at the
// top with its .ts file, the .cpuprofile and the HTML are valid, and a killed client leaves no profiler
// running (the next profile starts long before the node's hard limit would have freed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

// The application burns CPU in one named function, most of the time, from a timer.
const busy = `
export function profyHotLoop(ms: number): number {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) for (let i = 0; i < 1000; i++) x = (x * 31 + i) % 1000003;
  return x;
}
setInterval(() => profyHotLoop(40), 50).unref();
`;


test('a busy release profiled: the hot function tops the list with its .ts file, the files are valid, and a killed client leaves no profiler running', { timeout: 600_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'profy-'));
  const dir = join(base, 'profy');
  const rel = join(dir, '_build', 'prod', 'rel', 'profy');
  const script = (args: string[]) => run(join(rel, 'bin', 'profy'), args, rel);
  const clients: Array<ReturnType<typeof spawn>> = [];
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'profy', '--quiet'], base), 'otp new');
    const server = join(dir, 'src', 'profy_server.ts');
    writeFileSync(server, `${readFileSync(server, 'utf8')}\n${busy}`);
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    await ok(script(['daemon']), 'daemon');
    const profile = (args: string[]) => run(process.execPath, [otp, 'profile', 'profy@127.0.0.1', '--cookie', cookie, ...args], base);

    const cpu = join(base, 'profy.cpuprofile');
    const html = join(base, 'profy.html');
    const out = await ok(profile(['--time', '3s', '--top', '5', '--cpuprofile', cpu, '--html', html]), 'otp profile');
    const bySelf = out.split('by self time:\n')[1]!.split('\n\n')[0]!.split('\n').slice(1);
    assert.match(bySelf[0]!, /profyHotLoop \S*profy_server\.ts:\d+$/, out);
    const saved = JSON.parse(readFileSync(cpu, 'utf8')) as { nodes: Array<{ id: number; callFrame: { url: string } }>; samples: number[]; timeDeltas: number[] };
    assert.ok(Array.isArray(saved.nodes) && saved.nodes.length > 0 && Array.isArray(saved.samples) && saved.samples.length > 0, 'nodes and samples');
    assert.equal(saved.samples.length, saved.timeDeltas.length);
    assert.ok(saved.nodes.some((n) => n.callFrame.url.endsWith('profy_server.ts')), 'frames mapped to TypeScript');
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<svg[\s\S]*profyHotLoop/);
    assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained');

    // A client killed mid-profile: the node stops the profile when the client's node goes, so the next starts.
    const logFile = join(rel, 'log', 'profy.log');
    const before = existsSync(logFile) ? readFileSync(logFile, 'utf8').length : 0;
    const client = spawn(process.execPath, [otp, 'profile', 'profy@127.0.0.1', '--cookie', cookie, '--time', '4m'], { stdio: 'ignore' });
    clients.push(client);
    await waitFor('the long profile starts', () => (readFileSync(logFile, 'utf8').slice(before).includes('profiling for 240000 ms') ? true : undefined), { ms: 60_000, everyMs: 100 });
    const busyNow = await profile(['--time', '1s']);
    assert.equal(busyNow.status, 1, busyNow.out);
    assert.match(busyNow.stderr, /a profile is already running on profy@127\.0\.0\.1 \(asked by otp_\w+_\d+@127\.0\.0\.1, \d+ s left\): one at a time per node/);
    client.kill('SIGKILL');
    await waitFor('the node sees the client go', () => (readFileSync(logFile, 'utf8').slice(before).includes('stopped, the client went down') ? true : undefined), { ms: 60_000, everyMs: 100 });
    const again = await ok(profile(['--time', '1s', '--top', '3']), 'a second profile after the client died');
    assert.match(again, /^profiled profy@127\.0\.0\.1 for \d+ ms/);
  } finally {
    for (const c of clients) c.kill('SIGKILL');
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
