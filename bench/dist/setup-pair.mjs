// Connection set-up of two runtimes side by side in one measuring process: a node of each, each against a
// peer process of its own version, sample by sample in alternating order, so the machine's load falls on
// both alike. Usage: node setup-pair.mjs NOW BEFORE COOKIE PEER_NOW PEER_BEFORE SAMPLES (bundles' paths,
// see versions.mjs); prints one JSON line: each version's median reconnection and first-contact time (µs),
// and the median of the quotients now / before of samples taken one after the other.
import { pathToFileURL } from 'node:url';

const [nowPath, beforePath, cookie, peerNow, peerBefore, samplesArg] = process.argv.slice(2);
const SAMPLES = Number(samplesArg ?? 100);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let retries = 0;

// A timed ping; one that fails (a handshake past its deadline on an overloaded machine) is tried again, untimed.
// Besides the wall time, the CPU time this process spent meanwhile (the dialler's work, which the machine's
// load does not stretch the way it stretches waiting) goes to `cpu`.
async function timedPing(node, peer, cpu) {
  for (let attempt = 1; ; attempt++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    if (await node.ping(peer)) {
      const wall = Number(process.hrtime.bigint() - t0) / 1000;
      const c = process.cpuUsage(c0);
      cpu.push(c.user + c.system);
      return wall;
    }
    if (attempt === 3) throw new Error(`${peer} did not answer, three times`);
    retries++;
    await sleep(100);
  }
}

const sides = await Promise.all(
  [
    ['now', nowPath, peerNow],
    ['before', beforePath, peerBefore],
  ].map(async ([label, path, peer]) => {
    const { createNode } = await import(pathToFileURL(path).href);
    const node = createNode();
    await node.startDistribution({ name: `bench_pair_${label}@127.0.0.1`, cookie, log: () => {} });
    if (!(await node.ping(peer))) throw new Error(`${label}: ${peer} did not answer`);
    return { label, createNode, node, peer, setup: [], first: [], setupCpu: [], firstCpu: [] };
  }),
);

// Reconnection: the node reached the peer before (as BEAM's connect_node after disconnect_node).
async function reconnect(side) {
  side.node.dist.disconnect(side.peer);
  await sleep(20);
  if (side.node.nodes('connected').includes(side.peer)) throw new Error(`${side.peer} connected back within 20 ms`);
  side.setup.push(await timedPing(side.node, side.peer, side.setupCpu));
}

// First contact: a fresh node, so nothing is known of the peer but its name.
async function firstContact(side, i) {
  const fresh = side.createNode();
  await fresh.startDistribution({ name: `bench_pair_${side.label}_${i}@127.0.0.1`, cookie, log: () => {} });
  await sleep(20);
  side.first.push(await timedPing(fresh, side.peer, side.firstCpu));
  fresh.shutdown();
}

for (let i = 0; i < SAMPLES; i++) for (const side of i % 2 ? sides : [...sides].reverse()) await reconnect(side);
for (let i = 0; i < SAMPLES; i++) for (const side of i % 2 ? sides : [...sides].reverse()) await firstContact(side, i);

const out = Object.fromEntries(sides.map((s) => [s.label, { setup_us: median(s.setup), first_us: median(s.first), setup_cpu_us: median(s.setupCpu), first_cpu_us: median(s.firstCpu) }]));
// Sample i of one version against sample i of the other, taken moments apart: the median of those quotients.
const [now, before] = sides;
const paired = (key) => median(now[key].map((v, i) => v / before[key][i]));
out.ratio = { setup: paired('setup'), first: paired('first') };
out.retries = retries;
process.stdout.write(`${JSON.stringify(out)}\n`);
for (const s of sides) s.node.shutdown();
process.exit(0);
