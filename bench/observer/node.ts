// The observed node of bench/observer. Every second it prints one JSON line: the gen_server calls its
// callers completed, the CPU time the whole process used and its event loop's delay (p99, max) in that second. Lines on stdin drive it:
// `load on` starts 4 local callers of a gen_server in a loop, `load off` stops them, `spawn N` spawns N idle processes.
// Usage: node --import ./scripts/register-ts.mjs bench/observer/node.ts NAME COOKIE EPMD_PORT
import { createInterface } from 'node:readline';
import { createNode, genServer, ok, reply, type GenServer } from '@otp-ts/runtime';
import { delayFigures, startDelayHistogram } from './delay.ts';

const [name, cookie, port] = process.argv.slice(2);
const node = createNode({ onCrash: () => {} });
await node.startDistribution({ name: name!, cookie: cookie!, epmdPort: Number(port), log: () => {} });
const echo: GenServer<number, number, never, number, void> = { name: 'bench_echo', init: () => ok(0), handleCall: (n, _from, s) => reply(n + 1, s + 1) };
const server = await node.run((ctx) => genServer.start(ctx, echo, undefined));
let calls = 0;
let loadOn = false;
let cpu = process.cpuUsage();
// The event loop's delay over each second (sampled every 5 ms, the interval taken off): how long a turn of the node waited.
const delay = startDelayHistogram();
setInterval(() => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const delayMs = delayFigures(delay);
  delay.reset();
  process.stdout.write(`${JSON.stringify({ calls, cpuMs: (used.user + used.system) / 1000, delayP99: delayMs.p99, delayMax: delayMs.max, processes: node.processCount })}\n`);
  calls = 0;
}, 1000);
createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  const m = /^spawn (\d+)$/.exec(command);
  if (m) {
    for (let i = 0; i < Number(m[1]); i++) node.spawn(async (ctx) => void (await ctx.receive()));
    process.stdout.write(`${JSON.stringify({ spawned: Number(m[1]), processes: node.processCount })}\n`);
  } else if (command === 'load on' && !loadOn) {
    loadOn = true;
    for (let i = 0; i < 4; i++) {
      node.spawn(async (ctx) => {
        for (let n = 0; loadOn; n++) {
          await genServer.call(ctx, server, n);
          calls++;
        }
      });
    }
  } else if (command === 'load off') loadOn = false;
});
process.stdout.on('error', () => process.exit(0)); // the bench went away
process.stdout.write('ready\n');
