// A gen_event manager in a built release whose handler module changes: upgraded and downgraded live while
// clients on another OS process send it events (each a syncNotify the handler counts, then a call that reads the
// count back), so an event lost or handled twice shows as an answer that is not the previous one plus one. The
// handler's codeChange runs both ways ({ down } on the way back) and its state (a Map of counts) is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLoad } from '../bench/lib/call-load.ts';
import { ok } from './support/run.ts';
import { fileReleaseProject } from './support/release-project.ts';
import { replaceOrFail } from './support/wait.ts';

const NAME = 'herald';
const project = await fileReleaseProject(NAME);
const { dir, rel } = project;

// tally: the handler; its state counts events per key and says which version migrated it last.
const tally = (codeChange: string) => `import { genEvent, type GenEventHandler } from '@otp-ts/runtime';

export type Ev = { key: string };
type State = { counts: Map<string, number>; v: string };
type Req = { op: 'count'; key: string } | { op: 'v' };

export const tally: GenEventHandler<State, Ev, Req, number | string> = {
  name: 'tally',
  init: () => genEvent.ok({ counts: new Map(), v: 'v1' }),
  handleEvent: (event, state) => {
    state.counts.set(event.key, (state.counts.get(event.key) ?? 0) + 1);
    return genEvent.ok(state);
  },
  handleCall: (request, state) => genEvent.reply(request.op === 'v' ? state.v + ' keys=' + state.counts.size : (state.counts.get(request.key) ?? 0), state),
  ${codeChange}
};
`;

// feeder: unchanged across versions; a bump is an event to the manager, then the handler's count read back.
const feeder = `import { genEvent, genServer, ok, reply, noreply, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import { tally } from './tally.ts';

type Call = { op: 'bump'; key: string; by: number } | { op: 'v' };

export const feeder: GenServer<null, Call, never, unknown> = {
  name: 'feeder',
  init: () => ok(null),
  handleCall: async (request, _from, state, ctx) => {
    if (request.op === 'v') return reply((await genEvent.call(ctx, 'herald_events', tally, { op: 'v' })) + ' twin ' + (await genEvent.call(ctx, 'herald_events', { handler: tally, id: 'twin' }, { op: 'v' })), state);
    await genEvent.syncNotify(ctx, 'herald_events', { key: request.key });
    return reply(await genEvent.call(ctx, 'herald_events', tally, { op: 'count', key: request.key }), state);
  },
  handleCast: (_request, state) => noreply(state),
};

export const startFeeder = (ctx: ProcessContext) => genServer.startLink(ctx, feeder, undefined, { name: 'feeder' });

export async function startEvents(ctx: ProcessContext) {
  const pid = await genEvent.startLink(ctx, { name: 'herald_events' });
  await genEvent.addHandler(ctx, pid, tally, undefined);
  await genEvent.addHandler(ctx, pid, { handler: tally, id: 'twin' }, undefined);
  return pid;
}
`;

test('a gen_event handler module changed by an upgrade and back by a downgrade under events: codeChange runs both ways, its state is kept, no event lost or handled twice', { timeout: 900_000 }, async () => {
  const src = (f: string) => join(dir, 'src', f);
  const evalOn = (code: string) => ok(project.run(['eval', code]), code);
  const version = () => evalOn("genServer.call(ctx, 'feeder', { op: 'v' })");
  await project.create();
  writeFileSync(src('tally.ts'), tally(''));
  writeFileSync(src('feeder.ts'), feeder);
  const supFile = src(`${NAME}_sup.ts`);
  writeFileSync(
    supFile,
    replaceOrFail(
      replaceOrFail(readFileSync(supFile, 'utf8'), `import { startLink } from './${NAME}_server.ts';`, `import { startLink } from './${NAME}_server.ts';\nimport { startEvents, startFeeder } from './feeder.ts';`),
      `children: [supervisor.worker('${NAME}_server', startLink)],`,
      `children: [supervisor.worker('${NAME}_server', startLink), supervisor.worker('herald_events', startEvents), supervisor.worker('feeder', startFeeder)],`,
    ),
  );
  await ok(project.otp(['release']), 'otp release 0.1.0');
  assert.match(await ok(project.run(['daemon']), 'daemon'), /started herald 0\.1\.0/);
  assert.equal(await version(), "'v1 keys=0 twin v1 keys=0'");

  writeFileSync(src('tally.ts'), tally("codeChange: (old, state) => {\n    const down = typeof old === 'object' && old !== null && 'down' in old;\n    state.v = down ? 'v1 back from v2' : 'v2 from ' + String(old);\n    return state;\n  },"));
  writeFileSync(join(dir, 'package.json'), replaceOrFail(readFileSync(join(dir, 'package.json'), 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
  await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
  const relup = readFileSync(join(rel, 'releases', '0.2.0', 'relup.json'), 'utf8');
  assert.match(relup, /"behaviour":\s*"gen_event"/, relup);

  const cookie = /--setcookie\s+(\S+)/.exec(readFileSync(join(rel, 'releases', '0.1.0', 'node.args'), 'utf8'))![1]!;
  const load = await startLoad({ node: `${NAME}@127.0.0.1`, cookie, server: 'feeder', clients: 4 });
  const twentyMore = async () => {
    const target = load.counts().ok + 20;
    const deadline = Date.now() + 60_000;
    while (load.counts().ok < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(load.counts().ok >= target, `20 more events: ${JSON.stringify(load.counts())}`);
  };
  try {
    await twentyMore();
    assert.match(await ok(project.run(['upgrade', '0.2.0']), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);
    await twentyMore();
    assert.equal(await version(), "'v2 from 0.1.0 keys=4 twin v2 from 0.1.0 keys=4'", 'codeChange ran once on each kept state');
    assert.match(await ok(project.run(['downgrade', '0.1.0']), 'downgrade'), /downgraded 0\.2\.0 → 0\.1\.0/);
    await twentyMore();
    assert.equal(await version(), "'v1 back from v2 keys=4 twin v1 back from v2 keys=4'", 'the leaving version migrated the state back');

    // 0.3.0's codeChange empties the Map in place and throws for the twin only: rolled back, both states exactly as
    // they were (the load's counts go on from where they were), the handlers still installed.
    writeFileSync(src('tally.ts'), tally("codeChange: (_old, state) => {\n    state.counts.clear();\n    state.v = 'damaged';\n    if (state.counts.size === 0 && twins++ === 1) throw new Error('the twin refuses');\n    return state;\n  },").replace('export const tally', 'let twins = 0;\nexport const tally'));
    writeFileSync(join(dir, 'package.json'), replaceOrFail(readFileSync(join(dir, 'package.json'), 'utf8'), '"version": "0.2.0"', '"version": "0.3.0"'));
    await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.3.0');
    const bad = await project.run(['upgrade', '0.3.0']);
    assert.equal(bad.status, 1, bad.out);
    assert.match(bad.stderr, /^herald: upgrade to 0\.3\.0 rolled back, 0\.1\.0 still runs: .*the twin refuses\n?$/);
    await twentyMore();
    assert.equal(await version(), "'v1 back from v2 keys=4 twin v1 back from v2 keys=4'", 'both handler states as they were');
    assert.equal(await evalOn("genEvent.whichHandlers(ctx, 'herald_events').then((hs) => hs.length)"), '2');
  } finally {
    const counts = await load.stop();
    assert.deepEqual({ failed: counts.failed, outOfOrder: counts.outOfOrder, duplicated: counts.duplicated }, { failed: 0, outOfOrder: 0, duplicated: 0 }, counts.errors.join('; '));
  }
});
