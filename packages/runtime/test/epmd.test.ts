import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { EPMD_ANSWER_TIMEOUT_MS, killPortMapper, lookup, names, REFUSAL_EXPLAIN_MS, register } from '../src/distribution/epmd-client.ts';
import { encodeAlive2, type NodeEntry } from '../src/distribution/epmd-protocol.ts';
import { waitFor } from '../../../test/support/wait.ts';

const entry = (name: string, port: number): NodeEntry => ({ name, port, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) });

// A server that listens and closes what it accepts: a registration's port where a holder must be seen to listen.
async function listeningServer(): Promise<ReturnType<typeof createServer>> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function withServer(body: (port: number, server: EpmdServer, logs: string[]) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const server = new EpmdServer((l) => logs.push(l));
  const port = await server.listen(0);
  try {
    await body(port, server, logs);
  } finally {
    await server.close();
  }
}

test('a node registers, is found by name and listed; its name is freed when its connection closes', async () => {
  // The holder listens on its port: the port mapper checks that a holder still listens before it refuses.
  const holder = await listeningServer();
  const held = (holder.address() as { port: number }).port;
  await withServer(async (port) => {
    const reg = await register(entry('shop', held), '127.0.0.1', port);
    assert.ok(reg.creation > 0);
    assert.equal((await lookup('shop', '127.0.0.1', port))?.port, held);
    assert.equal(await lookup('nobody', '127.0.0.1', port), undefined);
    assert.deepEqual(await names('127.0.0.1', port), [{ name: 'shop', port: held }]);
    await assert.rejects(register(entry('shop', 40002), '127.0.0.1', port), /name is taken/);
    reg.close();
    await waitFor('the closed registration to leave the port mapper', async () => (await names('127.0.0.1', port)).length === 0);
    assert.deepEqual(await names('127.0.0.1', port), []);
    const again = await register(entry('shop', 40003), '127.0.0.1', port);
    again.close();
  });
  holder.close();
});

test('garbage, truncated and oversized requests close that connection only; the port mapper keeps serving', async () => {
  await withServer(async (port, server, logs) => {
    const reg = await register(entry('alive', 40010), '127.0.0.1', port);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        await new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port }, () => {
            s.end(Buffer.from(bytes));
          });
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.resume();
          setTimeout(() => s.destroy(), 200);
        });
      }),
      { numRuns: 40 },
    );
    assert.equal((await lookup('alive', '127.0.0.1', port))?.port, 40010, 'registrations survive');
    assert.ok(server.names().includes('alive'));
    assert.ok(logs.length > 0, 'bad requests are logged');
    reg.close();
  });
});

test('a kill request stops an idle port mapper and is refused while a node is registered', async () => {
  let killed = false;
  const stopped = new EpmdServer(() => {}, () => (killed = true));
  const port = await stopped.listen(0);
  try {
    const reg = await register(entry('busy', 40030), '127.0.0.1', port);
    assert.equal(await killPortMapper('127.0.0.1', port), false, 'refused: a node relies on it');
    assert.equal((await lookup('busy', '127.0.0.1', port))?.port, 40030);
    reg.close();
    await waitFor('the closed registration to leave the port mapper', async () => (await names('127.0.0.1', port)).length === 0);
    assert.equal(await killPortMapper('127.0.0.1', port), true);
    await waitFor('onKill to run', () => killed);
    assert.ok(killed, 'onKill ran');
    await assert.rejects(names('127.0.0.1', port), /ECONNREFUSED/, 'no longer listening');
  } finally {
    if (!killed) await stopped.close();
  }
});

const epmd = spawnSync('sh', ['-c', 'command -v epmd']).stdout.toString().trim();

test('interop: an otp-ts node registers with Erlang\'s own epmd and `epmd -names` lists it', { skip: epmd === '' ? 'epmd is not installed (apt-get install erlang-base)' : false }, async () => {
  const port = 43000 + Math.floor(Math.random() * 2000);
  const daemon = spawn(epmd, ['-port', String(port)], { stdio: 'ignore' });
  try {
    // Erlang's epmd takes a while to listen on a loaded machine: registering is retried until a deadline, not a count.
    const reg = await waitFor('a registration with epmd', () => register(entry('otpts', 40020), '127.0.0.1', port).catch(() => undefined), { ms: 60_000, everyMs: 50 });
    const listed = spawnSync(epmd, ['-port', String(port), '-names'], { encoding: 'utf8' }).stdout;
    assert.match(listed, /name otpts at port 40020/);
    assert.equal((await lookup('otpts', '127.0.0.1', port))?.port, 40020);
    reg.close();
  } finally {
    daemon.kill();
  }
});

test('interop: Erlang\'s `epmd -names` and `epmd -kill` work against the built-in port mapper', { skip: epmd === '' ? 'epmd is not installed (apt-get install erlang-base)' : false }, async () => {
  let killed = false;
  const server = new EpmdServer(() => {}, () => (killed = true));
  const port = await server.listen(0);
  try {
    const reg = await register(entry('otpts', 40040), '127.0.0.1', port);
    // Erlang's client tools block while they wait, and the port mapper answers from this process.
    const epmdCmd = (...args: string[]) => new Promise<string>((resolve) => {
      const child = spawn(epmd, ['-port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('close', () => resolve(out));
    });
    assert.match(await epmdCmd('-names'), /name otpts at port 40040/);
    assert.match(await epmdCmd('-kill'), /Killing not allowed - living nodes/, 'a port mapper with a registered node is not killed');
    reg.close();
    await waitFor('the closed registration to leave the port mapper', async () => (await names('127.0.0.1', port)).length === 0);
    assert.match(await epmdCmd('-kill'), /Killed/);
    assert.ok(killed);
  } finally {
    if (!killed) await server.close();
  }
});

test('a refused registration says which: the name is taken by a running node, or the port mapper is full, each with its fix', async () => {
  const server = new EpmdServer(() => {}, () => {}, { maxNodes: 1 });
  const port = await server.listen(0);
  const holder = await listeningServer();
  const held = (holder.address() as { port: number }).port;
  try {
    const reg = await register(entry('shop', held), '127.0.0.1', port);
    await assert.rejects(register(entry('shop', 40012), '127.0.0.1', port), {
      message: `the port mapper refused to register 'shop': the name is taken by a running node (listening on port ${held}); stop that node, or give this one another name (--sname or --name)`,
    });
    await assert.rejects(register(entry('cart', 40013), '127.0.0.1', port), {
      message: `the port mapper at 127.0.0.1:${port} refused to register 'cart', a name no node holds: it is full (1 node registered); stop the nodes this host no longer needs, or set OTP_EPMD_PORT to a free port so that this node starts a port mapper of its own`,
    });
    reg.close();
  } finally {
    holder.close();
    await server.close();
  }
});

test('a port mapper that refuses a registration and then never answers the lookup explaining it: the start fails soon, naming it and the fix', async () => {
  // Refuses every ALIVE2 at once, then holds every other request open without a byte in answer.
  const held: Socket[] = [];
  const silent = createServer((s) => {
    held.push(s);
    s.on('error', () => {});
    s.once('data', (d: Buffer) => {
      if (d[2] === 120) s.end(Buffer.from([121, 1, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  const port = (silent.address() as AddressInfo).port;
  try {
    await assert.rejects(register(entry('shop', 40021), '127.0.0.1', port), {
      message: `the port mapper at 127.0.0.1:${port} refused to register 'shop', then did not answer a lookup of that name within ${REFUSAL_EXPLAIN_MS} ms: it may be hung, or not a port mapper; stop what listens on port ${port} (and the node named 'shop', if one runs), or set OTP_EPMD_PORT to a working port mapper's port`,
    });
    assert.ok(REFUSAL_EXPLAIN_MS < EPMD_ANSWER_TIMEOUT_MS, 'the explanation waits less than a whole request timeout');
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
});

test('a port mapper that closes a lookup without answering is reported as that, naming its address: not as "not registered", and a refused registration is not called "full"', async () => {
  // Refuses every ALIVE2, then closes every other connection without a byte in answer.
  const closer = createServer((s) => {
    s.on('error', () => {});
    s.once('data', (d: Buffer) => {
      if (d[2] === 120) s.end(Buffer.from([121, 1, 0, 0, 0, 0]));
      else s.end();
    });
  });
  await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', () => resolve()));
  const port = (closer.address() as AddressInfo).port;
  try {
    await assert.rejects(lookup('shop', '127.0.0.1', port), {
      message: `the port mapper at 127.0.0.1:${port} closed the connection without answering a lookup of 'shop'; another program may be listening on port ${port}: stop it, or set OTP_EPMD_PORT to the port mapper's port`,
    });
    await assert.rejects(register(entry('shop', 40031), '127.0.0.1', port), {
      message: `the port mapper at 127.0.0.1:${port} refused to register 'shop', then closed the connection without answering a lookup of that name: it may be hung, or not a port mapper; stop what listens on port ${port} (and the node named 'shop', if one runs), or set OTP_EPMD_PORT to a working port mapper's port`,
    });
  } finally {
    closer.close();
  }
});

test('a flood of registrations at a full port mapper is logged within its budget of lines (10 a second, the rest summed up); the registered node stays', async () => {
  const logs: string[] = [];
  const server = new EpmdServer((l) => logs.push(l), () => {}, { maxNodes: 1 });
  const port = await server.listen(0);
  try {
    const reg = await register(entry('shop', 40031), '127.0.0.1', port);
    const n = 200;
    for (let i = 0; i < n; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port }, () => s.write(encodeAlive2(entry(`flood${i + j}`, 41000 + i + j))));
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.on('data', () => s.destroy());
        })),
      );
    }
    const lines = logs.filter((l) => /flood|refused/.test(l));
    assert.ok(lines.length <= 20, `${lines.length} lines for ${n} refused registrations:\n${lines.slice(0, 3).join('\n')}`);
    assert.equal((await lookup('shop', '127.0.0.1', port))?.port, 40031);
    reg.close();
  } finally {
    await server.close();
  }
});
