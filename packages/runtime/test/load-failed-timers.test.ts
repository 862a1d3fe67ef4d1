// A module whose top level starts timers and then throws never loads: nothing could purge code its timers keep running,
// so they are cleared. So are those of the versions an upgrade evaluated and then did not install (a batch member
// whose neighbour failed, a rolled-back codeChange). A top level that succeeds keeps its timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer, upgradeModules, type GenServer } from '@otp-ts/runtime';
import { withNode, compileModule, codeServerFor } from './helpers.ts';

const hits = globalThis as unknown as { timerHits?: Record<string, number> };
const globalTimers = [globalThis.setTimeout, globalThis.setInterval, globalThis.setImmediate];

// Top-level code counting each timer kind's runs in globalThis.timerHits[tag]: a 1 ms timeout, a 1 ms interval (which
// ends itself after 2000 runs, so that no test leaves it running), an immediate.
const startsTimers = (tag: string) => `
const h = ((globalThis as any).timerHits ??= {});
h['${tag}'] = 0;
setTimeout(() => h['${tag}']++, 1);
let runs = 0;
const i = globalThis.setInterval(() => { h['${tag}']++; if (++runs > 2000) clearInterval(i); }, 1);
setImmediate(() => h['${tag}']++);`;

// Resolves once every timer started before it with a shorter delay has run: Node runs timers in expiry order, and
// immediates before the next timers phase; this is ordering, not a guess at how long anything takes.
const afterEarlierTimers = () => new Promise((resolve) => setTimeout(resolve, 10));

test("a module whose top level throws after starting timers leaves none of them running; one that loads keeps its own", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const failing = compileModule('t/failing', `${startsTimers('failing')}\nthrow new Error('bad config');\nexport const x = 1;`, '1');
    await assert.rejects(code.load(failing), /module t\/failing failed to load: bad config/);
    await code.load(compileModule('t/fine', `${startsTimers('fine')}\nexport const x = 1;`, '1'));
    await afterEarlierTimers();
    assert.equal(hits.timerHits!['failing'], 0, "the failed top level's timers never ran");
    assert.ok(hits.timerHits!['fine']! >= 3, `the loaded module's timers ran (${hits.timerHits!['fine']})`);
    assert.deepEqual([globalThis.setTimeout, globalThis.setInterval, globalThis.setImmediate], globalTimers, 'the global timer functions are those from before the loads');
  });
});

test('a top level may keep util.promisify(setTimeout) as a sleep, and a sleep it made still works after its load', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    await code.load(compileModule('t/sleepy', "import { promisify } from 'node:util';\nconst sleep = promisify(setTimeout);\nexport const nap = async () => { await sleep(1, 'rested'); return sleep(1, 'again'); };", '1'));
    assert.equal(await (code.exportsOf('t/sleepy') as { nap(): Promise<string> }).nap(), 'again');
  });
});

test("a purge stops the timers its version's top level started, as it kills the processes running that version", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const version = (v: number) => compileModule('t/sweeper', `${startsTimers(`sweeper${v}`)}\nexport const v = ${v};`, String(v));
    await code.load(version(1));
    await code.load(version(2));
    await code.load(version(3)); // purges 1
    await node.run(async (ctx) => {
      await upgradeModules(ctx, code, [version(4)]); // purges 2
    });
    code.purge('t/sweeper'); // purges 3
    await afterEarlierTimers();
    for (const v of [1, 2, 3]) hits.timerHits![`sweeper${v}`] = 0;
    hits.timerHits!['sweeper4'] = 0;
    await afterEarlierTimers();
    assert.deepEqual([1, 2, 3, 4].map((v) => hits.timerHits![`sweeper${v}`]), [0, 0, 0, hits.timerHits!['sweeper4']]);
    assert.ok(hits.timerHits!['sweeper4']! > 0, 'the current version keeps its interval');
  });
});

test('an upgrade adding back the very version a delete left old revives it, with no second copy of its timers', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const user = compileModule('t/user', "export const u = 1;", '1');
    await code.loadAll([compileModule('t/revived', `${startsTimers('revived')}\nexport const v = 1;`, '1'), user]);
    code.delete('t/revived');
    await node.run(async (ctx) => {
      await upgradeModules(ctx, code, [compileModule('t/user', "import { v } from './revived';\nexport const u = v;", '2')], { added: [compileModule('t/revived', `${startsTimers('revived2')}\nexport const v = 1;`, '1')] });
    });
    assert.deepEqual(code.versions('t/revived'), { current: '1', old: undefined });
    await afterEarlierTimers();
    assert.equal(hits.timerHits!['revived2'], 0, "the discarded evaluation's timers never ran");
  });
});

test("an upgrade that fails or rolls back clears the timers of the new versions' top levels it evaluated", async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const server = (v: number, body: string) =>
      compileModule('t/srv', `import { ok, reply } from '@otp-ts/runtime';\n${body}\nexport const srv = { init: () => ok(${v}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s), codeChange: (_o: unknown, s: number) => { if (${v} === 3) throw new Error('cannot migrate'); return s + 1; } };`, String(v));
    await code.load(server(1, ''));
    await code.load(compileModule('t/x', 'export const y = 1;', '1'));
    await node.run(async (ctx) => {
      const pid = await genServer.start(ctx, (code.exportsOf('t/srv') as { srv: GenServer<number, 'get', never, number, undefined> }).srv, undefined);
      // The batch's first member evaluates (its timers start), the second throws: neither is installed.
      await assert.rejects(upgradeModules(ctx, code, [server(2, startsTimers('batch')), compileModule('t/x', "throw new Error('broken');", '2')]), /t\/x/);
      // Evaluated and installed, then rolled back by a codeChange that throws.
      await assert.rejects(upgradeModules(ctx, code, [server(3, startsTimers('rolledBack'))]), /cannot migrate/);
      await afterEarlierTimers();
      assert.deepEqual([hits.timerHits!['batch'], hits.timerHits!['rolledBack']], [0, 0]);
      assert.equal(await genServer.call(ctx, pid, 'get'), 1, 'the server runs on version 1, its state untouched');
      assert.deepEqual(code.versions('t/srv'), { current: '1', old: undefined });
    });
  });
});

// The same counting, with the timers taken from Node's timers modules rather than the globals.
const viaModules = {
  named: (tag: string) => `import { setInterval as every, setTimeout as once } from 'node:timers';
const h = ((globalThis as any).timerHits ??= {});
h['${tag}'] = 0;
once(() => h['${tag}']++, 1);
let runs = 0;
const i = every(() => { h['${tag}']++; if (++runs > 2000) clearInterval(i); }, 1);`,
  required: (tag: string) => `const timers = require('timers');
const h = ((globalThis as any).timerHits ??= {});
h['${tag}'] = 0;
let runs = 0;
const i = timers.setInterval(() => { h['${tag}']++; if (++runs > 2000) timers.clearInterval(i); }, 1);
timers.setImmediate(() => h['${tag}']++);`,
  promises: (tag: string) => `import { setInterval as every, setTimeout as sleep, scheduler } from 'node:timers/promises';
const h = ((globalThis as any).timerHits ??= {});
h['${tag}'] = 0;
void (async () => { let runs = 0; for await (const _ of every(1)) { h['${tag}']++; if (++runs > 2000) break; } })();
void sleep(1).then(() => h['${tag}']++);
void scheduler.wait(1).then(() => h['${tag}']++);`,
};

for (const [form, body] of Object.entries(viaModules)) {
  test(`timers a top level takes from Node's timers modules (${form}) are its version's: a purge and a failed load clear them, so a reload runs one copy`, async () => {
    await withNode(async (node) => {
      const code = codeServerFor(node);
      const version = (v: number) => compileModule(`t/${form}`, `${body(`${form}${v}`)}\nexport const v = ${v};`, String(v));
      await assert.rejects(code.load(compileModule(`t/${form}-failing`, `${body(`${form}Failing`)}\nthrow new Error('bad config');`, '1')), /failed to load: bad config/);
      await code.load(version(1));
      await code.load(version(2));
      await code.load(version(3)); // purges 1
      code.purge(`t/${form}`); // purges 2
      await afterEarlierTimers();
      for (const tag of [`${form}Failing`, `${form}1`, `${form}2`, `${form}3`]) hits.timerHits![tag] = 0;
      await afterEarlierTimers();
      assert.deepEqual([`${form}Failing`, `${form}1`, `${form}2`].map((tag) => hits.timerHits![tag]), [0, 0, 0], 'no timer of a purged or failed version ran');
      assert.ok(hits.timerHits![`${form}3`]! > 0, 'the current version keeps its interval');
    });
  });
}

// Top-level code spawning a process (through the node a test hands over in globalThis) that waits for messages.
const spawns = (tag: string) => `
const g = globalThis as any;
(g.spawned ??= {})['${tag}'] = g.testNode.spawn(async (ctx: any) => { for (;;) await ctx.receive(); });`;

test('a module whose top level spawns a process and then throws leaves no process running, nor does a batch member evaluated before a failing one', async () => {
  await withNode(async (node) => {
    const g = globalThis as unknown as { testNode?: unknown; spawned?: Record<string, Parameters<typeof node.isAlive>[0]> };
    g.testNode = node;
    try {
      const code = codeServerFor(node);
      await assert.rejects(code.load(compileModule('t/spawner', `${spawns('failing')}\nthrow new Error('bad config');`, '1')), /failed to load: bad config/);
      await code.load(compileModule('t/kept', `${spawns('kept')}\nexport const x = 1;`, '1'));
      await code.load(compileModule('t/y', 'export const y = 1;', '1'));
      await node.run(async (ctx) => {
        await assert.rejects(upgradeModules(ctx, code, [compileModule('t/kept', `${spawns('batch')}\nexport const x = 2;`, '2'), compileModule('t/y', "import { x } from './kept';\nthrow new Error('broken ' + x);", '2')]), /broken 2/);
      });
      assert.equal(node.isAlive(g.spawned!['failing']!), false, "the failed top level's process was killed");
      assert.equal(node.isAlive(g.spawned!['batch']!), false, "the batch member's process was killed with its version");
      assert.equal(node.isAlive(g.spawned!['kept']!), true, 'a loaded top level keeps its process');
    } finally {
      g.testNode = undefined;
    }
  });
});

test("a failed top level that armed the node's own timer queue (a sendAfter) leaves the queue working: receive timeouts still fire", async () => {
  await withNode(async (node) => {
    const g = globalThis as unknown as { testNode?: unknown; sink?: unknown };
    g.testNode = node;
    g.sink = node.spawn(async (ctx) => {
      for (;;) await ctx.receive();
    });
    try {
      const code = codeServerFor(node);
      await assert.rejects(code.load(compileModule('t/arm', "const g = globalThis as any;\ng.testNode.sendAfter(5, g.sink, 'tick');\nthrow new Error('bad config');", '1')), /bad config/);
      // A deadline, not a guess: a stalled queue never ends the 20 ms receive timeout.
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        node.run(async (ctx) => ctx.receive((m) => m === 'never', 20)).then(() => 'timed out'),
        new Promise((resolve) => (deadline = setTimeout(resolve, 5000, 'the timer queue stalled'))),
      ]);
      clearTimeout(deadline);
      assert.equal(outcome, 'timed out');
    } finally {
      g.testNode = g.sink = undefined;
    }
  });
});

test("an upgrade rolled back by a codeChange that rejects leaves nothing its new top level started: its node:timers interval stops, its process is killed", async () => {
  await withNode(async (node) => {
    const g = globalThis as unknown as { testNode?: unknown; spawned?: Record<string, Parameters<typeof node.isAlive>[0]> };
    g.testNode = node;
    try {
      const code = codeServerFor(node);
      const server = (v: number, top: string) =>
        compileModule('t/busy', `import { ok, reply } from '@otp-ts/runtime';\n${top}\nexport const srv = { init: () => ok(${v}), handleCall: (_r: unknown, _f: unknown, s: number) => reply(s, s), codeChange: async (_o: unknown, s: number) => { await Promise.resolve(); if (${v} === 2) throw new Error('async no'); return s; } };`, String(v));
      await code.load(server(1, ''));
      await node.run(async (ctx) => {
        const pid = await genServer.start(ctx, (code.exportsOf('t/busy') as { srv: GenServer<number, 'get', never, number, undefined> }).srv, undefined);
        await assert.rejects(upgradeModules(ctx, code, [server(2, `${viaModules.named('asyncRolledBack')}\n${spawns('asyncRolledBack')}`)]), /async no/);
        // Counted from the rollback on (what ran while the upgrade was under way is no concern of the rollback's).
        hits.timerHits!['asyncRolledBack'] = 0;
        await afterEarlierTimers();
        assert.equal(hits.timerHits!['asyncRolledBack'], 0, "the rolled-back version's interval no longer runs");
        assert.equal(node.isAlive(g.spawned!['asyncRolledBack']!), false, "the rolled-back version's process was killed");
        assert.equal(await genServer.call(ctx, pid, 'get'), 1);
      });
    } finally {
      g.testNode = undefined;
    }
  });
});
