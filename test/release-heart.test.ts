// The start script's daemon end to end, with real OS processes: under its heart a node killed with
// kill -9 or hung with SIGSTOP is restarted on the permanent version and `stop` is not taken for a
// death; the heart gives up past its restart limit; and of two daemons racing for one node name,
// exactly one reports success, the other its own node's cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type Ran as Result } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { replaceOrFail } from './support/wait.ts';
import { waitFor } from './support/wait.ts';

// Every node and tool of this file registers with its own port mapper, stopped with the file: none is left on 4369.
await privatePortMapper();


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A generated app released into its own release root; `script` runs its bin/<name>, and every OS pid seen is killed at the end. */
async function releasedApp(name: string, prefix: string): Promise<{ base: string; dir: string; rel: string; script: (args: string[], env?: NodeJS.ProcessEnv) => Promise<Result>; otp: (args: string[]) => Promise<Result>; seen: Set<number>; cleanup: () => Promise<void> }> {
  const project = releaseProject(name, { prefix });
  const { base, dir, rel } = project;
  const seen = new Set<number>();
  const script = (args: string[], env?: NodeJS.ProcessEnv) => project.run(args, env);
  await project.create();
  return {
    base,
    dir,
    rel,
    script,
    otp: (args) => project.otp(args),
    seen,
    cleanup: async () => {
      if (existsSync(join(rel, 'bin', name))) await script(['stop']);
      for (const file of [`${name}.pid`, `${name}.heart.pid`]) {
        const pid = existsSync(join(rel, 'run', file)) ? Number(readFileSync(join(rel, 'run', file), 'utf8')) : NaN;
        if (Number.isInteger(pid) && pid > 1) seen.add(pid);
      }
      for (const pid of seen) kill(pid, 'SIGKILL');
      rmSync(base, { recursive: true, force: true });
    },
  };
}

// The node's OS pid once it answers and is not `old`.
function answersAs(app: Awaited<ReturnType<typeof releasedApp>>, old: number): () => Promise<number | undefined> {
  return async () => {
    const r = await app.script(['pid']);
    const pid = Number(r.stdout);
    if (r.status !== 0 || !Number.isInteger(pid) || pid === old) return undefined;
    app.seen.add(pid);
    return pid;
  };
}

test('a node under its heart (-heart in node.args) comes back on the permanent version after kill -9 and after a hang, and stop stops both without a restart', { timeout: 240_000 }, async () => {
  const app = await releasedApp('heartbeat', 'heart-');
  try {
    appendFileSync(join(app.dir, 'config', 'node.args'), '\n-heart\n--heart-beat-timeout 3\n');
    await ok(app.otp(['release']), 'otp release 0.1.0');
    const serverFile = join(app.dir, 'src', 'heartbeat_server.ts');
    writeFileSync(serverFile, `${readFileSync(serverFile, 'utf8')}\n/** The release this module came with. */\nexport function release(): string {\n  return '0.2.0';\n}\n`);
    const pkg = join(app.dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(app.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');

    const started = await ok(app.script(['daemon']), 'daemon');
    const [, nodePid, heartPid] = /^started heartbeat 0\.1\.0 as heartbeat@127\.0\.0\.1 \(os pid (\d+)\) under its heart \(os pid (\d+)\)/.exec(started)!.map(Number);
    app.seen.add(nodePid!).add(heartPid!);
    assert.equal(Number(await ok(app.script(['pid']), 'pid')), nodePid);
    assert.equal(Number(readFileSync(join(app.rel, 'run', 'heartbeat.pid'), 'utf8')), nodePid);
    assert.equal(Number(readFileSync(join(app.rel, 'run', 'heartbeat.heart.pid'), 'utf8')), heartPid);
    assert.match(await ok(app.script(['upgrade', '0.2.0']), 'upgrade'), /upgraded 0\.1\.0 → 0\.2\.0/);

    // kill -9: the heart boots the permanent version, 0.2.0, under the same name.
    kill(nodePid!, 'SIGKILL');
    const second = await waitFor('the node answers again after kill -9', answersAs(app, nodePid!), { ms: 60_000, everyMs: 100 });
    assert.match(await ok(app.script(['versions']), 'versions'), /0\.2\.0\s+permanent \(running\)/);
    assert.equal(await ok(app.script(['rpc', 'heartbeat/heartbeat_server', 'release']), 'rpc of 0.2.0 code'), '"0.2.0"');
    const log = () => readFileSync(join(app.rel, 'log', 'heartbeat.log'), 'utf8');
    assert.match(log(), new RegExp(`^\\S+ heart: heartbeat@127\\.0\\.0\\.1 \\(os pid ${nodePid}\\) was killed by SIGKILL; restart 1 of at most 5 in 60 s: booting 0\\.2\\.0 as os pid ${second}$`, 'm'));

    // A hang: stopped, it answers no beat for 3 s and is killed and restarted.
    kill(second, 'SIGSTOP');
    const third = await waitFor('the hung node is replaced', answersAs(app, second), { ms: 60_000, everyMs: 100 });
    assert.equal(alive(second), false, 'the hung node was killed');
    assert.match(log(), new RegExp(`heart: heartbeat@127\\.0\\.0\\.1 \\(os pid ${second}\\) answered no beat for [\\d.]+ s and was killed; restart 2 of at most 5 in 60 s: booting 0\\.2\\.0 as os pid ${third}$`, 'm'));

    // stop goes through the heart: both end, nothing restarts.
    assert.equal(await ok(app.script(['stop']), 'stop'), 'stopped');
    assert.equal(alive(third), false);
    assert.equal(alive(heartPid!), false);
    assert.equal((await app.script(['ping'])).stdout, 'pang');
    assert.equal(existsSync(join(app.rel, 'run', 'heartbeat.pid')), false);
    assert.equal(existsSync(join(app.rel, 'run', 'heartbeat.heart.pid')), false);
    assert.match(log(), new RegExp(`heart: heartbeat@127\\.0\\.0\\.1 \\(os pid ${third}\\) exited with code 0 on stop; the heart stops too$`, 'm'));
  } finally {
    await app.cleanup();
  }
});

test('daemon --heart gives up past its restart limit (HEART_MAX_RESTARTS), saying why in the log', { timeout: 180_000 }, async () => {
  const app = await releasedApp('heartlimit', 'heartl-');
  try {
    await ok(app.otp(['release']), 'otp release');
    const env = { ...process.env, HEART_MAX_RESTARTS: '1' };
    const started = await ok(app.script(['daemon', '--heart'], env), 'daemon --heart');
    const [, first, heartPid] = /\(os pid (\d+)\) under its heart \(os pid (\d+)\)/.exec(started)!.map(Number);
    app.seen.add(first!).add(heartPid!);
    kill(first!, 'SIGKILL');
    const second = await waitFor('the node answers again after kill -9', answersAs(app, first!), { ms: 60_000, everyMs: 100 });
    kill(second, 'SIGKILL');
    await waitFor('the heart gives up', async () => (alive(heartPid!) ? undefined : true), { ms: 60_000, everyMs: 100 });
    assert.equal((await app.script(['ping'])).stdout, 'pang');
    assert.match(readFileSync(join(app.rel, 'log', 'heartlimit.log'), 'utf8'), new RegExp(`heart: heartlimit@127\\.0\\.0\\.1 \\(os pid ${second}\\) was killed by SIGKILL; giving up: 1 restart in the last 60 s already \\(at most 1`));
    assert.equal(existsSync(join(app.rel, 'run', 'heartlimit.heart.pid')), false);
    const unknown = await app.script(['daemon', '--hart']);
    assert.equal(unknown.status, 2, unknown.out);
    assert.match(unknown.stderr, /^heartlimit: unknown option '--hart' for bin\/heartlimit daemon \(did you mean '--heart'\?\)/);
  } finally {
    await app.cleanup();
  }
});

test('of two daemons racing for one node name, with or without a heart, exactly one reports success and the other that the node is already running', { timeout: 180_000 }, async () => {
  const app = await releasedApp('racer', 'race-');
  try {
    await ok(app.otp(['release']), 'otp release');
    for (const args of [['daemon'], ['daemon', '--heart']]) {
      const results = await Promise.all([app.script(args), app.script(args)]);
      const winners = results.filter((r) => r.status === 0);
      const losers = results.filter((r) => r.status !== 0);
      assert.equal(winners.length, 1, results.map((r) => r.out).join('\n---\n'));
      assert.equal(losers[0]!.status, 1, losers[0]!.out);
      // The loser waited for the winner's outcome, then found its node answering: one line naming it, never "started".
      const winner = Number(/\(os pid (\d+)\)/.exec(winners[0]!.stdout)![1]);
      const heart = /under its heart \(os pid (\d+)\)/.exec(winners[0]!.stdout)?.[1];
      const running = heart === undefined ? `(os pid ${winner})` : `under its heart (os pid ${heart})`;
      assert.equal(losers[0]!.stderr.trim(), `racer: racer@127.0.0.1 is already running ${running}: stop it first (bin/racer stop)`);
      app.seen.add(winner);
      assert.equal(Number(await ok(app.script(['pid']), 'pid')), winner, 'the node running is the winner');
      assert.equal(await ok(app.script(['stop']), 'stop'), 'stopped');
    }
  } finally {
    await app.cleanup();
  }
});
