// Every way TypeScript reaches another module sees the live version after a hot upgrade of a built
// release, under load: a namespace import (`import * as`), a default import, a named import, a barrel's
// `export * from` and `export { x as y } from`, a dynamic `import()`, and two modules importing each
// other with `import * as` (at boot and after one of them changed). The new version adds a function
// that its importer calls on every request: no call may fail, up, down and up again. Then a codeChange
// that converts the state in place and throws is rolled back to the very state it started from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoad } from '../bench/lib/call-load.ts';
import { run, ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { replaceOrFail } from './support/wait.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

const ledgerV1 = `export function add(a: number, b: number): number {
  return a + b;
}
export default function label(): string {
  return 'v1';
}
`;

// 0.2.0 adds newFn, which the new server calls on every bump.
const ledgerV2 = `export function add(a: number, b: number): number {
  return a + b;
}
export function newFn(): string {
  return 'fresh';
}
export default function label(): string {
  return 'v2';
}
`;

const barrel = `export * from './ledger.ts';
export { add as plus } from './ledger.ts';
`;

// audit and book import each other as namespaces: record(n) === n.
const audit = `import * as book from './book.ts';
export function record(n: number): number {
  return book.depth(n);
}
`;
const book = `import * as audit from './audit.ts';
export function depth(n: number): number {
  return n <= 0 ? 0 : 1 + audit.record(n - 1);
}
`;

// 0.2.0 changes one module of the cycle: record(n) === 2n.
const bookV2 = replaceOrFail(book, '1 + audit.record(n - 1)', '2 + audit.record(n - 1)');

const imports = `import * as ledger from './ledger.ts';
import label from './ledger.ts';
import { add } from './ledger.ts';
import * as barrel from './barrel.ts';
import { plus } from './barrel.ts';
import * as audit from './audit.ts';
`;

const formsV1 = `async function forms(): Promise<string> {
  const dyn = await import('./ledger.ts');
  return \`ns:\${ledger.add(1, 1)} default:\${label()} named:\${add(2, 2)} star:\${barrel.add(3, 3)} plus:\${plus(4, 4)} cycle:\${audit.record(3)} dyn:\${dyn.add(5, 5)}\`;
}
`;

const formsV2 = `async function forms(): Promise<string> {
  const dyn = await import('./ledger.ts');
  const extra = await import('./extra.ts');
  return \`ns:\${ledger.newFn()} default:\${label()} star:\${barrel.newFn()} plus:\${plus(4, 4)} cycle:\${audit.record(3)} dyn:\${dyn.newFn()} extra:\${extra.hello()}\`;
}
`;

// The template's server gains a 'forms' call; `uses` runs on every bump (the load's call).
function server(template: string, forms: string, uses: string): string {
  const edits: Array<[string, string]> = [
    ["| { op: 'keys' };", "| { op: 'keys' } | { op: 'forms' };"],
    ['export type Reply = number | string[];', 'export type Reply = number | string | string[];'],
    ['handleCall(request, _from, state) {', 'async handleCall(request, _from, state) {'],
    ["case 'keys':", `case 'forms':\n        return reply(await forms(), state);\n      case 'keys':`],
    ['const n = (state.counts[request.key] ?? 0) + request.by;', `const n = (state.counts[request.key] ?? 0) + request.by;\n        ${uses}`],
  ];
  return edits.reduce((text, [from, to]) => replaceOrFail(text, from, to), `${imports}${template}\n${forms}`);
}

test('after hot upgrades of a built release under load, namespace, default, named, re-exported, dynamic and cyclic imports all reach the live version, none of them fails, and a codeChange that mutates the state in place and throws rolls back to the untouched state', { timeout: 300_000 }, async () => {
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const base = mkdtempSync(join(repo, '_build', 'e2e', 'imports-'));
  const deploy = join(base, 'tally', '_build', 'prod', 'rel', 'tally');
  const script = join(deploy, 'bin', 'tally');
  try {
    await ok(run(process.execPath, [otp, 'new', 'app', 'tally', '--quiet'], base), 'otp new');
    const dir = join(base, 'tally');
    const src = (f: string) => join(dir, 'src', f);
    const pkg = join(dir, 'package.json');
    const template = readFileSync(src('tally_server.ts'), 'utf8');
    writeFileSync(src('ledger.ts'), ledgerV1);
    writeFileSync(src('barrel.ts'), barrel);
    writeFileSync(src('audit.ts'), audit);
    writeFileSync(src('book.ts'), book);
    writeFileSync(src('tally_server.ts'), server(template, formsV1, 'ledger.add(n, 0);'));
    await ok(run(process.execPath, [otp, 'release'], dir), 'otp release 0.1.0');

    // At boot: a default import is the default export, and the cycle of namespaces answers.
    assert.match(await ok(run(script, ['daemon'], deploy), 'daemon'), /started tally 0\.1\.0/);
    const forms = () => ok(run(script, ['eval', "genServer.call(ctx, 'tally_server', { op: 'forms' })"], deploy), 'forms');
    const v1 = "'ns:2 default:v1 named:4 star:6 plus:8 cycle:3 dyn:10'";
    assert.equal(await forms(), v1);

    // 0.2.0: ledger gains newFn, which the server calls on every bump; extra is a new module reached by import() only.
    writeFileSync(src('ledger.ts'), ledgerV2);
    writeFileSync(src('extra.ts'), "export function hello(): string {\n  return 'extra';\n}\n");
    writeFileSync(src('book.ts'), bookV2);
    writeFileSync(src('tally_server.ts'), server(template, formsV2, "if (ledger.newFn() !== 'fresh') throw new Error('stale ledger');"));
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.1.0'], dir), 'otp release 0.2.0');
    copyFileSync(join(deploy, 'tally-0.2.0.tar.gz'), join(deploy, 'releases', 'tally-0.2.0.tar.gz'));

    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(deploy, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    const load = await startLoad({ node: 'tally@127.0.0.1', cookie, server: 'tally_server', clients: 4 });
    const v2 = "'ns:fresh default:v2 star:fresh plus:8 cycle:6 dyn:fresh extra:extra'";
    try {
      const calledBefore = async (n: number) => {
        const deadline = Date.now() + 30_000;
        while (load.counts().ok < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(load.counts().ok >= n, `the load made ${n} calls`);
      };
      await calledBefore(20);
      assert.match(await ok(run(script, ['upgrade', '0.2.0'], deploy), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
      assert.equal(await forms(), v2);
      await calledBefore(load.counts().ok + 20);

      assert.match(await ok(run(script, ['downgrade', '0.1.0'], deploy), 'downgrade'), /downgraded 0\.2\.0 → 0\.1\.0/);
      assert.equal(await forms(), v1);
      await calledBefore(load.counts().ok + 20);

      // The same modules a second time: nothing of the first upgrade is left over.
      assert.match(await ok(run(script, ['upgrade', '0.2.0'], deploy), 'upgrade again'), /upgraded 0\.1\.0 → 0\.2\.0/);
      assert.equal(await forms(), v2);
      await calledBefore(load.counts().ok + 20);

      // 0.3.0's codeChange converts the counts IN PLACE, then throws: the rollback must give back the counts
      // as they were, or the load's next answers would not follow on (every client checks n === last + 1).
      writeFileSync(src('tally_server.ts'), replaceOrFail(
        server(template, formsV2, "if (ledger.newFn() !== 'fresh') throw new Error('stale ledger');"),
        /codeChange: .*\n/,
        "codeChange: (_oldVsn: unknown, state: any) => {\n    for (const key of Object.keys(state.counts)) state.counts[key] *= 1000;\n    state.counts.corrupted = 1;\n    throw new Error('half-way through the counts');\n  },\n",
      ));
      writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
      await ok(run(process.execPath, [otp, 'release', '--tar', '--upgrade-from', '0.2.0'], dir), 'otp release 0.3.0');
      const before = load.counts().ok;
      const bad = await run(script, ['upgrade', join(deploy, 'tally-0.3.0.tar.gz')], deploy);
      assert.equal(bad.status, 1, bad.out);
      assert.match(bad.out, /upgrade to 0\.3\.0 rolled back, 0\.2\.0 still runs: .*half-way through the counts/);
      await calledBefore(before + 40);
      assert.equal(await ok(run(script, ['eval', "genServer.call(ctx, 'tally_server', { op: 'count', key: 'corrupted' })"], deploy), 'count'), '0', 'the in-place change is gone');
      assert.equal(await forms(), v2);
    } finally {
      const counts = await load.stop();
      assert.deepEqual({ failed: counts.failed, outOfOrder: counts.outOfOrder, duplicated: counts.duplicated }, { failed: 0, outOfOrder: 0, duplicated: 0 }, counts.errors.join('; '));
    }
    assert.equal(await ok(run(script, ['stop'], deploy), 'stop'), 'stopped');
  } finally {
    await run(script, ['stop'], deploy);
    rmSync(base, { recursive: true, force: true });
  }
});
