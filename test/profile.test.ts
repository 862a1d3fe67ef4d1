// otp profile end to end: a busy release profiled through its own inspector; the hot function is at the
// top with its .ts file and module, the busy process at the top of the process view, --name/--pid/--module
// narrow it, the .cpuprofile and the HTML are valid, and a killed client leaves no profiler running (the
// next profile starts long before the node's hard limit would have freed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
const traceNode = join(repo, 'test', 'fixtures', 'trace-node.ts');

// The application burns CPU in one named function, most of the time, in one registered process.
const busy = `
export function profyHotLoop(ms: number): number {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) for (let i = 0; i < 1000; i++) x = (x * 31 + i) % 1000003;
  return x;
}
export async function profyBurner(ctx: ProcessContext): Promise<void> {
  for (;;) {
    profyHotLoop(40);
    await ctx.sleep(10);
  }
}
`;


test('a busy release profiled: the hot function tops the functions with its .ts file and module, the busy process tops the processes, --name/--pid/--module narrow it, the files are valid, and a killed client leaves no profiler running', { timeout: 600_000 }, async () => {
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
    const appFile = join(dir, 'src', 'profy_app.ts');
    let app = readFileSync(appFile, 'utf8');
    app = replaceOrFail(app, "import { sup } from './profy_sup.ts';", "import { sup } from './profy_sup.ts';\nimport { profyBurner } from './profy_server.ts';");
    app = replaceOrFail(app, "start: (_type, _args, ctx) => supervisor.startLink(ctx, sup, undefined, { name: 'profy_sup' }),", "start: async (_type, _args, ctx) => {\n    const started = await supervisor.startLink(ctx, sup, undefined, { name: 'profy_sup' });\n    ctx.spawn(profyBurner, { name: 'profy_burner' });\n    return started;\n  },");
    writeFileSync(appFile, app);
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release');
    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    await ok(script(['daemon']), 'daemon');
    const profile = (args: string[]) => run(process.execPath, [otp, 'profile', 'profy@127.0.0.1', '--cookie', cookie, ...args], base);

    const cpu = join(base, 'profy.cpuprofile');
    const html = join(base, 'profy.html');
    const out = await ok(profile(['--time', '3s', '--top', '5', '--cpuprofile', cpu, '--html', html]), 'otp profile');
    assert.match(out, /^overhead: the scheduler's process timer about [\d.]+ ms \([\d.]+%\) in \d+ calls/m);
    const section = (text: string, title: string) => text.split(`${title}\n`)[1]!.split('\n\n')[0]!.split('\n').slice(1);
    const bySelf = section(out, 'by self time:');
    assert.match(bySelf[0]!, /profyHotLoop \S*profy_server\.ts:\d+ \(profy\/profy_server \S+\)$/, out);
    // The process view: the busy registered process first, measured by the node's scheduler.
    const byProcess = out.split(/by process \(measured by the node's scheduler: [\d.]+ ms in \d+ process(?:es)?, [\d.]+% of the profile\):\n/)[1]!.split('\n\n')[0]!.split('\n').slice(1);
    assert.match(byProcess[0]!, /^\s+[\d.]+\s+[\d.]+%\s+\d+\s+\d+\s+<0\.\d+\.\d+> profy_burner profyBurner$/, out);
    const saved = JSON.parse(readFileSync(cpu, 'utf8')) as { nodes: Array<{ id: number; callFrame: { url: string } }>; samples: number[]; timeDeltas: number[] };
    assert.ok(Array.isArray(saved.nodes) && saved.nodes.length > 0 && Array.isArray(saved.samples) && saved.samples.length > 0, 'nodes and samples');
    assert.equal(saved.samples.length, saved.timeDeltas.length);
    assert.ok(saved.nodes.some((n) => n.callFrame.url.endsWith('profy_server.ts')), 'frames mapped to TypeScript');
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<svg[\s\S]*profyHotLoop/);
    assert.match(page, /<h2>By process<\/h2>[\s\S]*<td>profy_burner<\/td><td>profyBurner<\/td>/);

    // --name: only the functions sampled while that process ran; --pid the same by pid; --module only that module's functions.
    const burner = /(<0\.\d+\.\d+>) profy_burner/.exec(byProcess[0]!)![1]!;
    const named = await ok(profile(['--time', '2s', '--name', 'profy_burner', '--top', '5']), 'otp profile --name');
    assert.match(named, new RegExp(`^only ${burner.replace(/[.<>]/g, '\\$&')} \\(profy_burner\\): \\d+ of \\d+ samples fell in its \\d+ runs`, 'm'), named);
    assert.match(section(named, 'by self time:')[0]!, /profyHotLoop /, named);
    assert.equal(named.split(/by process[^\n]*\n/)[1]!.split('\n\n')[0]!.split('\n').length, 2, `only the selected process: ${named}`);
    const byPid = await ok(profile(['--time', '1s', '--pid', burner]), 'otp profile --pid');
    assert.match(byPid, /^only <0\.\d+\.\d+> \(profy_burner\)/m);
    const mod = await ok(profile(['--time', '1s', '--module', 'profy_server']), 'otp profile --module');
    assert.match(mod, /^only the functions of profy\/profy_server$/m);
    for (const line of section(mod, 'by self time:').slice(1)) assert.match(line, /\(profy\/profy_server \S+\)$/, mod);
    const noProc = await profile(['--time', '1s', '--name', 'profy_nobody']);
    assert.equal(noProc.status, 2, noProc.out);
    assert.match(noProc.stderr, /no process is registered as 'profy_nobody' on profy@127\.0\.0\.1/);
    const noMod = await profile(['--time', '1s', '--module', 'profy_nothing']);
    assert.equal(noMod.status, 2, noMod.out);
    assert.match(noMod.stderr, /no module profy_nothing is loaded on profy@127\.0\.0\.1/);
    const both = await profile(['--time', '1s', '--pid', burner, '--name', 'profy_burner']);
    assert.equal(both.status, 2, both.out);
    assert.match(both.stderr, /--pid and --name both pick the process to profile: give one of them/);
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

test('a node that dies while it is profiled: otp profile says it died during profiling and where to look, exit 1, instead of a bare nodedown', { timeout: 300_000 }, async () => {
  const port = await privatePortMapper();
  const env = { ...process.env, OTP_EPMD_PORT: String(port), OTP_COOKIE: 'dies-secret', NO_COLOR: '1' };
  const peer = spawn(process.execPath, [...process.execArgv, traceNode, 'dies@127.0.0.1', 'dies-secret', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let peerOut = '';
  peer.stdout!.on('data', (c: Buffer) => (peerOut += c.toString()));
  peer.stderr!.on('data', (c: Buffer) => (peerOut += c.toString()));
  try {
    await waitFor('the node to profile', () => /ready/.test(peerOut), { ms: 120_000 });
    const long = run(process.execPath, [otp, 'profile', 'dies@127.0.0.1', '--time', '4m'], repo, env);
    // The profile runs once a second one is refused as already running. The probe names a module the node does
    // not have, so it can never take the profile itself: the node checks for a running profile first, then the
    // module. (A probe that could profile won the race under load and left the long one refused.)
    await waitFor('the long profile to start', async () => /a profile is already running/.test((await run(process.execPath, [otp, 'profile', 'dies@127.0.0.1', '--time', '1s', '--module', 'dies_nothing'], repo, env)).stderr), { ms: 120_000, everyMs: 200 });
    peer.kill('SIGKILL');
    const died = await long;
    assert.equal(died.status, 1, died.out);
    assert.match(died.stderr, /^otp: dies@127\.0\.0\.1 died during profiling \(after [\d.]+ s of the 240 s profile\), so no profile was taken: its log or crash dump says why\n.*otp crashdump FILE$/);
    assert.doesNotMatch(died.out, /nodedown|\n\s+at /);
  } finally {
    peer.kill('SIGKILL');
  }
});
