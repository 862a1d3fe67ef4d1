// Memory of an otp-ts node holding 100 idle connections that are still in their handshake: each sent a
// hello, got the node's challenge and then says nothing (within the handshake deadline), and after they close.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { toolsOf } from './versions.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 100;

function frame(value) {
  const body = Buffer.from(JSON.stringify(value));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

// One connection that says hello and waits; resolves once the node answered.
function idleHandshake(port, i) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      const hello = { t: 'hello', v: 3, vmin: 2, name: `idle${i}@127.0.0.1`, hidden: true, challenge: randomBytes(32).toString('hex'), tick: 60000, flags: [] };
      s.write(frame(hello));
    });
    s.once('data', () => resolve(s));
    s.once('error', reject);
  });
}

/** Starts a node (of the runtime bundle `runtime`, see versions.mjs), measures it idle, with CONNECTIONS idle handshakes, and after they closed; bytes. */
export async function idleMemory(cookie, env, epmdPort, runtime) {
  const { portMapperLookup } = await import(pathToFileURL(toolsOf(runtime)).href);
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'peer.mjs'), 'bench_idle@127.0.0.1', cookie, runtime], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiting = null;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    for (const l of text.split('\n').filter(Boolean)) {
      lines.push(l);
      waiting?.();
    }
  });
  const next = (test) =>
    new Promise((resolve) => {
      const look = () => {
        const i = lines.findIndex(test);
        if (i < 0) return;
        waiting = null;
        resolve(lines.splice(i, 1)[0]);
      };
      waiting = look;
      look();
    });
  const mem = async () => {
    child.stdin.write('mem\n');
    return JSON.parse(await next((l) => l.startsWith('{')));
  };
  try {
    await next((l) => l.includes('ready'));
    const port = (await portMapperLookup('bench_idle', '127.0.0.1', epmdPort)).port;
    await mem();
    const idle = await mem();
    const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => idleHandshake(port, i)));
    const holding = await mem();
    for (const s of sockets) s.destroy();
    // The node sees the closes a moment later: ask until its buffers are back to the idle figure (or 3 s).
    let after = await mem();
    for (const t0 = Date.now(); after.external > idle.external * 1.1 && Date.now() - t0 < 3000; after = await mem()) await new Promise((r) => setTimeout(r, 50));
    return { idle, holding, after };
  } finally {
    child.kill('SIGKILL');
  }
}
