import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
// All from src/ (nodesFromRecords is no entry's): otp test bundles relative imports as a copy, and a test that also
// imported @otp-ts/runtime would hold two runtimes (test/layers.test.ts refuses the mix).
import { createNode, type OtpNode } from '../src/index.ts';
import { EpmdServer, parseNodeArgs } from '../src/tools.ts';
import { nodesFromRecords } from '../src/distribution/discovery.ts';
import { waitFor } from '../../../test/support/wait.ts';

type Records = { A?: string[]; SRV?: Array<{ target: string; port: number }> };

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

// A tiny authoritative DNS server on 127.0.0.1 answering A and SRV questions from a table the test changes;
// a silent one counts the questions and answers none.
async function dnsServer(records: Map<string, Records>, { silent = false } = {}): Promise<{ server: string; queries: () => number; close: () => void }> {
  const sock: Socket = createSocket('udp4');
  let queries = 0;
  sock.on('message', (msg, rinfo) => {
    queries++;
    if (silent) return;
    let i = 12;
    const labels: string[] = [];
    while (msg[i]! > 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString());
      i += msg[i]! + 1;
    }
    const qtype = msg.readUInt16BE(i + 1);
    const question = msg.subarray(12, i + 5);
    const r = records.get(labels.join('.'));
    const answers: Buffer[] = [];
    const rr = (type: number, data: Buffer): Buffer => {
      const head = Buffer.alloc(10);
      head.writeUInt16BE(type, 0);
      head.writeUInt16BE(1, 2);
      head.writeUInt32BE(5, 4);
      head.writeUInt16BE(data.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 12]), head, data]);
    };
    if (qtype === 1) for (const ip of r?.A ?? []) answers.push(rr(1, Buffer.from(ip.split('.').map(Number))));
    if (qtype === 33) {
      for (const s of r?.SRV ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(0, 0);
        fixed.writeUInt16BE(10, 2);
        fixed.writeUInt16BE(s.port, 4);
        answers.push(rr(33, Buffer.concat([fixed, encodeName(s.target)])));
      }
    }
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (r ? 0 : 3), 2); // a response, authoritative; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    sock.send(Buffer.concat([header, question, ...answers]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { server: `127.0.0.1:${sock.address().port}`, queries: () => queries, close: () => sock.close() };
}

const until = async (what: string, check: () => boolean): Promise<void> => void (await waitFor(what, check));

async function withEpmd(body: (port: number, started: OtpNode[]) => Promise<void>): Promise<void> {
  const epmd = new EpmdServer();
  const port = await epmd.listen(0);
  const started: OtpNode[] = [];
  try {
    await body(port, started);
  } finally {
    for (const n of started) n.shutdown();
    await epmd.close();
  }
}

test('DNS names become node names: one per distinct host, never this node', () => {
  assert.deepEqual(nodesFromRecords(['10.0.0.2', '10.0.0.1', '10.0.0.2'], 'shop', 'shop@10.0.0.1'), ['shop@10.0.0.2']);
  assert.deepEqual(nodesFromRecords(['web-0.web.default.svc.cluster.local.'], 'web', 'x@y'), ['web@web-0.web.default.svc.cluster.local']);
});

test('a static list connects at start, and a node listed before it runs is connected when it comes up', async () => {
  await withEpmd(async (epmdPort, started) => {
    const early = createNode();
    started.push(early);
    await early.startDistribution({ name: 'st1@127.0.0.1', cookie: 'd', epmdPort, log: () => {} });
    const seeker = createNode();
    started.push(seeker);
    await seeker.startDistribution({ name: 'seeker@127.0.0.1', cookie: 'd', epmdPort, log: () => {}, discovery: { static: ['st1@127.0.0.1', 'st2@127.0.0.1', 'seeker@127.0.0.1'], interval: 100 } });
    await until('st1 is connected', () => seeker.nodes().includes('st1@127.0.0.1'));
    const late = createNode();
    started.push(late);
    await late.startDistribution({ name: 'st2@127.0.0.1', cookie: 'd', epmdPort, log: () => {} });
    await until('st2 is connected after it started', () => seeker.nodes().includes('st2@127.0.0.1'));
    assert.deepEqual(seeker.nodes().sort(), ['st1@127.0.0.1', 'st2@127.0.0.1']);
  });
});

test('DNS A records (a headless service) are re-polled: a node appearing in DNS gets connected', async () => {
  const records = new Map<string, Records>();
  const dns = await dnsServer(records);
  try {
    await withEpmd(async (epmdPort, started) => {
      const web = createNode();
      started.push(web);
      await web.startDistribution({ name: 'web@127.0.0.1', cookie: 'd', epmdPort, log: () => {} });
      const logs: string[] = [];
      const seeker = createNode();
      started.push(seeker);
      const service = 'web-headless.default.svc.cluster.local';
      await seeker.startDistribution({ name: 'dnsseek@127.0.0.1', cookie: 'd', epmdPort, log: (l) => logs.push(l), discovery: { dns: { name: service, type: 'A', nodeName: 'web', servers: [dns.server] }, interval: 100 } });
      await until('the first polls were answered', () => dns.queries() >= 2);
      assert.deepEqual(seeker.nodes(), [], 'NXDOMAIN: nothing to connect to yet');
      records.set(service, { A: ['127.0.0.1'] });
      await until('web is connected once DNS lists it', () => seeker.nodes().includes('web@127.0.0.1'));
      assert.deepEqual(logs, [], 'an unknown name is not an error');
    });
  } finally {
    dns.close();
  }
});

test('DNS SRV records: each target is a host; a DNS server that does not answer is logged once and retried', async () => {
  const records = new Map<string, Records>([['_otp._tcp.api.default.svc.cluster.local', { SRV: [{ target: '127.0.0.1', port: 4369 }] }]]);
  const dns = await dnsServer(records);
  const mute = await dnsServer(new Map(), { silent: true });
  try {
    await withEpmd(async (epmdPort, started) => {
      const api = createNode();
      started.push(api);
      await api.startDistribution({ name: 'api@127.0.0.1', cookie: 'd', epmdPort, log: () => {} });
      const seeker = createNode();
      started.push(seeker);
      await seeker.startDistribution({ name: 'srvseek@127.0.0.1', cookie: 'd', epmdPort, log: () => {}, discovery: { dns: { name: '_otp._tcp.api.default.svc.cluster.local', type: 'SRV', nodeName: 'api', servers: [dns.server] }, interval: 100 } });
      await until('api is connected through its SRV record', () => seeker.nodes().includes('api@127.0.0.1'));
      const logs: string[] = [];
      const lost = createNode();
      started.push(lost);
      await lost.startDistribution({ name: 'lost@127.0.0.1', cookie: 'd', epmdPort, log: (l) => logs.push(l), discovery: { dns: { name: 'x.example', type: 'A', nodeName: 'x', servers: [mute.server] }, interval: 100 } });
      // One question per poll (one try each), the next asked only once the last has failed: a third question
      // means two polls have failed and been reported.
      await until('the silent DNS server was asked three times', () => mute.queries() >= 3);
      assert.equal(logs.length, 1, logs.join('\n'));
      assert.match(logs[0]!, /DNS discovery of x\.example \(A\) failed: .*; retrying every 100 ms/);
    });
  } finally {
    dns.close();
    mute.close();
  }
});

test('node.args --connect lists the nodes a release connects to', () => {
  const args = parseNodeArgs('--name a@10.0.0.1\n--setcookie s\n--connect b@10.0.0.2,c@10.0.0.3\n', {}, 'node.args');
  assert.deepEqual(args.connect, ['b@10.0.0.2', 'c@10.0.0.3']);
  assert.throws(() => parseNodeArgs('--connect b@h,nonsense', {}, 'node.args'), /'nonsense' in --connect is not a node name: use name@host/);
});
