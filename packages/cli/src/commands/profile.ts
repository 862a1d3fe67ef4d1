import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PROFILE_MAX_MS, PROFILE_RPC_MODULE, type CpuProfile, type ProfileResult } from '@otp-ts/runtime';
import { defineProvider } from '../cli/provider.js';
import { OtpError } from '../errors/otp-error.js';
import { withConnection } from '../tracer/connect.js';
import { nodeConnectionOptions, nameOption, snameOption } from '../project/node-connection.js';

/** One function of a profile: its self and total time (ms) and where it is. */
export interface FunctionTime {
  name: string;
  where: string;
  selfMs: number;
  totalMs: number;
}

/** Milliseconds from `10s`, `500ms`, `2m` or a bare number of seconds; a usage error otherwise. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new OtpError('usage', `--time ${text} is not a duration: write e.g. --time 10s, --time 500ms or --time 1m`);
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (ms < 1 || ms > PROFILE_MAX_MS) throw new OtpError('usage', `--time ${text} is outside 1ms..${PROFILE_MAX_MS / 60_000}m: the node profiles for at most ${PROFILE_MAX_MS / 60_000} minutes`);
  return ms;
}

const where = (f: CpuProfile['nodes'][number]['callFrame']): string => (f.url ? `${f.url.replace(/^file:\/\//, '')}:${f.lineNumber + 1}` : '');
const nameOf = (f: CpuProfile['nodes'][number]['callFrame']): string => f.functionName || '(anonymous)';

/** Self and total time per function (by name and place), from the samples; recursion counts once in total. */
export function functionTimes(profile: CpuProfile): { functions: FunctionTime[]; totalMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const tick = profile.samples.length ? totalMs / profile.samples.length : 0;
  const self = new Map<string, FunctionTime>();
  const total = new Map<string, number>();
  let idleMs = 0;
  const keyOf = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${nameOf(f)}\u0000${where(f)}`;
  };
  const entry = (id: number): FunctionTime => {
    const key = keyOf(id);
    let e = self.get(key);
    if (!e) {
      const f = byId.get(id)!.callFrame;
      self.set(key, (e = { name: nameOf(f), where: where(f), selfMs: 0, totalMs: 0 }));
    }
    return e;
  };
  for (const s of profile.samples) {
    const node = byId.get(s);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += tick;
      continue;
    }
    entry(s).selfMs += tick;
    const seen = new Set<string>();
    for (let id: number | undefined = s; id !== undefined; id = parent.get(id)) {
      const k = keyOf(id);
      if (seen.has(k) || byId.get(id)!.callFrame.functionName === '(root)') continue;
      seen.add(k);
      entry(id);
      total.set(k, (total.get(k) ?? 0) + tick);
    }
  }
  for (const [k, e] of self) e.totalMs = total.get(k) ?? e.selfMs;
  return { functions: [...self.values()], totalMs, idleMs };
}

function table(title: string, rows: FunctionTime[], totalMs: number): string[] {
  const pct = (ms: number) => `${((100 * ms) / Math.max(totalMs, 1e-9)).toFixed(1).padStart(5)}%`;
  return [title, `  ${'self ms'.padStart(9)} ${'self'.padStart(6)} ${'total ms'.padStart(9)} ${'total'.padStart(6)}  function`, ...rows.map((r) => `  ${r.selfMs.toFixed(1).padStart(9)} ${pct(r.selfMs)} ${r.totalMs.toFixed(1).padStart(9)} ${pct(r.totalMs)}  ${r.name}${r.where ? ` ${r.where}` : ''}`)];
}

/** The terminal summary: the top `n` functions by self time and by total time. */
export function summariseProfile(node: string, profile: CpuProfile, n: number, mapped: number): string {
  const { functions, totalMs, idleMs } = functionTimes(profile);
  const bySelf = [...functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, n);
  const byTotal = [...functions].filter((f) => !f.name.startsWith('(')).sort((a, b) => b.totalMs - a.totalMs).slice(0, n);
  return [
    `profiled ${node} for ${totalMs.toFixed(0)} ms: ${profile.samples.length} samples, ${((100 * idleMs) / Math.max(totalMs, 1e-9)).toFixed(1)}% idle; ${mapped} call frames mapped to TypeScript`,
    '',
    ...table('by self time:', bySelf, totalMs),
    '',
    ...table('by total time:', byTotal, totalMs),
  ].join('\n');
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A self-contained HTML page (no script, no CDN) with the profile's flame graph as SVG: width is time, hover for the figures. */
export function flameGraphHtml(node: string, profile: CpuProfile): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  const totals = new Map<number, number>();
  const total = (id: number): number => {
    let t = totals.get(id);
    if (t === undefined) {
      t = (hits.get(id) ?? 0) + (byId.get(id)?.children ?? []).reduce((sum, c) => sum + total(c), 0);
      totals.set(id, t);
    }
    return t;
  };
  const root = profile.nodes[0]!;
  const all = total(root.id) || 1;
  const width = 1200;
  const row = 18;
  const tick = profile.samples.length ? (profile.endTime - profile.startTime) / 1000 / profile.samples.length : 0;
  const rects: string[] = [];
  let depthMax = 0;
  const draw = (id: number, x: number, depth: number): void => {
    const n = byId.get(id)!;
    const t = total(id);
    const w = (t / all) * width;
    if (w < 0.5) return;
    depthMax = Math.max(depthMax, depth);
    const f = n.callFrame;
    const label = `${nameOf(f)}${f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : ''}`;
    const hue = f.url.endsWith('.ts') ? 25 : f.url.startsWith('node:') || f.url === '' ? 200 : 45;
    const tip = `${nameOf(f)} ${where(f)}\n${(t * tick).toFixed(1)} ms total (${((100 * t) / all).toFixed(1)}%), ${((hits.get(id) ?? 0) * tick).toFixed(1)} ms self`;
    rects.push(`<g><title>${esc(tip)}</title><rect x="${x.toFixed(1)}" y="${depth * row}" width="${w.toFixed(1)}" height="${row - 1}" fill="hsl(${hue},80%,${60 + (depth % 3) * 6}%)"/>${w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${depth * row + 13}">${esc(label.slice(0, Math.floor(w / 7)))}</text>` : ''}</g>`);
    let cx = x;
    for (const c of n.children ?? []) {
      draw(c, cx, depth + 1);
      cx += (total(c) / all) * width;
    }
  };
  draw(root.id, 0, 0);
  const height = (depthMax + 1) * row;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>otp profile ${esc(node)}</title>
<style>body{font:13px system-ui,sans-serif;margin:16px}svg text{font:11px ui-monospace,monospace;pointer-events:none}svg g:hover rect{stroke:#000}</style></head>
<body><h1>otp profile ${esc(node)}</h1>
<p>${profile.samples.length} samples over ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms. Callers above callees; width is time; hover a frame for its figures. Orange: TypeScript of the node's modules.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${rects.join('\n')}
</svg></body></html>
`;
}

/** `otp profile NODE [--time 10s] [--top N] [--cpuprofile FILE] [--html FILE]`: where a live node spends its CPU time. */
export const profileCommand = defineProvider({
  name: 'profile',
  description: "CPU-profile a running node through its own inspector for a while (one profile at a time per node, stopped by the node at its time limit or when this tool goes), and print the top functions by self and total time with their TypeScript files.",
  deps: [],
  positionals: [{ name: 'node', description: 'the node, as name@host', required: true }],
  options: [
    { name: 'time', type: 'string', value: 'DURATION', default: '10s', description: 'how long to profile (e.g. 500ms, 10s, 1m; at most 5m)' },
    { name: 'top', alias: 'n', type: 'number', value: 'N', default: 15, description: 'how many functions to list' },
    { name: 'cpuprofile', type: 'string', value: 'FILE', description: 'write the profile as a .cpuprofile (Chrome DevTools, speedscope)' },
    { name: 'html', type: 'string', value: 'FILE', description: 'write a self-contained HTML flame graph' },
    ...nodeConnectionOptions,
    nameOption,
    snameOption,
  ],
  examples: [
    { command: 'otp profile shop@127.0.0.1', description: 'where shop spends its time, over 10 s' },
    { command: 'otp profile shop@127.0.0.1 --time 30s --html flame.html --cpuprofile shop.cpuprofile', description: 'and keep the flame graph and the profile' },
  ],
  async run(args, io) {
    const ms = parseDuration(args.time);
    return withConnection(io, args.node, args, async (c) => {
      const result = (await c.rpc(PROFILE_RPC_MODULE, 'run', [ms, c.localNode], ms + 60_000)) as ProfileResult;
      if (!result.ok) throw new OtpError('failed', result.error);
      if (args.cpuprofile) writeFileSync(args.cpuprofile, JSON.stringify(result.profile));
      if (args.html) writeFileSync(args.html, flameGraphHtml(args.node, result.profile));
      io.stdout.write(`${summariseProfile(args.node, result.profile, Math.max(1, Math.floor(args.top)), result.mapped)}\n`);
      if (args.cpuprofile) io.stdout.write(`\nwrote ${args.cpuprofile} (open it in Chrome DevTools' Performance panel or speedscope)\n`);
      if (args.html) io.stdout.write(`${args.cpuprofile ? '' : '\n'}wrote ${args.html}\n`);
      return 0;
    });
  },
});
