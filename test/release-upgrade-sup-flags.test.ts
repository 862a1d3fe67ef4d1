// A built release whose top supervisor changes its restart strategy and intensity in the same upgrade batch that
// adds one child and removes another, with 1,000 gen_servers under a second supervisor migrated by codeChange.
// First an upgrade whose codeChange mutates every state in place and throws in ONE of the 1,000: rolled back, the
// flags, the children and all 1,000 states exactly as before, the node serving. Then the operator's mistakes: the
// running version, one not unpacked, one below the first. Then two upgrades to the good version at once: one
// installs it (each state migrated once), the other is refused; the new flags show in the supervisor's state and a
// child's crash restarts its siblings, as oneForAll does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from './support/run.ts';
import { namedWorkerSource } from './support/upgrade-project.ts';
import { fileReleaseProject } from './support/release-project.ts';
import { replaceOrFail, waitFor } from './support/wait.ts';

const NAME = 'flock';
const project = await fileReleaseProject(NAME);
const { dir } = project;

// cell: a gen_server per number; its state holds a Map so an in-place codeChange can damage it.
const cell = (codeChange: string) => `import { genServer, ok, reply, noreply, type GenServer, type ProcessContext } from '@otp-ts/runtime';

type State = { n: number; hits: number; tags: Map<string, number> };

export const cell: GenServer<State, 'hit' | 'get', never, number | string> = {
  name: 'cell',
  init: (n: number) => ok({ n, hits: 0, tags: new Map([['born', n]]) }),
  handleCall: (request, _from, state) => {
    if (request === 'get') return reply(state.n + ':' + state.hits + ':' + [...state.tags].map(([k, v]) => k + '=' + v).join('/'), state);
    state.hits += 1;
    return reply(state.hits, state);
  },
  handleCast: (_request, state) => noreply(state),
  ${codeChange}
};

export const startCell = (ctx: ProcessContext, n: number) => genServer.startLink(ctx, cell, n);
`;

const cellsSup = `import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { startCell } from './cell.ts';

export const cellsSup: Supervisor<void> = {
  name: 'cells_sup',
  init: () => ({
    flags: { strategy: 'oneForOne', intensity: 5, period: 10 },
    children: Array.from({ length: 1000 }, (_, n) => supervisor.worker('cell_' + n, (ctx) => startCell(ctx, n))),
  }),
};

export const startCells = (ctx: import('@otp-ts/runtime').ProcessContext) => supervisor.startLink(ctx, cellsSup, undefined, { name: 'cells_sup' });
`;

const worker = namedWorkerSource;

// The top supervisor: its flags and its third child are what the upgrade changes.
const sup = (template: string, flags: string, third: string) =>
  replaceOrFail(
    replaceOrFail(
      replaceOrFail(template, `import { startLink } from './${NAME}_server.ts';`, `import { startLink } from './${NAME}_server.ts';\nimport { startCells } from './cells_sup.ts';\nimport { start_${third} } from './${third}.ts';`),
      "flags: { strategy: 'oneForOne', intensity: 5, period: 10 },",
      `flags: ${flags},`,
    ),
    `children: [supervisor.worker('${NAME}_server', startLink)],`,
    `children: [supervisor.worker('${NAME}_server', startLink), supervisor.childSupervisor('cells_sup', startCells), supervisor.worker('${third}', start_${third})],`,
  );

const OLD_FLAGS = "{ strategy: 'oneForOne', intensity: 5, period: 10 }";
const NEW_FLAGS = "{ strategy: 'oneForAll', intensity: 7, period: 30 }";

test('an upgrade that changes the top supervisor\'s flags and children rolls back whole when one of 1,000 codeChanges throws; the operator\'s mistakes are refused; two upgrades at once install once; the new flags then rule restarts', { timeout: 900_000 }, async () => {
  const src = (f: string) => join(dir, 'src', f);
  const bumpVersion = (from: string, to: string) => writeFileSync(join(dir, 'package.json'), replaceOrFail(readFileSync(join(dir, 'package.json'), 'utf8'), `"version": "${from}"`, `"version": "${to}"`));
  const evalOn = (code: string) => ok(project.run(['eval', code]), code);
  const flags = () => evalOn(`sys.getState(ctx, '${NAME}_sup').then((s) => JSON.stringify(s.flags))`);
  const children = () => evalOn(`supervisor.whichChildren(ctx, '${NAME}_sup').then((c) => c.map((x) => x.id).sort().join())`);
  // Every cell's state, in order, as one line (the eval's answer is bounded in length, so a digest plus samples).
  const cells = () =>
    evalOn(
      "supervisor.whichChildren(ctx, 'cells_sup').then(async (cs) => { const xs = []; for (const c of cs.sort((a, b) => Number(a.id.slice(5)) - Number(b.id.slice(5)))) xs.push(await genServer.call(ctx, c.pid, 'get')); return xs; }).then((xs) => { let h = 0; const all = xs.join('|'); for (let i = 0; i < all.length; i++) h = (h * 31 + all.charCodeAt(i)) >>> 0; return xs.length + ' ' + h + ' ' + xs[0] + ' ' + xs[617] + ' ' + xs[999]; })",
    );

  await project.create();
  const supTemplate = readFileSync(src(`${NAME}_sup.ts`), 'utf8');
  writeFileSync(src('cell.ts'), cell(''));
  writeFileSync(src('cells_sup.ts'), cellsSup);
  writeFileSync(src('old_worker.ts'), worker('old_worker'));
  writeFileSync(src(`${NAME}_sup.ts`), sup(supTemplate, OLD_FLAGS, 'old_worker'));
  await ok(project.otp(['release']), 'otp release 0.1.0');
  assert.match(await ok(project.run(['daemon']), 'daemon'), /started flock 0\.1\.0/);

  // Each cell n is hit n % 7 times, so the 1,000 states differ.
  await evalOn("supervisor.whichChildren(ctx, 'cells_sup').then(async (cs) => { for (const c of cs) for (let i = 0; i < Number(c.id.slice(5)) % 7; i++) await genServer.call(ctx, c.pid, 'hit'); return cs.length; })");
  const before = await cells();
  assert.match(before, /^'1000 \d+ 0:0:born=0 617:1:born=617 999:5:born=999'$/);
  const oldFlags = await flags();
  assert.equal(oldFlags, `'{"strategy":"oneForOne","intensity":5,"period":10,"autoShutdown":"never"}'`);
  assert.equal(await children(), "'cells_sup,flock_server,old_worker'");

  // 0.2.0: new flags, old_worker out and new_worker in, and a codeChange that damages every state in place and throws in cell 617.
  writeFileSync(src('cell.ts'), cell("codeChange: (_old, state) => {\n    state.hits += 1000;\n    state.tags.set('v2', 1);\n    state.tags.delete('born');\n    if (state.n === 617) throw new Error('cell 617 refuses');\n    return state;\n  },"));
  writeFileSync(src('new_worker.ts'), worker('new_worker'));
  writeFileSync(src(`${NAME}_sup.ts`), sup(supTemplate, NEW_FLAGS, 'new_worker'));
  bumpVersion('0.1.0', '0.2.0');
  await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
  const bad = await project.run(['upgrade', '0.2.0']);
  assert.equal(bad.status, 1, bad.out);
  assert.match(bad.stderr, /^flock: upgrade to 0\.2\.0 rolled back, 0\.1\.0 still runs: .*cell 617 refuses$/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.equal(await cells(), before, 'all 1,000 states exactly as before');
  assert.equal(await flags(), oldFlags);
  assert.equal(await children(), "'cells_sup,flock_server,old_worker'");
  assert.equal(await evalOn("genServer.call(ctx, 'old_worker', 'hi')"), "'old_worker:hi'");

  // 0.3.0 (from 0.1.0): the same changes, and a codeChange that succeeds.
  writeFileSync(src('cell.ts'), cell("codeChange: (old, state) => {\n    if (typeof old === 'object' && old !== null && 'down' in old) {\n      state.tags.set('down', 1);\n      return state;\n    }\n    state.hits += 1000;\n    state.tags.set('v3', 1);\n    return state;\n  },"));
  bumpVersion('0.2.0', '0.3.0');
  await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.3.0');

  // The operator's mistakes: each one line, exit 2, nothing changed.
  const running = await project.run(['upgrade', '0.1.0']);
  assert.equal(running.status, 2, running.out);
  assert.equal(running.stderr.trim().split('\n').length, 1, running.stderr);
  assert.match(running.stderr, /0\.1\.0/);
  const missing = await project.run(['upgrade', '0.9.0']);
  assert.equal(missing.status, 2, missing.out);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  const below = await project.run(['downgrade', '0.0.1']);
  assert.equal(below.status, 2, below.out);
  assert.equal(below.stderr.trim().split('\n').length, 1, below.stderr);
  const self = await project.run(['downgrade', '0.1.0']);
  assert.equal(self.status, 2, self.out);
  assert.equal(self.stderr.trim().split('\n').length, 1, self.stderr);
  // '.' and '..' are folders, not versions unpacked in part.
  for (const args of [['upgrade', '.'], ['upgrade', '..'], ['downgrade', '.'], ['unpack', '..']]) {
    const dots = await project.run(args);
    assert.equal(dots.status, 2, `${args.join(' ')}: ${dots.out}`);
    assert.equal(dots.stderr.trim().split('\n').length, 1, dots.stderr);
    assert.doesNotMatch(dots.stderr, /not unpacked here|releases\/\.{1,2}\//, dots.stderr);
  }
  assert.equal(await cells(), before);

  // Two upgrades to 0.3.0 at once: one installs it, the other is refused in one line; each state migrated once.
  const both = await Promise.all([project.run(['upgrade', '0.3.0']), project.run(['upgrade', '0.3.0'])]);
  const statuses = both.map((r) => r.status).sort();
  assert.equal(statuses[0], 0, both.map((r) => r.out).join('\n'));
  assert.ok(statuses[1] === 1 || statuses[1] === 2, both.map((r) => r.out).join('\n'));
  const refused = both.find((r) => r.status !== 0)!;
  assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
  const after = await cells();
  assert.match(after, /^'1000 \d+ 0:1000:born=0\/v3=1 617:1001:born=617\/v3=1 999:1005:born=999\/v3=1'$/);
  assert.equal(await flags(), `'{"strategy":"oneForAll","intensity":7,"period":30,"autoShutdown":"never"}'`);
  assert.equal(await children(), "'cells_sup,flock_server,new_worker'");

  // oneForAll: a crash of flock_server restarts new_worker (and the cells) too.
  const pidOf = (name: string) => evalOn(`String(whereis('${name}'))`);
  const workerBefore = await pidOf('new_worker');
  await evalOn(`ctx.exit(whereis('${NAME}_server'), 'kill'), 'ok'`);
  // A pid other than the one before: new_worker was restarted with its sibling.
  const restarted = async (name: string, before: string): Promise<string | undefined> => {
    const now = await pidOf(name);
    return now !== before && now !== "'undefined'" ? now : undefined;
  };
  await waitFor('new_worker restarted with its sibling', () => restarted('new_worker', workerBefore), { ms: 60_000, everyMs: 100 });
  assert.match(await cells(), /^'1000 \d+ 0:0:born=0 617:0:born=617 999:0:born=999'$/, 'the cells were restarted too');
  assert.match(await ok(project.run(['versions']), 'versions'), /0\.3\.0.*permanent/);

  // Mistakes the other way: upgrade to a version below, downgrade to one no relup leads down to: one line, exit 2.
  const upBelow = await project.run(['upgrade', '0.1.0']);
  assert.equal(upBelow.status, 2, upBelow.out);
  assert.equal(upBelow.stderr.trim().split('\n').length, 1, upBelow.stderr);
  assert.match(upBelow.stderr, /downgrade 0\.1\.0/);
  const sideways = await project.run(['downgrade', '0.2.0']);
  assert.equal(sideways.status, 2, sideways.out);
  assert.equal(sideways.stderr.trim().split('\n').length, 1, sideways.stderr);

  // The downgrade puts the old flags and children back; the leaving version's codeChange gets { down }.
  assert.match(await ok(project.run(['downgrade', '0.1.0']), 'downgrade'), /downgraded 0\.3\.0 → 0\.1\.0/);
  assert.equal(await flags(), oldFlags);
  assert.equal(await children(), "'cells_sup,flock_server,old_worker'");
  assert.match(await cells(), /^'1000 \d+ 0:0:born=0\/down=1 617:0:born=617\/down=1 999:0:born=999\/down=1'$/);
  // oneForOne again: a crash of flock_server leaves old_worker as it was.
  const oldWorker = await pidOf('old_worker');
  const serverBefore = await pidOf(`${NAME}_server`);
  await evalOn(`ctx.exit(whereis('${NAME}_server'), 'kill'), 'ok'`);
  await waitFor('flock_server restarted', () => restarted(`${NAME}_server`, serverBefore), { ms: 60_000, everyMs: 100 });
  assert.equal(await pidOf('old_worker'), oldWorker, 'its sibling was not');
});
