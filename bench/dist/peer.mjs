// The dist suite's otp-ts peer node: an echo process and a counting sink, registered by name.
// Usage: node peer.mjs NAME COOKIE [RUNTIME] [ECHO_PORT] — RUNTIME, a bundle's path, runs another runtime
// (versions.mjs); ECHO_PORT, a bare TCP echo server on 127.0.0.1 beside the node, the floor set-up is measured
// against (0: any free port; `ready echo=PORT` names it).
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';

const [name, cookie, runtime, echoPort] = process.argv.slice(2);
const { createNode } = await import(runtime ? pathToFileURL(runtime).href : '@otp-ts/runtime');
const node = createNode();
await node.startDistribution({ name, cookie, log: () => {} });
node.spawn(
  async (ctx) => {
    for (;;) {
      const m = await ctx.receive();
      if (m[0] === 'whoami') ctx.send(m[1], ctx.self());
      else ctx.send(m[0], m[1]);
    }
  },
  { name: 'echo' },
);
node.spawn(
  async (ctx) => {
    let n = 0;
    for (;;) {
      const m = await ctx.receive();
      if (Array.isArray(m) && m[0] === 'whoami') ctx.send(m[1], ctx.self());
      else if (Array.isArray(m) && m[0] === 'done') {
        ctx.send(m[1], { count: n });
        n = 0;
      } else n++;
    }
  },
  { name: 'sink' },
);
if (echoPort) {
  // What a handshake's flights cost without the handshake: each chunk read is written back at once.
  const echo = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (c) => s.write(c));
    s.on('error', () => {});
  });
  await new Promise((resolve, reject) => echo.once('error', reject).listen(Number(echoPort), '127.0.0.1', resolve));
  process.stdout.write(`ready echo=${echo.address().port}\n`);
} else process.stdout.write('ready\n');
// `mem` on stdin: the node's memory after a full collection (run with --expose-gc), as one JSON line.
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (const line of text.split('\n')) {
    if (line.trim() !== 'mem') continue;
    globalThis.gc?.();
    const m = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external })}\n`);
  }
});
