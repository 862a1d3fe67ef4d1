// otp observer's page: preact + htm components, uPlot charts, bundled by esbuild into one script.
// It asks the observer's server for what the visible view shows, and nothing else: the node is paged and
// bounded on its side. Every request carries the token the page was opened with.
/* global document, window, fetch, EventSource, location, history, URLSearchParams, setInterval, clearInterval */
import { h, render } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import { hierarchy, tree } from 'd3-hierarchy';
import 'uplot/dist/uPlot.min.css';
import './style.css';

const html = htm.bind(h);
// A table cell's text cut to the column's width with an ellipsis, the whole of it in a tooltip: a long name
// with no spaces (a 2000-character registered name) would otherwise stretch the table past the window.
const cut = (text) => (text ? html`<span class="cut" title=${text}>${text}</span>` : '');
const token = document.querySelector('meta[name="otp-token"]')?.getAttribute('content') ?? new URLSearchParams(location.search).get('token') ?? '';
const HISTORY = 300; // seconds of overview samples the charts keep

// The App's listener for a node that does not answer (the server's 503 with `down`), whichever view asked.
let onDown = () => {};
// The App's listener for the observer itself: true when no request reaches it (it was stopped), false once one does.
let onAway = () => {};

async function api(path, params = {}, body) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  let res;
  try {
    res = await fetch(`/api/${path}${qs ? `?${qs}` : ''}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    onAway(true);
    throw error;
  }
  onAway(false);
  const data = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) {
    if (data.down) onDown({ node: data.node, error: data.error });
    throw Object.assign(new Error(data.error ?? `${res.status}`), { status: res.status });
  }
  return data;
}

const stream = (path, params = {}) => new EventSource(`/api/${path}?${new URLSearchParams({ ...params, token }).toString()}`);

const bytes = (b) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(2)} GB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b} B`);
const duration = (s) => (s >= 86400 ? `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h` : s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s` : `${Math.floor(s)} s`);
const num = (n) => Number(n).toLocaleString('en');
// A figure the node has not measured yet (the overview's first sample has no delay or rates): a dash, never a false 0.
const NOT_YET = '–';
const measured = (v, show) => (v === null || v === undefined ? NOT_YET : show(v));
// A link's part as text: one typed with a stray '%' (not valid percent-encoding) is taken as it is, not thrown on.
const decoded = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
// The node observed (set by App): a process link names it, so the link, or the back button to it, opens the process on its node.
let observed;
const procHref = (pid, node = observed) => `#/proc/${encodeURIComponent(pid)}${node ? `?on=${encodeURIComponent(node)}` : ''}`;
// A table's id is a number of its node alone: its link names the node too, as a process link does.
const tableHref = (id, node = observed) => `#/table/${encodeURIComponent(id)}${node ? `?on=${encodeURIComponent(node)}` : ''}`;
// A pid as a link to its process. Another node's pid (<N.…>, N > 0) links to that node's page of it when `remote` says
// which node and pid it is there and the observer can reach that node (`reachable`); else it is shown, not linked.
const pidLink = (pid, remote, reachable = []) => {
  if (!pid) return html`<span class="muted">—</span>`;
  if (/^<0\./.test(pid) || !/^<\d+\.\d+\.\d+>$/.test(pid)) return html`<a class="pid" href=${procHref(pid)}>${pid}</a>`;
  const r = remote?.[pid];
  if (r && reachable.includes(r.node)) return html`<a class="pid remote" data-node=${r.node} href=${procHref(r.pid, r.node)} title=${`${r.pid} on ${r.node}: opens it there`}>${pid}</a> <small class="muted">on ${r.node}</small>`;
  return html`<span class="pid remote" data-testid="remote-pid" title=${r ? `${r.pid} on ${r.node}, which this observer cannot reach from ${observed}` : 'a process of another node'}>${pid}</span> <small class="muted">${r ? `on ${r.node}, not reachable` : 'on another node'}</small>`;
};

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/overview');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/overview');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

// Runs `load` now and every `ms` while the view is shown; the answer, the last error and its HTTP status.
function usePoll(load, ms, deps) {
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [status, setStatus] = useState(undefined);
  useEffect(() => {
    let alive = true;
    let busy = false;
    const run = async () => {
      if (busy) return;
      busy = true;
      try {
        const d = await load();
        if (alive) {
          setData(d);
          setError(undefined);
          setStatus(undefined);
        }
      } catch (e) {
        if (alive) {
          setError(e.message);
          setStatus(e.status);
        }
      } finally {
        busy = false;
      }
    };
    void run();
    const t = ms ? setInterval(run, ms) : undefined;
    return () => {
      alive = false;
      if (t) clearInterval(t);
    };
  }, deps);
  return [data, error, status];
}

// One uPlot chart over the overview history; redrawn with each sample.
function Chart({ title, samples, series, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const opts = {
      title,
      width: 420,
      height: 160,
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, vals) => vals.map((v) => (unit ? unit(v) : num(v))), size: 70 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, value: (_u, v) => (v == null ? '—' : unit ? unit(v) : num(Math.round(v))) }))],
      legend: { show: true },
    };
    plot.current = new uPlot(opts, [[], ...series.map(() => [])], box.current);
    return () => plot.current.destroy();
  }, []);
  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData([samples.map((s) => s.time / 1000), ...series.map((c) => samples.map(c.value))]);
  }, [samples]);
  return html`<div class="chart" ref=${box}></div>`;
}

function Overview({ live, gone, dump }) {
  const { samples, error } = live;
  const o = samples[samples.length - 1];
  if (!o) return html`<p class="muted">${error ?? 'waiting for the first sample…'}</p>`;
  if (dump || o.dump) {
    // A crash dump: what the node held when it died; nothing was sampled over time.
    return html`<section>
      <div class="cards">
        <div class="card"><b>node</b><span data-testid="ov-node">${o.node}</span></div>
        <div class="card"><b>processes</b><span data-testid="ov-processes">${num(o.processes)}</span>${o.dump?.truncated ? html` <small class="muted">${num(o.dump.listed)} listed</small>` : null}</div>
        <div class="card"><b>heap used</b><span>${bytes(o.memory.heapUsed)} of ${bytes(o.memory.heapTotal)}</span></div>
        <div class="card"><b>rss</b><span>${bytes(o.memory.rss)}</span></div>
        <div class="card"><b>external / buffers</b><span>${bytes(o.memory.external)} / ${bytes(o.memory.arrayBuffers)}</span></div>
        <div class="card"><b>tables</b><span>${num(o.tables)}</span></div>
        <div class="card"><b>versions</b><span>Node.js ${o.versions.node}${o.versions.apps.map((a) => `, ${a.name} ${a.vsn}`).join('')}</span></div>
        <div class="card"><b>died</b><span data-testid="ov-time">${new Date(o.time).toISOString()}</span></div>
      </div>
      ${o.dump?.truncated ? html`<p class="muted">${o.dump.truncated}</p>` : null}
    </section>`;
  }
  return html`<section>
    <div class="cards">
      <div class="card"><b>node</b><span data-testid="ov-node">${o.node}</span></div>
      <div class="card"><b>uptime</b><span data-testid="ov-uptime">${duration(o.uptimeS)}</span></div>
      <div class="card"><b>processes</b><span data-testid="ov-processes">${num(o.processes)}</span></div>
      <div class="card"><b>heap used</b><span>${bytes(o.memory.heapUsed)} of ${bytes(o.memory.heapTotal)}</span></div>
      <div class="card"><b>rss</b><span>${bytes(o.memory.rss)}</span></div>
      <div class="card"><b>external / buffers</b><span>${bytes(o.memory.external)} / ${bytes(o.memory.arrayBuffers)}</span></div>
      <div class="card"><b>event loop</b><span data-testid="ov-elu">${(o.elu * 100).toFixed(1)} % busy</span></div>
      <div class="card"><b>event-loop delay</b><span data-testid="ov-delay" title=${o.delay ? '' : 'not measured yet: the node samples its event loop from the first overview on'}>${o.delay ? `p99 ${o.delay.p99.toFixed(1)} ms, max ${o.delay.max.toFixed(1)} ms` : `${NOT_YET} (not measured yet)`}</span></div>
      <div class="card"><b>work</b><span data-testid="ov-reductions">${measured(o.reductionsPerS, num)} reductions/s</span></div>
      <div class="card"><b>messages</b><span><span data-testid="ov-delivered">${measured(o.messages?.deliveredPerS, num)}</span> delivered/s, <span data-testid="ov-sent">${measured(o.messages?.sentPerS, num)}</span> sent/s</span></div>
      <div class="card"><b>tables</b><span>${num(o.tables)}</span></div>
      <div class="card"><b>versions</b><span>Node.js ${o.versions.node}${o.versions.apps.map((a) => `, ${a.name} ${a.vsn}`).join('')}</span></div>
      <div class="card"><b>sampled</b><span data-testid="ov-time">${new Date(o.time).toLocaleTimeString('en-GB')}</span> <small class="muted" data-testid="ov-samples" data-since=${samples[0].time}>${samples.length} sample${samples.length === 1 ? '' : 's'}</small></div>
    </div>
    ${error && !gone ? html`<p class="error">${error}</p>` : null}
    <div class="charts">
      <${Chart} title="processes" samples=${samples} series=${[{ label: 'processes', color: '#2a6fdb', value: (s) => s.processes }]} />
      <${Chart} title="memory" unit=${bytes} samples=${samples} series=${[{ label: 'heap used', color: '#2a6fdb', value: (s) => s.memory.heapUsed }, { label: 'rss', color: '#d9822b', value: (s) => s.memory.rss }]} />
      <${Chart} title="event loop (% busy, delay p99 ms)" samples=${samples} series=${[{ label: 'busy %', color: '#0f9960', value: (s) => s.elu * 100 }, { label: 'p99 ms', color: '#db3737', value: (s) => s.delay?.p99 ?? null }]} />
      <${Chart} title="reductions per second" samples=${samples} series=${[{ label: 'reductions/s', color: '#7157d9', value: (s) => s.reductionsPerS }]} />
      <${Chart} title="messages per second" samples=${samples} series=${[{ label: 'delivered/s', color: '#2a6fdb', value: (s) => s.messages?.deliveredPerS ?? null }, { label: 'sent/s', color: '#d9822b', value: (s) => s.messages?.sentPerS ?? null }]} />
    </div>
  </section>`;
}

// The supervision tree, laid out by d3-hierarchy's tidy tree (left to right, as Erlang's observer draws it):
// the links in one SVG, each node a box of HTML over it (its pid a link, the box a way to its process).
const BOX_W = 270;
const BOX_H = 84;
const GAP_X = 60;
const GAP_Y = 12;
const MAX_CHILDREN = 40; // a simpleOneForOne supervisor of thousands is drawn as its first children and a count

const strategyText = (s) => `${s.strategy}, max ${s.intensity} restart${s.intensity === 1 ? '' : 's'} in ${s.period} s`;

// A supervisor's children as drawn: the node sends the first 40 and how many more (`more`); a crash dump sends them all.
function shown(n) {
  const rest = (n.more ?? 0) + Math.max(0, n.children.length - MAX_CHILDREN);
  if (rest === 0) return n.children;
  return [...n.children.slice(0, MAX_CHILDREN), { kind: 'more', label: `… and ${num(rest)} more`, children: [] }];
}

function TreeBox({ n, x, y }) {
  const open = () => {
    if (n.pid) location.hash = procHref(n.pid);
  };
  const kind = n.kind === 'application' ? 'app' : n.kind === 'supervisor' ? 'sup' : n.kind === 'more' ? '' : 'worker';
  return html`<div class=${`tnode ${n.kind}${n.pid ? ' live' : ''}`} data-label=${n.label} style=${`left:${x}px;top:${y}px;width:${BOX_W}px;height:${BOX_H}px`} onClick=${open} title=${n.pid ? `open ${n.pid}` : ''}>
    <div class="line1">${kind ? html`<span class="kind">${kind}</span> ` : null}<b>${n.label}</b> ${n.kind === 'more' ? null : n.pid ? pidLink(n.pid) : html`<span class="muted">not running</span>`}</div>
    ${n.kind === 'more' ? null : html`<div class="line2">${n.name && n.name !== n.label ? html`<i>${n.name}</i> ` : null}${n.module && n.kind !== 'application' ? html`<span class="muted">${n.module}</span>` : null}</div>`}
    <div class="line3">
      ${n.strategy ? html`<span class="badge strategy" data-testid="strategy" title="restart strategy: more restarts than this within the period take the supervisor down">${strategyText(n.strategy)}</span> ` : null}
      ${n.kind === 'supervisor' && n.restarts !== undefined ? html`<span class=${n.restarts > 0 ? 'badge warn' : 'badge'} title="restarts of its children within its intensity period">${n.restarts} in period</span> ` : null}
      ${n.restarted !== undefined ? html`<span class=${n.restarted > 0 ? 'badge warn' : 'badge'} data-testid="restarts">restarts: ${n.restarted}</span>` : null}
    </div>
  </div>`;
}

function AppTree({ app }) {
  const root = hierarchy(app, shown);
  tree()
    .nodeSize([BOX_H + GAP_Y, BOX_W + GAP_X])
    .separation(() => 1)(root);
  const all = root.descendants();
  const top = Math.min(...all.map((d) => d.x));
  const height = Math.max(...all.map((d) => d.x)) - top + BOX_H;
  const width = (root.height + 1) * (BOX_W + GAP_X) - GAP_X;
  const at = (d) => ({ x: d.y, y: d.x - top });
  const links = root.links().map(({ source, target }) => {
    const a = at(source);
    const b = at(target);
    const [x1, y1, x2, y2] = [a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2];
    const mx = (x1 + x2) / 2;
    return html`<path d=${`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`} />`;
  });
  return html`<div class="apptree" data-app=${app.label} style=${`width:${width}px;height:${height}px`}>
    <svg class="links" width=${width} height=${height}>${links}</svg>
    ${all.map((d) => html`<${TreeBox} n=${d.data} ...${at(d)} />`)}
  </div>`;
}

function Applications() {
  const [apps, error] = usePoll(() => api('tree'), 2000, []);
  if (!apps) return html`<p class="muted">${error ?? 'loading…'}</p>`;
  return html`<section>
    ${error ? html`<p class="error">${error}</p>` : null}
    ${apps.length === 0 ? html`<p class="muted">no application is running</p>` : null}
    <p class="muted">Each application's supervision tree; a box opens its process.</p>
    <div class="trees">${apps.map((a) => html`<${AppTree} key=${a.label} app=${a} />`)}</div>
  </section>`;
}

// Where the last page of `n` rows starts, `limit` a page.
const lastPage = (n, limit) => Math.max(0, Math.floor((n - 1) / limit) * limit);

const COLUMNS = [
  ['pid', 'pid'],
  ['name', 'name'],
  ['label', 'behaviour / initial call'],
  ['current', 'current function'],
  ['status', 'status'],
  ['mailbox', 'mailbox'],
  ['memory', 'memory'],
  ['reductions', 'reductions'],
  ['links', 'links'],
];

// The process table's query as the page's address keeps it (#/procs?sort=name&dir=asc&filter=cart&offset=100), so a
// refresh, or the back button from a process, shows the same page of the table; anything unknown there is the default.
const PROCS_DEFAULT = { offset: 0, limit: 100, sort: 'reductions', dir: 'desc', filter: '' };
function procsQueryOf(hash) {
  const q = new URLSearchParams(hash.split('?')[1] ?? '');
  const sort = COLUMNS.some(([k]) => k === q.get('sort')) ? q.get('sort') : PROCS_DEFAULT.sort;
  const dir = q.get('dir') === 'asc' || q.get('dir') === 'desc' ? q.get('dir') : PROCS_DEFAULT.dir;
  const offset = /^\d{1,9}$/.test(q.get('offset') ?? '') ? Number(q.get('offset')) : 0;
  return { ...PROCS_DEFAULT, sort, dir, offset, filter: q.get('filter') ?? '' };
}
const procsHash = (query) => {
  const q = new URLSearchParams();
  if (query.sort !== PROCS_DEFAULT.sort || query.dir !== PROCS_DEFAULT.dir) {
    q.set('sort', query.sort);
    q.set('dir', query.dir);
  }
  if (query.filter) q.set('filter', query.filter);
  if (query.offset) q.set('offset', String(query.offset));
  const text = q.toString();
  return `#/procs${text ? `?${text}` : ''}`;
};

function Processes({ hash }) {
  const [query, setQuery] = useState(() => procsQueryOf(location.hash));
  const [typed, setTyped] = useState(query.filter);
  // The address follows the query (replaced, not a new history entry per keystroke or click).
  useEffect(() => {
    const want = procsHash(query);
    if (/^#\/procs(\?|$)/.test(location.hash) && location.hash !== want) history.replaceState(history.state, '', want);
  }, [query, hash]);
  useEffect(() => {
    const t = window.setTimeout(() => setQuery((q) => (q.filter === typed ? q : { ...q, filter: typed, offset: 0 })), 250);
    return () => window.clearTimeout(t);
  }, [typed]);
  // A big node is asked less often: each page costs it one pass over every process.
  const [slow, setSlow] = useState(false);
  // Each page keeps the query it answers: the header shows the order of the rows shown, not of a page still on its way.
  const [page, error] = usePoll(async () => ({ ...(await api('processes', query)), query }), slow ? 5000 : 2000, [query, slow]);
  const shownSort = page?.query ?? query;
  useEffect(() => {
    if (page && page.total > 20_000 !== slow) setSlow(page.total > 20_000);
  }, [page]);
  const sortBy = (k) => setQuery((q) => ({ ...q, sort: k, dir: q.sort === k && q.dir === 'desc' ? 'asc' : q.sort === k ? 'desc' : ['pid', 'name', 'label', 'current', 'status'].includes(k) ? 'asc' : 'desc', offset: 0 }));
  const go = (offset) => setQuery((q) => ({ ...q, offset: Math.max(0, offset) }));
  // Processes that exited under a later page leave it past the end: the view goes back to the last page there is.
  useEffect(() => {
    const asked = page?.query;
    if (!asked || page.rows.length > 0 || asked.offset === 0 || asked.offset < page.matched) return;
    setQuery((q) => (q === asked ? { ...q, offset: lastPage(page.matched, q.limit) } : q));
  }, [page]);
  return html`<section>
    <div class="toolbar">
      <input data-testid="filter" placeholder="filter: pid, name, module, function" value=${typed} onInput=${(e) => setTyped(e.target.value)} />
      ${page ? html`<span data-testid="page-info">${page.matched === 0 ? 'no process matches' : `${num(page.offset + 1)}–${num(Math.min(page.offset + page.rows.length, page.matched))} of ${num(page.matched)}`}${page.matched !== page.total ? ` (of ${num(page.total)})` : ''}</span>` : null}
      <button data-testid="prev" disabled=${!page || query.offset === 0} onClick=${() => go(query.offset - query.limit)}>‹ previous</button>
      <button data-testid="next" disabled=${!page || query.offset + query.limit >= page.matched} onClick=${() => go(query.offset + query.limit)}>next ›</button>
    </div>
    ${error ? html`<p class="error">${error}</p>` : null}
    <table class="procs" data-testid="procs">
      <thead><tr>${COLUMNS.map(([k, label]) => html`<th data-sort=${k} class=${shownSort.sort === k ? `sorted ${shownSort.dir}` : ''} onClick=${() => sortBy(k)}>${label}${shownSort.sort === k ? (shownSort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</th>`)}</tr></thead>
      <tbody>${(page?.rows ?? []).map((r) => html`<tr data-pid=${r.pid}>
        <td>${pidLink(r.pid)}</td><td>${cut(r.name ?? '')}</td><td>${cut(r.label)}</td><td>${cut(r.current)}</td><td>${r.status}</td>
        <td class="n">${num(r.mailbox)}</td><td class="n">${bytes(r.memory)}</td><td class="n">${num(r.reductions)}</td><td class="n">${r.links}</td>
      </tr>`)}</tbody>
    </table>
  </section>`;
}

function Confirm({ ask, onDone }) {
  if (!ask) return null;
  return html`<div class="modal" data-testid="confirm"><div class="box">
    <p>${ask.text}</p>
    <button class="danger" data-testid="confirm-yes" onClick=${() => onDone(true)}>${ask.yes}</button>
    <button data-testid="confirm-no" onClick=${() => onDone(false)}>cancel</button>
  </div></div>`;
}

function Process({ pid, dump, reachable }) {
  const [tick, setTick] = useState(0);
  const [d, error, status] = usePoll(() => api('process', { pid }), 2000, [pid, tick]);
  const [ask, setAsk] = useState(undefined);
  const [reason, setReason] = useState('kill');
  const [message, setMessage] = useState('"hello"');
  const [result, setResult] = useState(undefined);
  const act = useCallback((action, text, yes) => setAsk({ action, text, yes }), []);
  const done = async (ok) => {
    const a = ask;
    setAsk(undefined);
    if (!ok) return;
    try {
      await api('act', {}, { action: a.action, target: pid, reason, message });
      setResult({ ok: true, text: `${a.action}: done` });
    } catch (e) {
      setResult({ ok: false, action: a.action, status: e.status, text: e.message });
    }
    setTick((t) => t + 1);
  };
  if (!d) return html`<p class=${error ? 'error' : 'muted'} data-testid="proc-error">${error ?? 'loading…'}</p>`;
  // The process exited while shown (the node answers that there is none): what is left is how it was last seen.
  const exited = status === 404 && !dump;
  // An action on a process that exited meanwhile (the node answers 409 that there is none): said once, where the actions were.
  const tooLate = exited && result && !result.ok && result.status === 409 ? result.action : undefined;
  const links = (xs) => (xs.length ? xs.map((p, i) => html`${i ? ', ' : ''}${/^<\d+\.\d+\.\d+>$/.test(p) ? pidLink(p, d.remote, reachable) : p}`) : html`<span class="muted">none</span>`);
  return html`<section class="proc">
    <h2>${d.pid} ${d.name ? html`<i>${d.name}</i>` : null}${exited ? html` <span class="badge warn" data-testid="proc-exited">exited</span>` : null}</h2>
    ${error ? html`<p class="error" data-testid="proc-error">${error}${exited ? ': below is how it was when last seen' : ''}</p>` : null}
    <table class="kv">
      <tr><th>status</th><td data-testid="proc-status">${exited ? `exited (last seen ${d.status})` : `${d.status}${d.sysStatus && d.sysStatus !== 'running' ? ` (${d.sysStatus})` : ''}`}</td></tr>
      <tr><th>behaviour</th><td>${d.behaviour ?? '—'} ${d.module ?? ''}</td></tr>
      <tr><th>initial call</th><td>${d.initialCall}</td></tr>
      <tr><th>current function</th><td>${d.currentFunction}</td></tr>
      <tr><th>memory</th><td>${bytes(d.memory)}</td></tr>
      <tr><th>reductions</th><td>${num(d.reductions)}</td></tr>
      <tr><th>trap exit</th><td>${String(d.trapExit)}</td></tr>
      <tr><th>parent</th><td>${d.parent ? pidLink(d.parent, d.remote, reachable) : '—'}</td></tr>
      <tr><th>links</th><td data-testid="proc-links">${links(d.links)}</td></tr>
      <tr><th>monitors</th><td>${links(d.monitors)}</td></tr>
      <tr><th>monitored by</th><td>${links(d.monitoredBy)}</td></tr>
      <tr><th>mailbox</th><td>${num(d.mailboxLength)} message${d.mailboxLength === 1 ? '' : 's'}${d.mailbox.length ? html`<ol class="mailbox">${d.mailbox.map((m) => html`<li><code>${m}</code></li>`)}</ol>` : null}</td></tr>
    </table>
    ${d.state !== undefined ? html`<h3>state (through sys, bounded)</h3><pre data-testid="proc-state">${d.state}</pre>` : null}
    <h3>actions</h3>
    ${dump ? html`<p class="muted" data-testid="dump-no-actions">a crash dump: this process is gone, nothing to act on</p>` : exited ? html`<p class="muted" data-testid="exited-no-actions">${tooLate ? `this process had exited before the ${tooLate}: nothing was done` : 'this process exited: nothing to act on'}</p>` : html`<div class="actions">
      <label>reason <input data-testid="kill-reason" value=${reason} onInput=${(e) => setReason(e.target.value)} /></label>
      <button class="danger" data-testid="kill" onClick=${() => act('kill', `Kill ${d.pid}${d.name ? ` (${d.name})` : ''} with reason '${reason}'? Its supervisor, if any, restarts it.`, 'kill')}>kill</button>
      <label>message (JSON) <input data-testid="send-message" value=${message} onInput=${(e) => setMessage(e.target.value)} /></label>
      <button data-testid="send" onClick=${() => act('send', `Send ${message} to ${d.pid}?`, 'send')}>send</button>
      ${d.behaviour ? html`<button data-testid="suspend" onClick=${() => act('suspend', `Suspend ${d.pid}? It answers only system messages until resumed.`, 'suspend')}>suspend</button>
      <button data-testid="resume" onClick=${() => act('resume', `Resume ${d.pid}?`, 'resume')}>resume</button>` : null}
    </div>`}
    ${result && !tooLate ? html`<p class=${result.ok ? 'ok' : 'error'} data-testid="action-result">${result.text}</p>` : null}
    <${Confirm} ask=${ask} onDone=${done} />
  </section>`;
}

function Tables({ dump }) {
  const [offset, setOffset] = useState(0);
  const [list, error] = usePoll(() => api('tables', { offset, limit: 100 }), 3000, [offset]);
  // Tables deleted under a later page (their owner exited) leave it past the end: back to the last page there is.
  useEffect(() => {
    if (list && list.tables.length === 0 && list.offset > 0 && list.offset >= list.total) setOffset((o) => (o === list.offset ? lastPage(list.total, 100) : o));
  }, [list]);
  if (!list) return html`<p class="muted">${error ?? 'loading…'}</p>`;
  return html`<section>
    <p>${num(list.total)} table${list.total === 1 ? '' : 's'}</p>
    <table class="procs" data-testid="tables"><thead><tr><th>id</th><th>name</th><th>type</th><th>access</th><th>owner</th><th>size</th><th>memory</th></tr></thead>
    <tbody>${list.tables.map((t) => html`<tr>${dump ? html`<td>${t.id}</td><td>${t.name ?? ''}</td>` : html`<td><a href=${tableHref(t.id)}>${t.id}</a></td><td><a href=${tableHref(t.id)}>${cut(t.name ?? '')}</a></td>`}<td>${t.type}</td><td>${t.access}</td><td>${pidLink(t.owner)}</td><td class="n">${num(t.size)}</td><td class="n">${t.memory === undefined ? '—' : bytes(t.memory)}</td></tr>`)}</tbody></table>
    <div class="toolbar"><button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - 100))}>‹ previous</button><button disabled=${offset + 100 >= list.total} onClick=${() => setOffset(offset + 100)}>next ›</button></div>
  </section>`;
}

function TableRows({ id }) {
  const [offset, setOffset] = useState(0);
  const [page, error] = usePoll(() => api('rows', { id, offset, limit: 50 }), 0, [id, offset]);
  if (!page) return html`<p class=${error ? 'error' : 'muted'}>${error ?? 'loading…'}</p>`;
  return html`<section>
    <h2 data-testid="rows-info">table ${id}: ${page.rows.length === 0 ? (page.size === 0 ? 'no rows' : `no rows from ${num(page.offset + 1)} on, of ${num(page.size)}`) : `rows ${num(page.offset + 1)}–${num(page.offset + page.rows.length)} of ${num(page.size)}`}</h2>
    <ol class="rows" start=${page.offset + 1} data-testid="rows">${page.rows.map((r) => html`<li><code>${r}</code></li>`)}</ol>
    <div class="toolbar"><button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - 50))}>‹ previous</button><button disabled=${offset + 50 >= page.size} onClick=${() => setOffset(offset + 50)}>next ›</button></div>
  </section>`;
}

const describeEvent = (e) => {
  switch (e.kind) {
    case 'call':
      return `call ${e.fn}(${e.args.join(', ')})`;
    case 'return':
      return `return ${e.fn}/${e.arity} -> ${e.value} (${e.ms.toFixed(2)} ms)`;
    case 'exception':
      return `exception ${e.fn}/${e.arity}: ${e.error}`;
    case 'send':
      return `send ${e.message} -> ${e.to}`;
    case 'receive':
      return `receive ${e.message} <- ${e.from ?? '?'}`;
    case 'spawn':
      return `spawn ${e.child} ${e.initialCall}`;
    case 'exit':
      return `exit ${e.reason}`;
    case 'link':
    case 'unlink':
      return `${e.kind} ${e.other}`;
    default:
      return `${e.kind} ${e.name ?? ''}`;
  }
};

// The trace events the page lists (the latest), and how often the list takes those that came meanwhile.
const TRACE_ROWS = 1000;
const TRACE_FLUSH_MS = 200;

function Trace() {
  const [form, setForm] = useState({ patterns: '', messages: false, procs: false, names: '', limit: '100', time: '15000', returns: false });
  const [events, setEvents] = useState([]);
  const [status, setStatus] = useState('idle');
  const source = useRef(null);
  // Each start's number: a start still checking when another began (or the view left) opens nothing.
  const starts = useRef(0);
  // Events as they come wait here and reach the list at most every TRACE_FLUSH_MS: a render per event (thousands a
  // second on a busy node) froze the page. Each carries its number, the list's key.
  const pending = useRef({ events: [], timer: 0, seq: 0 });
  const flush = () => {
    const p = pending.current;
    clearTimeout(p.timer);
    p.timer = 0;
    if (p.events.length === 0) return;
    const batch = p.events;
    p.events = [];
    setEvents((xs) => [...xs, ...batch].slice(-TRACE_ROWS));
  };
  const arrived = (e) => {
    const p = pending.current;
    p.events.push({ ...e, seq: p.seq++ });
    if (p.events.length > TRACE_ROWS) p.events.splice(0, p.events.length - TRACE_ROWS);
    p.timer ||= setTimeout(flush, TRACE_FLUSH_MS);
  };
  const stop = () => {
    starts.current++;
    source.current?.close();
    source.current = null;
    flush();
    setStatus((s) => (s.startsWith('running') || s.startsWith('starting') ? 'stopped from the page' : s));
  };
  useEffect(() => stop, []);
  const start = async () => {
    stop();
    const mine = starts.current;
    setEvents([]);
    setStatus('starting…');
    const params = { patterns: form.patterns, names: form.names, limit: form.limit, time: form.time, messages: form.messages ? '1' : '', procs: form.procs ? '1' : '', returns: form.returns ? '1' : '' };
    // The server checks the form first and says what is wrong with it (an event stream cannot read its refusal).
    try {
      await api('trace', { ...params, check: '1' });
    } catch (e) {
      if (starts.current === mine) setStatus(`refused: ${e.message}`);
      return;
    }
    if (starts.current !== mine) return;
    const es = stream('trace', params);
    source.current = es;
    es.addEventListener('started', (m) => {
      const s = JSON.parse(m.data);
      setStatus(`running: ${s.functions.length} function${s.functions.length === 1 ? '' : 's'}, ${s.processes} processes`);
    });
    es.addEventListener('trace', (m) => arrived(JSON.parse(m.data)));
    es.addEventListener('done', (m) => {
      flush();
      const s = JSON.parse(m.data);
      setStatus(`ended: ${s.reason} (${s.events} events, ${s.dropped} dropped${s.unsent ? `, ${s.unsent} not shown: this page did not keep up` : ''})`);
      es.close();
    });
    es.addEventListener('failure', (m) => {
      setStatus(`refused: ${JSON.parse(m.data).error}`);
      es.close();
    });
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setStatus((s) => (s.startsWith('running') || s.startsWith('starting') ? 'the observer closed the trace' : s));
      else es.close();
    };
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  return html`<section>
    <div class="traceform">
      <label>call patterns <input data-testid="trace-patterns" placeholder="shop/cart.add, shop/*.handle*" value=${form.patterns} onInput=${set('patterns')} /></label>
      <label><input type="checkbox" checked=${form.returns} onChange=${set('returns')} /> returns</label>
      <label><input type="checkbox" data-testid="trace-messages" checked=${form.messages} onChange=${set('messages')} /> messages</label>
      <label><input type="checkbox" checked=${form.procs} onChange=${set('procs')} /> process events</label>
      <label>names <input data-testid="trace-names" placeholder="registered names" value=${form.names} onInput=${set('names')} /></label>
      <label>limit <input data-testid="trace-limit" size="6" value=${form.limit} onInput=${set('limit')} /></label>
      <label>time (ms) <input size="7" value=${form.time} onInput=${set('time')} /></label>
      <button data-testid="trace-start" onClick=${() => void start()}>start</button>
      <button data-testid="trace-stop" onClick=${stop}>stop</button>
    </div>
    <p data-testid="trace-status">${status}</p>
    <p class="muted">The node enforces the tracer's limits (events, rate, time, its own buffer); leaving this page stops the trace.</p>
    <ol class="events" data-testid="trace-events">${events.map((e) => html`<li key=${e.seq}><span class="muted">${new Date(e.ts).toLocaleTimeString('en-GB')}</span> ${pidLink(e.pid)} <code>${describeEvent(e)}</code></li>`)}</ol>
  </section>`;
}

function Upgrades() {
  const [u, error] = usePoll(() => api('upgrades'), 0, []);
  if (!u) return html`<p class="muted">${error ?? 'loading…'}</p>`;
  if (!u.release) return html`<p class="muted" data-testid="upgrades">${u.reason}</p>`;
  return html`<section data-testid="upgrades">
    <p>running version <b>${u.running}</b></p>
    <table class="procs"><thead><tr><th>version</th><th>status</th></tr></thead>
    <tbody>${(u.releases ?? []).map((r) => html`<tr><td>${r.vsn}</td><td>${r.status}</td></tr>`)}</tbody></table>
    ${u.lastUpgrade ? html`<${LastUpgrade} l=${u.lastUpgrade} />` : html`<p class="muted">no upgrade since the node started</p>`}
  </section>`;
}

function LastUpgrade({ l }) {
  const { changed, added, removed } = l.modules;
  const count = changed.length + added.length + removed.length;
  const list = [changed.join(', '), added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
  const rolledBack = l.outcome !== 'installed';
  // Processes that still ran the purged version, killed by the load (a node before this field reports none).
  const killed = l.killed ?? [];
  return html`<div data-testid="last-upgrade" class=${rolledBack ? 'rolled-back' : ''}>
    <p>last upgrade <b>${l.from} → ${l.to}</b>, <b class=${rolledBack ? 'error' : 'ok'}>${l.outcome}</b> at ${new Date(l.at).toLocaleTimeString('en-GB')}${l.reason ? html`: <code>${l.reason}</code>` : ''}</p>
    <p>${rolledBack ? 'modules tried' : 'modules swapped'}: ${count}${list ? ` (${list})` : ''}${rolledBack ? `, all back at ${l.from}` : ''}; processes suspended: ${l.processes}; longest suspension ${l.suspendedMs.toFixed(1)} ms</p>
    ${killed.length ? html`<p class="error" data-testid="upgrade-killed">processes killed for running code the upgrade purged: ${killed.length} (${killed.map((k) => `${k.pid} ${k.module}`).join(', ')})${rolledBack ? ': the rollback does not bring them back' : ''}</p>` : null}
  </div>`;
}

// Whether sample `o` comes from a new run of the node sampled as `last`: its uptime grew by less than the
// time between the two samples (a second of slack for the sampling itself).
const restartedSince = (last, o) => last !== undefined && last.node === o.node && o.uptimeS < last.uptimeS + (o.time - last.time) / 1000 - 1;

// The overview's samples are collected whatever view is shown, so its charts have history when opened. When
// the node restarted (stopped and started again, or a new OS process under the same name), the charts start
// again from its first sample, and `restarted` says when.
function useLive(node) {
  const [live, setLive] = useState({ samples: [], error: undefined, restarted: undefined });
  useEffect(() => {
    setLive({ samples: [], error: undefined, restarted: undefined });
    const es = stream('live');
    es.addEventListener('overview', (m) => {
      const o = JSON.parse(m.data);
      onDown(undefined, o.node);
      setLive((l) =>
        restartedSince(l.samples[l.samples.length - 1], o)
          ? { samples: [o], error: undefined, restarted: { node: o.node, at: o.time - o.uptimeS * 1000 } }
          : { ...l, samples: [...l.samples.slice(-(HISTORY - 1)), o], error: undefined },
      );
    });
    // The channel broke: a request says whether the observer is still there (a switch ends the channel too).
    es.onerror = () => void api('nodes').catch(() => undefined);
    es.addEventListener('failure', (m) => {
      const f = JSON.parse(m.data);
      if (f.down) onDown({ node: f.node, error: f.error });
      setLive((l) => ({ ...l, error: f.error }));
    });
    return () => es.close();
  }, [node]);
  return live;
}

const VIEWS = [
  ['overview', 'Overview'],
  ['apps', 'Applications'],
  ['procs', 'Processes'],
  ['tables', 'Tables'],
  ['trace', 'Trace'],
  ['upgrades', 'Upgrades'],
];

function App() {
  const hash = useHash();
  const [node, setNode] = useState(undefined);
  const [nodes, nodesError] = usePoll(() => api('nodes'), 10_000, [node]);
  // The node that does not answer, and what the server said: shown on every view until it answers again.
  const [down, setDown] = useState(undefined);
  const [switchError, setSwitchError] = useState(undefined);
  // The observer (otp observer) no longer answers: every view says so, rather than showing its last answers as live.
  const [away, setAway] = useState(false);
  useEffect(() => {
    onDown = (d, answered) => setDown((was) => (d ? d : was && was.node === answered ? undefined : was));
    onAway = setAway;
    return () => {
      onDown = () => {};
      onAway = () => {};
    };
  }, []);
  const live = useLive(node);
  // A crash dump (otp observer --dump): read-only views of the node as it died, under a banner.
  const dump = nodes?.dump;
  // #/VIEW/ARG?QUERY: the query is a process link's node (`?on=`) or the process table's sort, filter and page.
  const [, view, arg = '', query] = /^#\/([^/?]*)\/?([^?]*)(?:\?(.*))?$/.exec(hash) ?? [];
  // A process link names the node it is of (`?on=NODE`): the page observes that node first, so a link to another
  // node's process, a deep link, or the back button after a switch never shows a process of the wrong node.
  const on = dump ? undefined : (new URLSearchParams(query ?? '').get('on') ?? undefined);
  // The node the user switched to; before any switch, the one the observer started on. The nodes poll
  // answers for the previous node for a moment after a switch: it only lists the cluster.
  const current = node ?? nodes?.node;
  const choices = [...new Set([current, nodes?.node, ...(nodes?.nodes ?? [])].filter(Boolean))];
  const gone = down && down.node === current ? down.error : undefined;
  const restarted = !gone && live.restarted && live.restarted.node === current ? live.restarted : undefined;
  // Views are keyed by the node the user switched to, not by `current`: the first answer of `nodes` would
  // otherwise remount the open view, dropping its page, sort and offset (a click on next lost under load).
  const viewKey = node ?? '';
  observed = current;
  const switchTo = async (n) => {
    setSwitchError(undefined);
    try {
      await api('switch', {}, { node: n });
      setNode(n);
    } catch (e) {
      setSwitchError(`cannot switch to ${n}: ${e.message}`);
    }
  };
  // A node picked in the selector on a page that names its node (?on=) leaves that page for the list of its
  // kind on the picked node: staying would switch straight back to the node the page names.
  const pickNode = (n) => {
    if (on) location.hash = view === 'table' ? '#/tables' : '#/procs';
    void switchTo(n);
  };
  const [following, setFollowing] = useState(undefined);
  useEffect(() => {
    if (!on || !current || on === current || following === on) return;
    setFollowing(on);
    void switchTo(on).finally(() => setFollowing(undefined));
  }, [on, current]);
  const elsewhere = (view === 'proc' || view === 'table') && on && on !== current;
  const what = view === 'table' ? 'table' : 'process';
  let body;
  if (view === 'apps') body = html`<${Applications} key=${viewKey} />`;
  else if (view === 'procs') body = html`<${Processes} key=${viewKey} hash=${hash} />`;
  else if (elsewhere) body = html`<p class=${following || !current ? 'muted' : 'error'} data-testid="proc-elsewhere">${following || !current ? `observing ${on}, the node of this ${what}…` : `this ${what} is on ${on}, which this observer cannot reach now: pick another node above, or start it again`}</p>`;
  else if (view === 'proc') body = html`<${Process} key=${`${viewKey}|${arg}`} pid=${decoded(arg)} dump=${dump} reachable=${choices} />`;
  else if (view === 'tables') body = html`<${Tables} key=${viewKey} dump=${dump} />`;
  else if (view === 'table') body = html`<${TableRows} key=${`${viewKey}|${arg}`} id=${decoded(arg)} />`;
  else if (view === 'trace' && !dump) body = html`<${Trace} key=${viewKey} />`;
  else if (view === 'upgrades' && !dump) body = html`<${Upgrades} key=${viewKey} />`;
  else body = html`<${Overview} live=${live} gone=${gone} dump=${dump} />`;
  const active = view === 'proc' ? 'procs' : view === 'table' ? 'tables' : view || 'overview';
  return html`<header>
      <span class="brand">otp observer</span>
      ${dump
        ? html`<b data-testid="node">${dump.node}</b>`
        : html`<select data-testid="node" value=${current} onChange=${(e) => pickNode(e.target.value)}>
            ${choices.map((n) => html`<option value=${n} selected=${n === current}>${n}</option>`)}
          </select>`}
      ${switchError ? html`<span class="error" data-testid="switch-error">${switchError}</span>` : nodesError && !gone ? html`<span class="error">${nodesError}</span>` : null}
      <nav>${VIEWS.filter(([k]) => !dump || (k !== 'trace' && k !== 'upgrades')).map(([k, label]) => html`<a href=${`#/${k}`} class=${active === k ? 'active' : ''} data-view=${k}>${label}</a>`)}</nav>
    </header>
    <main>${away ? html`<p class="error banner" data-testid="observer-gone">otp observer does not answer this page: it was stopped, or this machine cannot reach it; what is shown is as it was last seen. Run otp observer again and open the URL it prints</p>` : null}${dump ? html`<p class="error banner" data-testid="dump-banner">crash dump of ${dump.node} — died at ${dump.time}: ${dump.reason}</p>` : null}${gone ? html`<p class="error banner" data-testid="node-error">${gone}</p>` : null}${restarted ? html`<p class="notice banner" data-testid="node-restarted" data-at=${Math.round(restarted.at)}>${restarted.node} restarted at ${new Date(restarted.at).toLocaleTimeString('en-GB')}: this is a new run of it, so the charts start again there and its processes are new ones, whatever their pids</p>` : null}${body}</main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
