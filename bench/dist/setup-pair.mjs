// Connection set-up of two runtimes side by side in one measuring process: a node of each, each against a
// peer process of its own version, sample by sample in alternating order, so the machine's load falls on
// both alike. Usage: node setup-pair.mjs NOW BEFORE COOKIE PEER_NOW PEER_BEFORE SAMPLES [ECHO_PORT] (bundles'
// paths, see versions.mjs); prints one JSON line: each version's median reconnection and first-contact time
// (µs), and the median of the quotients now / before of samples taken one after the other. With ECHO_PORT (a
// bare TCP echo server in a peer process, peer.mjs), also the floor, between the same samples: a bare TCP
// connect to it followed by one round trip (a one-round-trip handshake's least) and by two.
import { connect, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

const [nowPath, beforePath, cookie, peerNow, peerBefore, samplesArg, echoPort] = process.argv.slice(2);
const SAMPLES = Number(samplesArg ?? 100);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let retries = 0;

// Where a first contact's time goes, as the dialler sees it: while `marks` is set, each socket's connect and
// each chunk it reads, in µs from `clock` (both versions' nodes live in this process and share node:net).
let marks = null;
let clock = 0n;
const emit = Socket.prototype.emit;
Socket.prototype.emit = function (event, ...args) {
  if (marks && (event === 'connect' || event === 'data')) marks.push({ event, port: this.remotePort, at: Number(process.hrtime.bigint() - clock) / 1000 });
  return emit.call(this, event, ...args);
};
const EPMD_PORT = Number(process.env.OTP_EPMD_PORT ?? process.env.ERL_EPMD_PORT ?? 4369);
// A first contact's steps: the port mapper's answer, the TCP connection to the node, the node's answers (each
// a flight of the handshake: version 2's welcome; version 3's challenge, then proof) and the connection up.
function steps(ms, upAt) {
  const epmd = ms.find((m) => m.port === EPMD_PORT && m.event === 'data');
  const node = ms.filter((m) => m.port !== EPMD_PORT);
  const answers = node.filter((m) => m.event === 'data').map((m) => m.at);
  return { lookup: epmd?.at, connected: node.find((m) => m.event === 'connect')?.at, answers, up: upAt };
}

// A timed ping; one that fails (a handshake past its deadline on an overloaded machine) is tried again, untimed.
// Besides the wall time, the CPU time this process spent meanwhile (the dialler's work, which the machine's
// load does not stretch the way it stretches waiting) goes to `cpu`.
async function timedPing(node, peer, cpu, timeline) {
  for (let attempt = 1; ; attempt++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    if (timeline) [marks, clock] = [[], t0];
    const up = await node.ping(peer);
    const wall = Number(process.hrtime.bigint() - t0) / 1000;
    if (timeline) {
      if (up) timeline.push(steps(marks, wall));
      marks = null;
    }
    if (up) {
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
    return { label, createNode, node, peer, setup: [], first: [], setupCpu: [], firstCpu: [], timeline: [] };
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
  side.first.push(await timedPing(fresh, side.peer, side.firstCpu, side.timeline));
  fresh.shutdown();
}

// The floor: connect to the echo server, then `trips` round trips of one small write each; timed as a ping is.
const bare = { 1: [], 2: [] };
function tcp(trips) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = connect({ host: '127.0.0.1', port: Number(echoPort) });
    s.setNoDelay(true);
    let left = trips;
    s.on('data', () => {
      if (--left > 0) return void s.write('x');
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      s.destroy();
      resolve(us);
    });
    s.once('error', reject);
    s.write('x');
  });
}
async function floor(i) {
  if (!echoPort) return;
  for (const trips of i % 2 ? [1, 2] : [2, 1]) {
    await sleep(20);
    bare[trips].push(await tcp(trips));
  }
}

for (let i = 0; i < SAMPLES; i++) {
  for (const side of i % 2 ? sides : [...sides].reverse()) await reconnect(side);
  await floor(i);
}
for (let i = 0; i < SAMPLES; i++) {
  for (const side of i % 2 ? sides : [...sides].reverse()) await firstContact(side, i);
  await floor(i);
}

// Each step's median over the first contacts (the answers as many as the version's handshake has before up).
const timelineOf = (t) => {
  const of = (f) => median(t.map(f).filter((v) => v !== undefined));
  const flights = median(t.map((x) => x.answers.length));
  return { lookup_us: of((x) => x.lookup), connected_us: of((x) => x.connected), answers_us: Array.from({ length: flights }, (_, i) => of((x) => x.answers[i])), up_us: of((x) => x.up) };
};
const out = Object.fromEntries(sides.map((s) => [s.label, { setup_us: median(s.setup), first_us: median(s.first), setup_cpu_us: median(s.setupCpu), first_cpu_us: median(s.firstCpu), timeline: timelineOf(s.timeline) }]));
// Sample i of one version against sample i of the other, taken moments apart: the median of those quotients.
const [now, before] = sides;
const paired = (key) => median(now[key].map((v, i) => v / before[key][i]));
out.ratio = { setup: paired('setup'), first: paired('first') };
if (echoPort) out.tcp = { connect_1rtt_us: median(bare[1]), connect_2rtt_us: median(bare[2]), rtt_us: median(bare[2].map((v, i) => v - bare[1][i])) };
out.retries = retries;
process.stdout.write(`${JSON.stringify(out)}\n`);
for (const s of sides) s.node.shutdown();
process.exit(0);
