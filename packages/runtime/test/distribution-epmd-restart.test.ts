// A node's registration with the port mapper lasts as long as its connection to it: a port mapper that stops or
// restarts loses it. Real port mappers (the project's, in this process) on a port of their own, real TCP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer, killPortMapper, portMapperLookup } from '@otp-ts/runtime/tools';
import { waitFor } from '../../../test/support/wait.ts';
import { freePort } from '../../../test/support/epmd.ts';

test('a node whose port mapper restarted says once that it lost its registration, registers again, and other nodes find it', { timeout: 60_000 }, async () => {
  let epmd = new EpmdServer();
  const epmdPort = await epmd.listen(0);
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l) });
    const port = (await portMapperLookup('a', '127.0.0.1', epmdPort))!.port;
    await epmd.close();
    const lost = await waitFor('a line about the lost registration', () => logs.find((l) => /lost the registration/.test(l)));
    assert.match(lost, new RegExp(`^distribution: the port mapper at 127\\.0\\.0\\.1:${epmdPort} lost the registration of a@127\\.0\\.0\\.1 \\(it closed the connection\\): other nodes cannot look this node up until it registers again`));
    epmd = new EpmdServer();
    await epmd.listen(epmdPort);
    await waitFor('a to be registered again', async () => (await portMapperLookup('a', '127.0.0.1', epmdPort))?.port === port);
    await waitFor('a line saying so', () => logs.some((l) => l === `distribution: registered a@127.0.0.1 with the port mapper at 127.0.0.1:${epmdPort} again: other nodes can look it up`));
    await b.startDistribution({ name: 'b@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} });
    assert.equal(await b.ping('a@127.0.0.1'), true);
    // Once each: the attempts while the port mapper was down said nothing more.
    assert.equal(logs.filter((l) => /port mapper/.test(l)).length, 2, logs.join('\n'));
  } finally {
    await a.shutdown();
    await b.shutdown();
    await epmd.close();
  }
});


// The OS processes of built-in port mappers serving `port` (their command line names it).
function portMappersOn(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.some((a) => /epmd/.test(a)) && args.includes('--port') && args[args.indexOf('--port') + 1] === String(port)) pids.push(Number(entry));
  }
  return pids;
}

test('a node that started the built-in port mapper starts it again when that process is killed, and registers there again', { timeout: 60_000, skip: existsSync('/proc/self/cmdline') ? false : 'needs /proc to find the port mapper process' }, async () => {
  const epmdPort = await freePort();
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l) });
    const port = (await portMapperLookup('a', '127.0.0.1', epmdPort))!.port;
    const first = await waitFor('the port mapper process', () => (portMappersOn(epmdPort).length === 1 ? portMappersOn(epmdPort)[0] : undefined));
    process.kill(first, 'SIGKILL');
    await waitFor('a line about the lost registration', () => logs.some((l) => /lost the registration of a@127\.0\.0\.1/.test(l)));
    await waitFor('a to be registered with a new port mapper', async () => (await portMapperLookup('a', '127.0.0.1', epmdPort).catch(() => undefined))?.port === port);
    assert.ok(!portMappersOn(epmdPort).includes(first));
    await waitFor('a line saying so', () => logs.some((l) => /^distribution: registered a@127\.0\.0\.1 with the port mapper at .* again/.test(l)));
  } finally {
    await a.shutdown();
    await waitFor('the port mapper to stop', () => killPortMapper('127.0.0.1', epmdPort).catch(() => true));
  }
});

test('a port mapper that drops each registration at once (flapping, or not a port mapper) is registered with less and less often: the pauses keep growing, so the lines about it stay few', { timeout: 60_000 }, async () => {
  // Answers every ALIVE2 with success (ALIVE2_RESP, creation 1), then closes the registration 10 ms later.
  const registrations: number[] = [];
  const flapping = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      registrations.push(Date.now());
      socket.write(Buffer.from([121, 0, 0, 1]));
      setTimeout(() => socket.destroy(), 10);
    });
  });
  await new Promise<void>((resolve) => flapping.listen(0, '127.0.0.1', resolve));
  const epmdPort = (flapping.address() as { port: number }).port;
  const logs: string[] = [];
  const a = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'a@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l) });
    await waitFor('six registrations', () => registrations.length >= 6);
    // The pause before the sixth has doubled from 100 ms at each drop since the first: 1.6 s at least.
    const gap = registrations[5]! - registrations[4]!;
    assert.ok(gap >= 1500, `${gap} ms between the fifth and the sixth registration: ${registrations.map((t) => t - registrations[0]!).join(', ')}`);
    assert.ok(logs.length <= 12, logs.join('\n'));
  } finally {
    await a.shutdown();
    flapping.close();
  }
});
