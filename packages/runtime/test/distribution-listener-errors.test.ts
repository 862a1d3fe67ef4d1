// A listening server's own errors (an accept failing: ENOBUFS, EMFILE when the OS has no descriptor left) must not end
// the node or the port mapper. Node throws a server's 'error' event that no listener takes: the listen's handler,
// left on, took the first error and the second ended the process. Errors other than running out of descriptors
// (which the descriptor watcher says) are one line, at most one a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from 'node:net';
import { createNode } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';

const handles = (): unknown[] => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
const accept = (code: string): Error => Object.assign(new Error(`accept ${code}`), { code, errno: -105, syscall: 'accept' });

test("the distribution listener and the port mapper go on after errors of their listening sockets, and say those that are not EMFILE", { timeout: 60_000 }, async () => {
  const before = new Set(handles());
  const epmdLines: string[] = [];
  const epmd = new EpmdServer((l) => epmdLines.push(l));
  const port = await epmd.listen(0);
  const epmdServers = handles().filter((h): h is Server => h instanceof Server && !before.has(h));
  const mid = new Set(handles());
  const nodeLines: string[] = [];
  const a = createNode({ onCrash: () => {} });
  const b = createNode({ onCrash: () => {} });
  try {
    await a.startDistribution({ name: 'lerr_a@127.0.0.1', cookie: 'sekrit', epmdPort: port, log: (l) => nodeLines.push(l) });
    const listeners = handles().filter((h): h is Server => h instanceof Server && !mid.has(h));
    assert.equal(listeners.length, 1, 'the node listens on one server');
    assert.ok(epmdServers.length > 0, 'the port mapper listens');
    for (const server of [...listeners, ...epmdServers]) {
      for (let i = 0; i < 3; i++) server.emit('error', accept('EMFILE'));
      server.emit('error', accept('ENOBUFS'));
      server.emit('error', accept('ENOBUFS'));
    }
    // Both still serve: a second node registers with the port mapper and connects to the first.
    await b.startDistribution({ name: 'lerr_b@127.0.0.1', cookie: 'sekrit', epmdPort: port, log: () => {} });
    assert.equal(await b.ping('lerr_a@127.0.0.1'), true);
    assert.deepEqual(nodeLines.filter((l) => /could not take/.test(l)), ['distribution: node lerr_a@127.0.0.1: the listener could not take a connection (ENOBUFS); it goes on serving']);
    assert.equal(epmdLines.filter((l) => /could not take/.test(l)).length, 1, epmdLines.join('\n'));
  } finally {
    a.shutdown();
    b.shutdown();
    await epmd.close();
  }
});
