// The dist suite's otp-ts peer node: an echo process and a counting sink, registered by name.
// Usage: node peer.mjs NAME COOKIE [RUNTIME] — RUNTIME, a bundle's path, runs another runtime (versions.mjs).
import { pathToFileURL } from 'node:url';

const [name, cookie, runtime] = process.argv.slice(2);
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
process.stdout.write('ready\n');
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
