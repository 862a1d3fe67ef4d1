// A built release on its own node, under calls to a gen_server and a gen_statem from another OS process, upgraded
// live where one batch adds a supervisor child and removes another, the gen_statem's data (a Map and a Set) is
// mutated in place by its codeChange, and the statem reaches two changed modules that import each other through
// a namespace import. Then a codeChange that mutates the Map and the Set in place and throws is rolled back: the
// data exactly as before, no call failed or lost, and the node serves after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoad } from '../bench/lib/call-load.ts';
import { ok } from './support/run.ts';
import { namedWorkerSource } from './support/upgrade-project.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { replaceOrFail } from './support/wait.ts';

// The node and the loads register with this file's own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();

// rules and limits import each other as namespaces; 0.2.0 changes both and adds rules.fresh, which meter calls on every bump.
const rules = (v: number) => `import * as limits from './limits.ts';
export function step(): number {
  return limits.one();
}
export function tag(): string {
  return 'r${v}';
}
export function both(): string {
  return limits.tag();
}
${v === 2 ? "export function fresh(): string {\n  return 'fresh';\n}\n" : ''}`;
const limits = (v: number) => `import * as rules from './rules.ts';
export function one(): number {
  return 1;
}
export function tag(): string {
  return 'l${v}+' + rules.tag();
}
`;

// meter: a gen_statem whose data is a Map of counts and a Set of keys seen; `codeChange` is the 0.2.0+ migration.
const meter = (uses: string, codeChange: string) => `import { genStatem, type GenStatem, type ProcessContext } from '@otp-ts/runtime';
import * as rules from './rules.ts';

type Data = { counts: Map<string, number>; seen: Set<string> };
type Call = { op: 'bump'; key: string; by: number } | { op: 'peek' };

export const meter: GenStatem<'on', Data, Call, never, unknown, void> = {
  name: 'meter',
  callbackMode: 'stateFunctions',
  init: () => genStatem.ok('on', { counts: new Map(), seen: new Set() }),
  states: {
    on(event, data) {
      if (event.type !== 'call') return genStatem.keepStateAndData();
      const request = event.content;
      if (request.op === 'peek') {
        const counts = [...data.counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => k + '=' + v).join(',');
        return genStatem.keepStateAndData([genStatem.reply(event.from, counts + ' seen:' + [...data.seen].sort().join(',') + ' tags:' + rules.both())]);
      }
      ${uses}
      const n = (data.counts.get(request.key) ?? 0) + request.by * rules.step();
      data.counts.set(request.key, n);
      data.seen.add(request.key);
      return genStatem.keepState(data, [genStatem.reply(event.from, n)]);
    },
  },
  ${codeChange}
};

export const startMeter = (ctx: ProcessContext) => genStatem.startLink(ctx, meter, undefined, { name: 'meter' });
`;

const worker = namedWorkerSource;

const sup = (template: string, worker: string) =>
  replaceOrFail(
    replaceOrFail(template, "import { startLink } from './gauge_server.ts';", `import { startLink } from './gauge_server.ts';\nimport { startMeter } from './meter.ts';\nimport { start_${worker} } from './${worker}.ts';`),
    "children: [supervisor.worker('gauge_server', startLink)],",
    `children: [supervisor.worker('gauge_server', startLink), supervisor.worker('meter', startMeter), supervisor.worker('${worker}', start_${worker})],`,
  );

test('a release upgraded under calls adds and removes supervisor children in one batch, migrates a gen_statem Map and Set in place through cyclic namespace imports, and rolls a throwing in-place codeChange back to the exact data', { timeout: 600_000 }, async () => {
  const project = releaseProject('gauge');
  const { dir, rel } = project;
  const src = (f: string) => join(dir, 'src', f);
  const bumpVersion = (from: string, to: string) => writeFileSync(join(dir, 'package.json'), replaceOrFail(readFileSync(join(dir, 'package.json'), 'utf8'), `"version": "${from}"`, `"version": "${to}"`));
  const evalOn = (code: string) => ok(project.run(['eval', code]), code);
  const peek = () => evalOn("genServer.call(ctx, 'meter', { op: 'peek' })");
  const children = () => evalOn("supervisor.whichChildren(ctx, 'gauge_sup').then((c) => c.map((x) => x.id).sort().join())");
  try {
    await project.create();
    const supTemplate = readFileSync(src('gauge_sup.ts'), 'utf8');
    writeFileSync(src('rules.ts'), rules(1));
    writeFileSync(src('limits.ts'), limits(1));
    writeFileSync(src('meter.ts'), meter('', ''));
    writeFileSync(src('old_worker.ts'), worker('old_worker'));
    writeFileSync(src('gauge_sup.ts'), sup(supTemplate, 'old_worker'));
    await ok(project.otp(['release']), 'otp release 0.1.0');
    assert.match(await ok(project.run(['daemon']), 'daemon'), /started gauge 0\.1\.0/);
    assert.equal(await children(), "'gauge_server,meter,old_worker'");
    assert.equal(await peek(), "' seen: tags:l1+r1'");

    // 0.2.0: old_worker goes and new_worker comes in the same batch; rules and limits both change; meter calls
    // rules.fresh (new in 0.2.0) on every bump and its codeChange mutates the Map and the Set in place.
    writeFileSync(src('rules.ts'), rules(2));
    writeFileSync(src('limits.ts'), limits(2));
    writeFileSync(src('meter.ts'), meter("if (rules.fresh() !== 'fresh') throw new Error('stale rules');", "codeChange: (_old, state, data) => {\n    data.counts.set('migrated', 1);\n    data.seen.add('v2');\n    return { state, data };\n  },"));
    writeFileSync(src('new_worker.ts'), worker('new_worker'));
    writeFileSync(src('gauge_sup.ts'), sup(supTemplate, 'new_worker'));
    bumpVersion('0.1.0', '0.2.0');
    await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');

    const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
    const loads = [
      await startLoad({ node: 'gauge@127.0.0.1', cookie, server: 'gauge_server', clients: 4 }),
      await startLoad({ node: 'gauge@127.0.0.1', cookie, server: 'meter', clients: 4 }),
    ];
    // Waits until each load has made 20 more calls than now: the node serves both.
    const twentyMore = async () => {
      const targets = loads.map((load) => load.counts().ok + 20);
      const deadline = Date.now() + 60_000;
      while (loads.some((load, i) => load.counts().ok < targets[i]!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      loads.forEach((load, i) => assert.ok(load.counts().ok >= targets[i]!, `load ${i} made 20 more calls`));
    };
    try {
      await twentyMore();
      assert.match(await ok(project.run(['upgrade', '0.2.0']), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
      assert.equal(await children(), "'gauge_server,meter,new_worker'", 'old_worker removed and new_worker added');
      assert.equal(await evalOn("genServer.call(ctx, 'new_worker', 'hi')"), "'new_worker:hi'");
      await twentyMore();
      const migrated = await peek();
      assert.match(migrated, /migrated=1/);
      assert.match(migrated, / seen:.*\bv2\b.* tags:l2\+r2'$/);

      // 0.3.0's codeChange doubles the counts and empties the Set in place, then throws: rolled back.
      writeFileSync(src('meter.ts'), meter("if (rules.fresh() !== 'fresh') throw new Error('stale rules');", "codeChange: (_old, _state, data) => {\n    for (const [k, v] of data.counts) data.counts.set(k, v * 1000);\n    data.counts.set('corrupted', 1);\n    data.seen.clear();\n    throw new Error('half-way through the meter');\n  },"));
      bumpVersion('0.2.0', '0.3.0');
      await ok(project.otp(['release', '--upgrade-from', '0.2.0']), 'otp release 0.3.0');
      // The loads keep changing the counts, so a rollback shows as: no 'corrupted' key, the Set as it was, and
      // counts that go on from where they were (each load checks every answer is its previous one plus one).
      const bad = await project.run(['upgrade', '0.3.0']);
      assert.equal(bad.status, 1, bad.out);
      assert.match(bad.out, /upgrade to 0\.3\.0 rolled back, 0\.2\.0 still runs: .*half-way through the meter/);
      await twentyMore();
      const after = await peek();
      assert.doesNotMatch(after, /corrupted/);
      assert.match(after, /migrated=1 /);
      const seen = (peeked: string) => / seen:(\S*) /.exec(peeked)?.[1];
      assert.equal(seen(after), seen(migrated), 'the Set is as it was');
      assert.match(after, / tags:l2\+r2'$/);
      assert.equal(await children(), "'gauge_server,meter,new_worker'");

      // 0.4.0's codeChange is async, mutates in place after an await and returns the data alone (no state): rolled back too.
      writeFileSync(src('meter.ts'), meter("if (rules.fresh() !== 'fresh') throw new Error('stale rules');", "codeChange: async (_old, _state, data) => {\n    await new Promise((r) => setImmediate(r));\n    data.counts.clear();\n    data.seen.add('corrupted');\n    return data as never;\n  },"));
      bumpVersion('0.3.0', '0.4.0');
      await ok(project.otp(['release', '--upgrade-from', '0.2.0']), 'otp release 0.4.0');
      const wrong = await project.run(['upgrade', '0.4.0']);
      assert.equal(wrong.status, 1, wrong.out);
      assert.match(wrong.out, /upgrade to 0\.4\.0 rolled back, 0\.2\.0 still runs: /);
      await twentyMore();
      const afterWrong = await peek();
      assert.doesNotMatch(afterWrong, /corrupted/);
      assert.equal(seen(afterWrong), seen(migrated), 'the Set is as it was');
      assert.match(afterWrong, /migrated=1 /);
    } finally {
      for (const load of loads) {
        const counts = await load.stop();
        assert.deepEqual({ failed: counts.failed, outOfOrder: counts.outOfOrder, duplicated: counts.duplicated }, { failed: 0, outOfOrder: 0, duplicated: 0 }, counts.errors.join('; '));
      }
    }
    assert.equal(await ok(project.run(['stop']), 'stop'), 'stopped');
  } finally {
    await project.remove();
  }
});
