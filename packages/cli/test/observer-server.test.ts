// The observer's server against in-process nodes over real distribution (a private port mapper, loopback
// TCP) and real HTTP: what a page, or anything else on the loopback, gets from its API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect as connectSocket } from 'node:net';
import { createNode, type OtpNode, type Pid } from '@otp-ts/runtime';
import { EpmdServer } from '@otp-ts/runtime/tools';
import { connect } from '@otp-ts/tracer';
import { startObserver, type RunningObserver } from '../src/observer/server.ts';
import { checkNodeName } from '../src/tracer/connect.ts';
import { waitFor } from '../../../test/support/wait.ts';

let epmd: EpmdServer;
const COOKIE = 'observer-server-secret';

before(async () => {
  epmd = new EpmdServer();
  // The tool's connections find the port mapper as every node does: through OTP_EPMD_PORT.
  process.env.OTP_EPMD_PORT = String(await epmd.listen(0));
});

after(async () => {
  await epmd.close();
});

async function startNode(name: string): Promise<OtpNode> {
  const node = createNode({ onCrash: () => {} });
  await node.startDistribution({ name, cookie: COOKIE, log: () => {} });
  return node;
}

async function observe(node: string): Promise<RunningObserver> {
  return startObserver({ node, connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_server_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test' });
}

// The shared wait, polling the observer's HTTP API every 100 ms.
const POLL = { everyMs: 100 };

async function get(o: RunningObserver, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(new URL(path, o.url), { ...init, headers: { authorization: `Bearer ${o.token}`, ...init.headers } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('a switch to a node that cannot be reached while the observed one is down leaves the observer able to observe it again once it is back', async () => {
  let a = await startNode('obs_srv_a@127.0.0.1');
  const o = await observe('obs_srv_a@127.0.0.1');
  try {
    assert.equal((await get(o, '/api/overview')).body.node, 'obs_srv_a@127.0.0.1');
    a.shutdown();
    const down = await waitFor('the node to be seen down', async () => {
      const r = await get(o, '/api/overview');
      return r.status === 503 ? r : undefined;
    }, POLL);
    assert.equal(down.body.down, true);
    // The cluster's other node is down too: the switch fails, naming it.
    const sw = await get(o, '/api/switch', { method: 'POST', body: JSON.stringify({ node: 'obs_srv_b@127.0.0.1' }) });
    assert.equal(sw.status, 502);
    assert.match(String(sw.body.error), /obs_srv_b@127\.0\.0\.1/);
    // Still the first node, said to be down (not an error of the tool's own node).
    const after = await get(o, '/api/overview');
    assert.equal(after.status, 503, JSON.stringify(after.body));
    assert.equal(after.body.error, 'obs_srv_a@127.0.0.1 does not answer (nodedown): it may have stopped or be cut off; pick another node above, or start it again');
    assert.equal(o.node(), 'obs_srv_a@127.0.0.1');
    // It comes back: the observer observes it again, without a restart.
    a = await startNode('obs_srv_a@127.0.0.1');
    const back = await waitFor('the node to be observed again', async () => {
      const r = await get(o, '/api/overview');
      return r.status === 200 ? r : undefined;
    }, POLL);
    assert.equal(back.body.node, 'obs_srv_a@127.0.0.1');
    assert.equal((await get(o, '/api/nodes')).body.node, 'obs_srv_a@127.0.0.1');
  } finally {
    await o.close();
    a.shutdown();
  }
});

// A raw request, so the Host and Origin headers are exactly what a browser on another site would send.
function raw(o: RunningObserver, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, o.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, method, path: url.pathname + url.search, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test("a page of another site cannot drive the observer, even with its token: another Origin or a Host that is not the observer's is refused", async () => {
  const node = await startNode('obs_srv_csrf@127.0.0.1');
  const o = await observe('obs_srv_csrf@127.0.0.1');
  try {
    const victim = node.spawn(async (ctx) => void (await ctx.receive((m) => m === 'never')), { name: 'obs_srv_victim' });
    const port = new URL(o.url).port;
    const kill = JSON.stringify({ action: 'kill', target: 'obs_srv_victim' });
    // A form or fetch of another site's page posting to the observer, the token leaked into it.
    const csrf = await raw(o, 'POST', `/api/act?token=${o.token}`, { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'text/plain' }, kill);
    assert.equal(csrf.status, 403, csrf.text);
    assert.match(csrf.text, /requests from another site's page \(http:\/\/evil\.example\) are refused/);
    // A site's name pointed at 127.0.0.1 (DNS rebinding): same origin for the browser, but not the observer's host.
    const rebound = await raw(o, 'POST', `/api/act?token=${o.token}`, { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }, kill);
    assert.equal(rebound.status, 421, rebound.text);
    assert.equal((await raw(o, 'GET', `/api/overview?token=${o.token}`, { host: `evil.example:${port}` })).status, 421);
    assert.equal(node.isAlive(victim), true, 'nothing was killed');
    // The observer's own page, by any of its loopback names, is served; and its own origin may post.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) assert.equal((await raw(o, 'GET', `/api/overview?token=${o.token}`, { host })).status, 200, host);
    const own = await raw(o, 'POST', '/api/act', { host: `localhost:${port}`, origin: `http://localhost:${port}`, authorization: `Bearer ${o.token}` }, kill);
    assert.equal(own.status, 200, own.text);
    await waitFor('the kill', async () => (node.isAlive(victim) ? undefined : true), POLL);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test('no other site may frame the observer page or its answers: X-Frame-Options DENY and CSP frame-ancestors none on every answer', async () => {
  const node = await startNode('obs_srv_frame@127.0.0.1');
  const o = await observe('obs_srv_frame@127.0.0.1');
  try {
    for (const path of ['/', '/app.js', '/api/overview', '/nothing-here']) {
      const r = await fetch(new URL(path, o.url), { headers: { authorization: `Bearer ${o.token}` } });
      await r.arrayBuffer();
      assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(r.headers.get('content-security-policy'), "frame-ancestors 'none'", path);
    }
  } finally {
    await o.close();
    node.shutdown();
  }
});

test('a message too deeply nested to send is refused as bad input (400, naming the limit), and one within it is delivered', async () => {
  const node = await startNode('obs_srv_deep@127.0.0.1');
  const o = await observe('obs_srv_deep@127.0.0.1');
  const nest = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  try {
    let got: unknown;
    node.spawn(async (ctx) => void (got = await ctx.receive()), { name: 'obs_srv_deep_target' });
    const deep = await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'send', target: 'obs_srv_deep_target', message: nest(20_000) }) });
    assert.equal(deep.status, 400, JSON.stringify(deep.body));
    assert.match(String(deep.body.error), /^the message is nested more than 48 levels deep/);
    assert.equal((await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'send', target: 'obs_srv_deep_target', message: nest(49) }) })).status, 400);
    const within = await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'send', target: 'obs_srv_deep_target', message: nest(48) }) });
    assert.equal(within.status, 200, JSON.stringify(within.body));
    let depth = 0;
    for (let v = await waitFor('the message delivered', async () => got, POLL); Array.isArray(v); v = v[0]) depth++;
    assert.equal(depth, 48);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test('a page query the observer cannot answer as asked (an unknown sort, a count that is no whole number) is a 400 naming it, not another answer', async () => {
  await startNode('obs_srv_query@127.0.0.1').then(async (node) => {
    const o = await observe('obs_srv_query@127.0.0.1');
    try {
      assert.equal((await get(o, '/api/processes?sort=memory&dir=desc&offset=0&limit=10')).status, 200);
      for (const [query, said] of [
        ['sort=bogus', /^sort 'bogus' is not one of pid, name, label, current, mailbox, memory, reductions, links, status$/],
        ['dir=up', /^dir 'up' is not one of asc, desc$/],
        ['offset=1e400', /^offset '1e400' is not a whole number >= 0$/],
        ['offset=-1', /^offset '-1' is not a whole number >= 0$/],
        ['limit=ten', /^limit 'ten' is not a whole number >= 0$/],
      ] as const) {
        const r = await get(o, `/api/processes?${query}`);
        assert.equal(r.status, 400, query);
        assert.match(String(r.body.error), said);
      }
      assert.equal((await get(o, '/api/tables?offset=2.5')).status, 400);
    } finally {
      await o.close();
      node.shutdown();
    }
  });
});

// A process of `a` linked to a process of `b`: the pid of b's process as a numbers it (<N.id.serial>, N > 0), and as b does.
async function linkedAcross(a: OtpNode, b: OtpNode, name: string): Promise<{ there: string; here: string }> {
  let there: Pid | undefined;
  b.spawn(async (ctx) => {
    there = ctx.self();
    const peer = (await ctx.receive()) as Pid;
    ctx.link(peer);
    await ctx.receive((m) => m === 'never');
  }, { name: `${name}_b` });
  a.spawn(async (ctx) => {
    ctx.send({ name: `${name}_b`, node: b.name }, ctx.self());
    await ctx.receive((m) => m === 'never');
  }, { name });
  const here = await waitFor('the link across the nodes', () => a.processInfo(a.whereis(name)!)?.links.map(String).find((p) => !p.startsWith('<0.')), POLL);
  return { there: String(there), here };
}

test("an action on another node's pid can never succeed on the observed node: 400 naming the pid and its node, and nothing is done", async () => {
  const [a, b] = await Promise.all([startNode('obs_srv_act_a@127.0.0.1'), startNode('obs_srv_act_b@127.0.0.1')]);
  const o = await observe('obs_srv_act_a@127.0.0.1');
  try {
    const { there, here } = await linkedAcross(a, b, 'obs_srv_act_linked');
    // The process's details say whose pid it is and what it is there, for the page to link it to that node.
    const details = await get(o, '/api/process?pid=obs_srv_act_linked');
    assert.deepEqual([details.body.links, details.body.remote], [[here], { [here]: { node: 'obs_srv_act_b@127.0.0.1', pid: there } }]);
    const r = await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'kill', target: here }) });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error, `${here} is a process of obs_srv_act_b@127.0.0.1, not of obs_srv_act_a@127.0.0.1: ask obs_srv_act_b@127.0.0.1 about it, where it is ${there}`);
    assert.equal(b.isAlive(b.whereis('obs_srv_act_linked_b')!), true, 'nothing was killed');
    // No target at all is bad input too; a process that is not (or no longer) there is the node's state: 409.
    const none = await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'kill' }) });
    assert.equal(none.status, 400, JSON.stringify(none.body));
    assert.equal(none.body.error, 'name the process to kill: give "target" as a pid (<0.42.0>) or a registered name');
    assert.equal((await get(o, '/api/act', { method: 'POST', body: JSON.stringify({ action: 'kill', target: '<0.999999.0>' }) })).status, 409);
  } finally {
    await o.close();
    a.shutdown();
    b.shutdown();
  }
});

test('a switch to something that is no node name is refused as bad input (400, naming it) and leaves the observed node observed', async () => {
  const a = await startNode('obs_srv_sw@127.0.0.1');
  const o = await observe('obs_srv_sw@127.0.0.1');
  try {
    for (const [node, said] of [['foo', /^'foo' is not a node name \(it is not name@host\): use name@host/], ['', /^name the node to switch to: give "node" as name@host/], [42, /^name the node to switch to/]] as const) {
      const r = await get(o, '/api/switch', { method: 'POST', body: JSON.stringify({ node }) });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(String(r.body.error), said);
    }
    assert.equal(o.node(), 'obs_srv_sw@127.0.0.1');
    assert.equal((await get(o, '/api/overview')).body.node, 'obs_srv_sw@127.0.0.1');
  } finally {
    await o.close();
    a.shutdown();
  }
});

// The switch checks a name as every command checks its node argument (otp ping, otp remote, ...): the names one
// refuses, the other refuses, with the same sentence; the names one takes, the other takes. Before, the switch had
// its own rule (no @ twice, no spaces) and took a unicode name or one past 255 bytes, which no command takes.
test('the switch takes and refuses the node names every command takes and refuses, with their sentence', async () => {
  const a = await startNode('obs_srv_names@127.0.0.1');
  const o = await observe('obs_srv_names@127.0.0.1');
  try {
    const refused = ['shöp@127.0.0.1', 'shop@höst', `${'a'.repeat(250)}@127.0.0.1`, 'a@b@127.0.0.1', 'shop@', '@127.0.0.1', 'sh op@127.0.0.1', 'shop@127.0.0.1/x', 'a\u0000@127.0.0.1'];
    for (const node of refused) {
      const said = (() => {
        try {
          checkNodeName(node);
        } catch (error) {
          return (error as Error).message;
        }
        return assert.fail(`the commands take ${JSON.stringify(node)}`);
      })();
      const r = await get(o, '/api/switch', { method: 'POST', body: JSON.stringify({ node }) });
      assert.deepEqual([r.status, r.body.error], [400, said], node);
    }
    // Names the commands take, at the edges of the rule (host parts with dots, dashes and colons; 255 bytes):
    // the switch tries them (no node answers to them here: 502 naming it), rather than refusing them as bad input.
    for (const node of ['a.b-c_D9@127.0.0.1', 'x@::1', `${'n'.repeat(245)}@127.0.0.1`, 'shop@my-host.example_lan']) {
      checkNodeName(node);
      const r = await get(o, '/api/switch', { method: 'POST', body: JSON.stringify({ node }) });
      assert.notEqual(r.status, 400, `${node}: ${JSON.stringify(r.body)}`);
      assert.doesNotMatch(String(r.body.error), /is not a node name/, node);
    }
    assert.equal(o.node(), 'obs_srv_names@127.0.0.1');
  } finally {
    await o.close();
    a.shutdown();
  }
});

test("a trace asked with a limit or time that is no whole number above 0, or a time past a day, is a 400 naming the parameter and what was typed, before any stream opens", async () => {
  const node = await startNode('obs_srv_trace@127.0.0.1');
  const o = await observe('obs_srv_trace@127.0.0.1');
  try {
    for (const [query, said] of [
      ['limit=abc', "limit 'abc' is not a whole number above 0: give how many events to stop after, e.g. 100"],
      ['limit=0', "limit '0' is not a whole number above 0: give how many events to stop after, e.g. 100"],
      ['limit=2.5', "limit '2.5' is not a whole number above 0: give how many events to stop after, e.g. 100"],
      ['time=-5', "time '-5' is not a whole number above 0: give the time limit in milliseconds, e.g. 15000 (at most 86400000, one day)"],
      ['time=15s', "time '15s' is not a whole number above 0: give the time limit in milliseconds, e.g. 15000 (at most 86400000, one day)"],
      ['time=86400001', "time '86400001' is more than the 86400000 a trace may take: give the time limit in milliseconds, e.g. 15000 (at most 86400000, one day)"],
      ['time=9007199254740991', "time '9007199254740991' is more than the 86400000 a trace may take: give the time limit in milliseconds, e.g. 15000 (at most 86400000, one day)"],
      ['time=99999999999999999999', "time '99999999999999999999' is more than the 86400000 a trace may take: give the time limit in milliseconds, e.g. 15000 (at most 86400000, one day)"],
    ] as const) {
      const r = await fetch(new URL(`/api/trace?patterns=x.y&${query}`, o.url), { headers: { authorization: `Bearer ${o.token}` } });
      assert.equal(r.status, 400, query);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/, query);
      assert.deepEqual(await r.json(), { error: said });
    }
    // The page asks first whether the form is one the observer takes (?check=1): starting nothing.
    assert.deepEqual((await get(o, '/api/trace?patterns=x.y&limit=100&check=1')).body, { ok: true });
    assert.equal((await get(o, '/api/trace?limit=100&check=1')).status, 400);
    assert.deepEqual((await get(o, '/api/trace?patterns=x.y&time=86400000&check=1')).body, { ok: true });
    const many = await get(o, `/api/trace?patterns=${Array.from({ length: 101 }, (_, i) => `m.f${i}`).join(',')}&check=1`);
    assert.deepEqual([many.status, many.body], [400, { error: 'a trace takes at most 100 call patterns, got 101: a wildcard names many functions in one (shop/cart.*, shop/*.handle*)' }]);
    const pids = await get(o, `/api/trace?patterns=x.y&pids=${Array.from({ length: 1001 }, () => 'all').join(',')}&check=1`);
    assert.deepEqual([pids.status, pids.body], [400, { error: 'a trace takes at most 1000 pids, got 1001: all, new or existing selects many processes in one' }]);
    const long = await get(o, `/api/trace?patterns=${Array.from({ length: 3 }, () => `m.${'*'.repeat(4000)}`).join(',')}&check=1`);
    assert.deepEqual([long.status, long.body], [400, { error: "a trace's call patterns come to at most 8192 characters together, got 12006: give fewer or shorter patterns (a wildcard names many functions in one, shop/cart.*)" }]);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test("a trace's event stream that its page does not read holds at most about a megabyte in the observer: the events past that are dropped and counted in its done event (unsent)", async () => {
  const node = await startNode('obs_srv_slow@127.0.0.1');
  const o = await observe('obs_srv_slow@127.0.0.1');
  let sent = 0;
  let flooding = true;
  const LIMIT = 60_000;
  try {
    // Sends of about 300 bytes each as trace events: 60 000 of them are far more than the sockets' buffers hold.
    node.spawn(async (ctx) => {
      const sink = ctx.spawn(async (d) => { for (;;) await d.receive(); }, { link: true });
      while (flooding) {
        for (let i = 0; i < 500; i++, sent++) ctx.send(sink, { i, pad: 'x'.repeat(200) });
        await ctx.sleep(1);
      }
    }, { name: 'obs_srv_flooder' });
    const url = new URL(o.url);
    const socket = connectSocket(Number(url.port), '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.write(`GET /api/trace?messages=1&names=obs_srv_flooder&limit=${LIMIT}&time=600000&token=${o.token} HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\n\r\n`);
    await waitFor('the trace to start', () => text.includes('event: started'), POLL);
    // The page stops reading while the node sends it the trace's events, up to the limit.
    socket.pause();
    const from = sent;
    await waitFor('the trace limit to be sent', () => sent >= from + LIMIT * 1.5, POLL);
    flooding = false;
    socket.resume();
    await waitFor('the end of the trace', () => /event: done\ndata: .*\n\n/.test(text), { ms: 120_000, everyMs: 100 });
    socket.destroy();
    const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(text)![1]!) as { events: number; dropped: number; unsent?: number };
    const shown = text.split('event: trace\n').length - 1;
    assert.ok((done.unsent ?? 0) > 0, `the observer dropped none of what the page did not read: ${JSON.stringify(done)}, ${shown} shown`);
    assert.equal(shown + done.unsent!, done.events - done.dropped, JSON.stringify(done));
    // What the page did get is bounded by the backlog (and the sockets' buffers), not by the trace.
    assert.ok(shown < done.events - done.dropped, `${shown} shown of ${done.events}`);
  } finally {
    flooding = false;
    await o.close();
    node.shutdown();
  }
});

// The overview samples a live channel (/api/live) delivers, as they arrive.
function liveSamples(o: RunningObserver): { samples: Array<{ time: number }>; close: () => void } {
  const samples: Array<{ time: number }> = [];
  const abort = new AbortController();
  void (async () => {
    const r = await fetch(new URL('/api/live', o.url), { headers: { authorization: `Bearer ${o.token}` }, signal: abort.signal });
    let text = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const m = /^event: overview\ndata: (.*)$/s.exec(text.slice(0, end));
        if (m) samples.push(JSON.parse(m[1]!) as { time: number });
        text = text.slice(end + 2);
      }
    }
  })().catch(() => undefined);
  return { samples, close: () => abort.abort() };
}

test("two pages open on one observer see the same overview samples (each is the node's delay and load since the one before, so pages asking in turn would each see part of a stall)", async () => {
  const node = await startNode('obs_srv_live@127.0.0.1');
  const o = await observe('obs_srv_live@127.0.0.1');
  const a = liveSamples(o);
  try {
    await waitFor('a first sample on the first page', () => a.samples.length >= 1, POLL);
    const b = liveSamples(o);
    try {
      await waitFor('three samples on the second page', () => b.samples.length >= 3, { ms: 30_000, everyMs: 100 });
      await waitFor('the first page to have them too', () => a.samples.length >= b.samples.length, { ms: 30_000, everyMs: 100 });
      const seen = new Set(a.samples.map((s) => s.time));
      assert.deepEqual(b.samples.filter((s) => !seen.has(s.time)), [], `first page: ${[...seen].join(', ')}`);
    } finally {
      b.close();
    }
  } finally {
    a.close();
    await o.close();
    node.shutdown();
  }
});

test("a request line whose target no URL parser reads ('GET http://[::1') is a 400 naming it, not a 500 of the server, and the observer goes on serving", async () => {
  const node = await startNode('obs_srv_badurl@127.0.0.1');
  const o = await observe('obs_srv_badurl@127.0.0.1');
  try {
    const { port } = new URL(o.url);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const s = connectSocket(Number(port), '127.0.0.1', () => s.write(`GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /, answer);
    assert.match(answer, /'http:\/\/\[::1' is not a path this observer serves: open the URL otp observer printed/);
    assert.equal((await get(o, '/api/overview')).status, 200);
  } finally {
    await o.close();
    node.shutdown();
  }
});

// What a raw request line and headers get back, the whole answer as text.
function rawText(o: RunningObserver, request: string): Promise<string> {
  const { port } = new URL(o.url);
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const s = connectSocket(Number(port), '127.0.0.1', () => s.write(request));
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
}

test('a request with no Host header: an HTTP/1.0 one (a health check, a script) is served with the token; an HTTP/1.1 one is a 400 saying it needs one', async () => {
  const node = await startNode('obs_srv_nohost@127.0.0.1');
  const o = await observe('obs_srv_nohost@127.0.0.1');
  try {
    const { port } = new URL(o.url);
    const old = await rawText(o, `GET /api/overview?token=${o.token} HTTP/1.0\r\n\r\n`);
    assert.match(old, /^HTTP\/1\.1 200 /, old);
    assert.match(old, /"node":"obs_srv_nohost@127\.0\.0\.1"/);
    // Still guarded by its token.
    const noToken = await rawText(o, 'GET /api/overview HTTP/1.0\r\n\r\n');
    assert.match(noToken, /^HTTP\/1\.1 401 /, noToken);
    const eleven = await rawText(o, `GET /api/overview?token=${o.token} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    assert.match(eleven, /^HTTP\/1\.1 400 /, eleven);
    assert.ok(eleven.includes(`an HTTP/1.1 request needs a Host header: send Host: 127.0.0.1:${port}, or open the URL otp observer printed`), eleven);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test("an /api/ path naming what every object inherits ('constructor', '__proto__', 'toString') is a 404 like any path it does not serve, not a 200 or a 502", async () => {
  const node = await startNode('obs_srv_proto@127.0.0.1');
  const o = await observe('obs_srv_proto@127.0.0.1');
  try {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await get(o, `/api/${name}`);
      assert.equal(r.status, 404, `/api/${name}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, { error: `no /api/${name} here` });
    }
    assert.equal((await get(o, '/api/overview')).status, 200);
  } finally {
    await o.close();
    node.shutdown();
  }
});

// Posts `head` then body bytes without end until the observer closes the connection; the answer as text, and how many
// body bytes the observer let in (what the client wrote before the close).
function postForever(o: RunningObserver, head: string, chunk: Buffer): Promise<{ text: string; written: number }> {
  const { port } = new URL(o.url);
  return new Promise((resolve) => {
    let text = '';
    let written = 0;
    let closed = false;
    const s = connectSocket(Number(port), '127.0.0.1', () => {
      s.write(head);
      const more = (): void => {
        // As fast as the observer reads it: the next chunk once the last one left.
        if (!closed) s.write(chunk, () => ((written += chunk.length), setImmediate(more)));
      };
      more();
    });
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      resolve({ text, written });
    });
  });
}

test('a request whose body the observer does not take (over the limit, announced or chunked; without the token; to a path it does not serve) is answered and the connection closed at once: the observer reads no more of the body (not until its request timeout), and goes on serving', async () => {
  const node = await startNode('obs_srv_body@127.0.0.1');
  const o = await observe('obs_srv_body@127.0.0.1');
  try {
    const { port } = new URL(o.url);
    const head = (path: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`;
    const act = head(`/api/act?token=${o.token}`);
    const gigabyte = 'Content-Length: 1073741824\r\n\r\n';
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const hexChunk = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const cases = [
      // A gigabyte announced: refused from its headers. A chunked body: refused past 64 KiB of it.
      { what: 'announced', answer: postForever(o, act + gigabyte, chunk), status: 413, says: /the request body is over 65536 bytes: send at most 65536 bytes of JSON/ },
      { what: 'chunked', answer: postForever(o, `${act}Transfer-Encoding: chunked\r\n\r\n`, hexChunk), status: 413, says: /the request body is over 65536 bytes/ },
      { what: 'no token', answer: postForever(o, head('/api/act') + gigabyte, chunk), status: 401, says: /needs its token/ },
      { what: 'unknown path', answer: postForever(o, head(`/api/nosuch?token=${o.token}`) + gigabyte, chunk), status: 404, says: /no \/api\/nosuch here/ },
    ];
    const deadline = (what: string) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: the observer still reads the body after 20 s`)), 20_000).unref());
    for (const { what, answer, status, says } of cases) {
      const { text, written } = await Promise.race([answer, deadline(what)]);
      // What the kernel's buffers took before the close, not the gigabyte.
      assert.ok(written < 64 * 1024 * 1024, `${what}: ${written} bytes written`);
      assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), `${what}: ${text}`);
      assert.match(text, says, what);
      assert.match(text, /\r\nconnection: close\r\n/i, what);
    }
    assert.equal((await get(o, '/api/overview')).status, 200);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test('a client sending requests back to back (pipelined) and reading none of the answers is disconnected once 32 wait for it, instead of the observer keeping every answer; a page asking one at a time is served', { timeout: 60_000 }, async () => {
  const node = await startNode('obs_srv_pipe@127.0.0.1');
  const o = await observe('obs_srv_pipe@127.0.0.1');
  try {
    const port = Number(new URL(o.url).port);
    const one = `GET /app.js?token=${o.token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
    const chunk = Buffer.from(one.repeat(Math.floor(65536 / one.length)));
    const s = connectSocket(port, '127.0.0.1');
    s.on('error', () => {});
    // It reads nothing, and writes as fast as the observer takes its requests.
    s.pause();
    const more = (): void => void (s.destroyed || s.write(chunk, () => setImmediate(more)));
    s.once('connect', more);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the observer still takes the requests of a client that reads no answer after 20 s')), 20_000).unref());
    try {
      await Promise.race([closed, deadline]);
    } finally {
      s.destroy();
    }
    for (let i = 0; i < 40; i++) assert.equal((await get(o, '/api/overview')).status, 200);
  } finally {
    await o.close();
    node.shutdown();
  }
});

test('a token holder cannot open event streams without bound: past 16 from one client the next live or trace stream is a 503 saying so, with one line in the log, and one closing makes room again', { timeout: 60_000 }, async () => {
  const node = await startNode('obs_srv_streams@127.0.0.1');
  const logs: string[] = [];
  const o = await startObserver({ node: 'obs_srv_streams@127.0.0.1', connect: (n) => connect({ node: n, cookie: COOKIE, name: 'observer_server_test@127.0.0.1' }), host: '127.0.0.1', port: 0, identity: 'test', log: (l) => logs.push(l) });
  const port = Number(new URL(o.url).port);
  // A client opening a stream over a socket of its own: what it read so far.
  const open = (path: string) => {
    const socket = connectSocket(port, '127.0.0.1');
    const got = { text: '', closed: false, socket };
    socket.on('data', (c: Buffer) => (got.text += c.toString()));
    socket.on('error', () => {});
    socket.on('close', () => (got.closed = true));
    socket.write(`GET ${path}${path.includes('?') ? '&' : '?'}token=${o.token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    return got;
  };
  const status = async (got: ReturnType<typeof open>) => (await waitFor('the answer', () => /^HTTP\/1\.1 (\d+)/.exec(got.text)?.[1], POLL));
  const pages: Array<ReturnType<typeof open>> = [];
  try {
    for (let i = 0; i < 16; i++) {
      pages.push(open('/api/live'));
      assert.equal(await status(pages[i]!), '200');
    }
    const refused = open('/api/live');
    assert.equal(await status(refused), '503');
    await waitFor('its body', () => refused.text.includes('}'), POLL);
    assert.match(refused.text, /\{"error":"127\.0\.0\.1 has 16 event streams open, the most one client may: close a page of this observer \(or its trace\) and open this one again"\}/);
    const trace = open('/api/trace?messages=1&names=nobody');
    assert.equal(await status(trace), '503');
    // One line a second at most: the trace's refusal is counted in the next one when it came within that second.
    assert.equal(logs[0], 'observer: refused an event stream (/api/live): 127.0.0.1 has 16 event streams open, the most one client may');
    assert.ok(logs.length <= 2 && logs.slice(1).every((l) => /^observer: refused an event stream \(\/api\/trace\): /.test(l)), logs.join('\n'));
    // The open streams go on; one closing makes room for the next.
    pages.shift()!.socket.destroy();
    const next = await waitFor('a stream to be served again', async () => {
      const got = open('/api/live');
      if ((await status(got)) === '200') return got;
      got.socket.destroy();
      return undefined;
    }, POLL);
    pages.push(next);
    await waitFor('a sample on the last page', () => pages.at(-1)!.text.includes('event: overview'), POLL);
  } finally {
    for (const p of pages) p.socket.destroy();
    await o.close();
    node.shutdown();
  }
});
