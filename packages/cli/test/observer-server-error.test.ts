// The observer's server after it listens: an error of its listening socket (an accept failing, as at EMFILE when the
// OS has no descriptor left) must not end the observer. Node throws an 'error' event no listener takes, so a
// listener left from listen() (once) would take the first and the second would end the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from 'node:http';
import { request } from 'node:http';
import { startObserver, type ObserverSource } from '../src/observer/server.ts';
import { waitFor } from '../../../test/support/wait.ts';

const source: ObserverSource = {
  node: 'gone@127.0.0.1',
  dead: { time: '2026-01-01T00:00:00Z', reason: 'test' },
  overview: async () => ({ node: 'gone@127.0.0.1' }),
  processes: async () => [],
  process: async () => ({}),
  tree: async () => [],
  tables: async () => [],
};

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: `/api/overview${u.search}`, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test("the observer's server goes on serving after errors of its listening socket, and says those that are not EMFILE", async () => {
  const before = new Set((process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles());
  const lines: string[] = [];
  const o = await startObserver({ dump: source, host: '127.0.0.1', port: 0, identity: 'test', log: (l) => lines.push(l) });
  try {
    const servers = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h): h is Server => h instanceof Server && !before.has(h));
    assert.equal(servers.length, 1, 'the observer listens on one server');
    const accept = (code: string) => Object.assign(new Error(`accept ${code}`), { code, errno: -24, syscall: 'accept' });
    for (let i = 0; i < 3; i++) servers[0]!.emit('error', accept('EMFILE'));
    servers[0]!.emit('error', accept('ENOBUFS'));
    assert.equal(await status(o.url), 200, 'still served');
    assert.deepEqual(lines, ['observer: the listener could not take a connection (ENOBUFS); it goes on serving']);
    // A burst is one line a second, the next saying how many were left out (the helper the distribution listener uses).
    await waitFor('a second line about the failed accepts', () => {
      servers[0]!.emit('error', accept('ENOBUFS'));
      return lines.length > 1;
    });
    assert.match(lines[1]!, /^observer: the listener could not take a connection \(ENOBUFS\); it goes on serving \(and [1-9]\d* more failed since the last line\)$/);
  } finally {
    await o.close();
  }
});
