// A generated app whose supervisor runs three gen_servers holding counts, upgraded live while a client OS process calls
// all three without pause: 0.1.0 → 0.2.0 (each state changes shape in codeChange), back down, up again, then 0.3.0 whose
// codeChange throws in ONE server. No call is lost, repeated or answered by code that finds the wrong state shape;
// each report says what happened; the failed upgrade rolls all three back, the node serving 0.2.0 with its states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoad, type Load } from '../bench/lib/call-load.ts';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');
await privatePortMapper();

const SERVERS = ['alpha', 'beta', 'gamma'];

// A server of version `shape` (1: counts in a record; 2: a Map and a total; 3: 2 plus a tag), whose code refuses a state
// of another shape (a call answered by code that finds an unmigrated state fails the load), and its codeChange.
function serverSource(id: string, shape: 1 | 2 | 3, throwing = false): string {
  const check = shape === 1 ? '!(state.counts && !(state.counts instanceof Map))' : `state.shape !== ${shape}`;
  const bump =
    shape === 1
      ? 'return reply(n, { counts: { ...state.counts, [request.key]: n } });'
      : `const counts = new Map(state.counts); counts.set(request.key, n);\n    return reply(n, { ...state, counts, total: state.total + request.by });`;
  const get = shape === 1 ? 'state.counts[request.key]' : 'state.counts.get(request.key)';
  const init = shape === 1 ? '{ counts: {} }' : `{ shape: ${shape}, counts: new Map(), total: 0${shape === 3 ? ", tag: 'three'" : ''} }`;
  const change =
    shape === 1
      ? '(_old: unknown, state: any) => state'
      : shape === 2
        ? `(old: unknown, state: any) => {
    if (typeof old === 'object' && old !== null && 'down' in old) return { counts: Object.fromEntries(state.counts) };
    if (state.shape === 2) return state;
    const counts = new Map<string, number>(Object.entries(state.counts));
    return { shape: 2, counts, total: [...counts.values()].reduce((a, b) => a + b, 0) };
  }`
        : `(old: unknown, state: any) => {
    ${throwing ? `throw new Error('${id} cannot migrate');` : ''}
    if (typeof old === 'object' && old !== null && 'down' in old) return { shape: 2, counts: state.counts, total: state.total };
    return { ...state, shape: 3, tag: 'three' };
  }`;
  return `import { genServer, noreply, ok, reply, type GenServer, type ProcessContext } from '@otp-ts/runtime';

type Call = { op: 'bump'; key: string; by: number } | { op: 'count'; key: string };

export const server: GenServer<any, Call, never, number> = {
  name: '${id}',
  init: () => ok(${init}),
  handleCall(request, _from, state) {
    if (${check}) throw new Error('version ${shape} of ${id} found a state of another shape: ' + JSON.stringify(state));
    const n = (${get} ?? 0) + (request.op === 'bump' ? request.by : 0);
    if (request.op === 'count') return reply(n, state);
    ${bump}
  },
  handleCast: (_c, state) => noreply(state),
  codeChange: ${change},
};

export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, server, undefined, { name: '${id}' });
`;
}

test('three gen_servers upgraded, downgraded and upgraded under continuous calls lose no call; a codeChange that throws in one rolls all three back', { timeout: 900_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'ledger-'));
  const dir = join(base, 'ledger');
  const rel = join(dir, '_build', 'prod', 'rel', 'ledger');
  const script = (args: string[]) => run(join(rel, 'bin', 'ledger'), args, rel);
  const evalOn = (code: string) => ok(script(['eval', code]), code);
  const release = async (vsn: string, shape: 1 | 2 | 3, from?: string) => {
    for (const id of SERVERS) writeFileSync(join(dir, 'src', `${id}.ts`), serverSource(id, shape, shape === 3 && id === 'beta'));
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), /"version": "[^"]+"/, `"version": "${vsn}"`));
    await ok(run(process.execPath, [otp, 'release', ...(from ? ['--upgrade-from', from] : [])], dir), `otp release ${vsn}`);
  };
  const loads: Load[] = [];
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'ledger', '--quiet'], base), 'otp new');
    const supFile = join(dir, 'src', 'ledger_sup.ts');
    const sup = replaceOrFail(readFileSync(supFile, 'utf8'), "children: [supervisor.worker('ledger_server', startLink)],", `children: [supervisor.worker('ledger_server', startLink), ${SERVERS.map((id) => `supervisor.worker('${id}', ${id}.startLink)`).join(', ')}],`);
    writeFileSync(supFile, `${SERVERS.map((id) => `import * as ${id} from './${id}.ts';`).join('\n')}\n${sup}`);
    await release('0.1.0', 1);
    assert.match(await ok(script(['daemon']), 'daemon'), /started ledger 0\.1\.0/);
    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    for (const id of SERVERS) loads.push(await startLoad({ node: 'ledger@127.0.0.1', cookie, server: id, clients: 2 }));
    const total = () => loads.reduce((n, l) => n + l.counts().ok, 0);
    const moreCalls = async (more: number) => {
      const target = total() + more;
      await waitFor(`${more} more calls`, () => total() >= target, { ms: 60_000 });
    };
    await moreCalls(30);

    await release('0.2.0', 2, '0.1.0');
    const up = await ok(script(['upgrade', '0.2.0']), 'upgrade 0.2.0');
    assert.match(up, /upgraded 0\.1\.0 → 0\.2\.0/);
    for (const id of SERVERS) assert.match(up, new RegExp(`ledger/${id}\\b`), `the report names ${id}`);
    assert.match(up, /processes suspended: 3\b/);
    await moreCalls(30);
    for (const id of SERVERS) assert.match(await evalOn(`sys.getState(ctx, '${id}')`), /shape: 2/, id);

    const down = await ok(script(['downgrade', '0.1.0']), 'downgrade');
    assert.match(down, /downgraded 0\.2\.0 → 0\.1\.0/);
    await moreCalls(30);
    for (const id of SERVERS) assert.doesNotMatch(await evalOn(`sys.getState(ctx, '${id}')`), /shape/, id);
    await ok(script(['upgrade', '0.2.0']), 'upgrade 0.2.0 again');
    await moreCalls(30);

    await release('0.3.0', 3, '0.2.0');
    const before = await Promise.all(SERVERS.map((id) => evalOn(`sys.getState(ctx, '${id}').then((s) => s.shape)`)));
    assert.deepEqual(before, ['2', '2', '2']);
    const bad = await script(['upgrade', '0.3.0']);
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.stderr, /^ledger: upgrade to 0\.3\.0 rolled back, 0\.2\.0 still runs: .*codeChange of ledger\/beta in <0\.\d+\.0> failed: beta cannot migrate/);
    // The node's log says it in one line, as it says an upgrade that went through: no crash report with the handler's stack.
    const log = readFileSync(join(rel, 'log', 'ledger.log'), 'utf8');
    assert.equal(log.match(/^upgrade to 0\.3\.0 rolled back, 0\.2\.0 still runs: .*beta cannot migrate$/gm)?.length, 1, log);
    assert.doesNotMatch(log, /Error in process|InstallError|handler\.ts/, log);
    await moreCalls(30);
    for (const id of SERVERS) assert.match(await evalOn(`sys.getState(ctx, '${id}')`), /shape: 2/, `${id} keeps its 0.2.0 state`);
    assert.match(await ok(script(['versions']), 'versions'), /^0\.2\.0 +permanent \(running\)$/m);
    const counts = await Promise.all(loads.splice(0).map((l) => l.stop()));
    for (const [i, c] of counts.entries()) {
      assert.deepEqual({ failed: c.failed, outOfOrder: c.outOfOrder, duplicated: c.duplicated }, { failed: 0, outOfOrder: 0, duplicated: 0 }, `${SERVERS[i]}: ${c.errors.join('; ')}`);
    }
  } finally {
    await Promise.all(loads.map((l) => l.stop()));
    await script(['stop']);
    rmSync(base, { recursive: true, force: true });
  }
});
