import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { parseNodeArgs } from '@otp-ts/runtime/tools';
import { heartSettings, nextRestart, runHeart, type HeartHost, type HeartReport } from '../../src/control/heart.ts';

test('node.args heart words come before HEART_* variables, which come before the defaults', () => {
  const args = parseNodeArgs('--name a@127.0.0.1 -heart --heart-beat-timeout 5', {}, 'node.args').heart;
  assert.deepEqual(args, { enabled: true, beatTimeoutS: 5 });
  const s = heartSettings(args, { HEART_BEAT_TIMEOUT: '30', HEART_MAX_RESTARTS: '2' });
  assert.deepEqual([s.beatTimeoutMs, s.maxRestarts, s.maxSeconds, s.bootTimeoutMs], [5000, 2, 60, 30_000]);
  assert.equal(heartSettings(undefined, {}).beatTimeoutMs, 60_000);
  assert.equal(parseNodeArgs('--heart-max-restarts 3', {}, 'node.args').heart?.enabled, false, 'a setting alone does not turn the heart on');
  assert.throws(() => parseNodeArgs('-heart --heart-beat-timeout soon', {}, 'node.args'), /--heart-beat-timeout soon is not a whole number from 1 to 86400/);
  assert.throws(() => heartSettings(undefined, { HEART_BEAT_TIMEOUT: 'x' }), /^Error: HEART_BEAT_TIMEOUT=x is not a whole number from 1: export e\.g\. HEART_BEAT_TIMEOUT=5, or unset it$/);
});

test('restarts back off from none to 5 s and stop past the limit within the window', () => {
  const s = { maxRestarts: 6, maxSeconds: 60 };
  const delays = [0, 1, 2, 3, 4, 5].map((n) => nextRestart(Array.from({ length: n }, () => 1000), 2000, s));
  assert.deepEqual(delays, [{ delayMs: 0 }, { delayMs: 250 }, { delayMs: 500 }, { delayMs: 1000 }, { delayMs: 2000 }, { delayMs: 4000 }]);
  assert.match((nextRestart([1000, 1000, 1000, 1000, 1000, 1000], 2000, s) as { giveUp: string }).giveUp, /^6 restarts in the last 60 s already/);
  assert.deepEqual(nextRestart([1000, 1000, 1000, 1000, 1000, 1000], 62_000, s), { delayMs: 0 }, 'restarts older than the window no longer count');
});

// A child process that only pretends: it answers beats while `answering`, and exits when told.
class FakeNode extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  answering = true;
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode === null && this.signalCode === null) setImmediate(() => this.exit(signal === 'SIGTERM' ? 0 : null, signal === 'SIGTERM' ? null : signal));
    return true;
  }
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

function fakeHost(): { host: HeartHost; nodes: FakeNode[]; lines: string[]; reports: HeartReport[]; stop: () => void; spawned: (n: number) => Promise<FakeNode> } {
  const nodes: FakeNode[] = [];
  const lines: string[] = [];
  const reports: HeartReport[] = [];
  let stop = (): void => {};
  const waiters: Array<() => void> = [];
  const host: HeartHost = {
    settings: { beatTimeoutMs: 200, beatIntervalMs: 10, bootTimeoutMs: 200, maxRestarts: 2, maxSeconds: 60 },
    node: 'a@127.0.0.1',
    spawnNode: async () => {
      const node = new FakeNode(100 + nodes.length);
      nodes.push(node);
      waiters.splice(0).forEach((w) => w());
      return { child: node as unknown as ChildProcess, vsn: '0.1.0' };
    },
    answer: async () => nodes.findLast((n) => n.exitCode === null && n.signalCode === null && n.answering)?.pid,
    log: (line) => lines.push(line),
    report: (r) => reports.push(r),
    stopRequested: new Promise<void>((resolve) => (stop = resolve)),
  };
  const spawned = async (n: number): Promise<FakeNode> => {
    while (nodes.length < n) await new Promise<void>((r) => waiters.push(r));
    return nodes[n - 1]!;
  };
  return { host, nodes, lines, reports, stop: () => stop(), spawned };
}

test('the heart restarts a killed node and a hung one, and a stop ends both without a restart', async () => {
  const f = fakeHost();
  const done = runHeart(f.host);
  (await f.spawned(1)).exit(null, 'SIGKILL');
  const second = await f.spawned(2);
  second.answering = false;
  await f.spawned(3);
  f.stop();
  assert.equal(await done, 0);
  assert.equal(f.nodes.length, 3);
  assert.deepEqual(f.reports, [{ kind: 'up', pid: 100, vsn: '0.1.0' }]);
  assert.match(f.lines[0]!, /^a@127\.0\.0\.1 \(os pid 100\) was killed by SIGKILL; restart 1 of at most 2 in 60 s: booting 0\.1\.0 as os pid 101$/);
  assert.ok(f.lines.some((l) => /^a@127\.0\.0\.1 \(os pid 101\) answered no beat for [\d.]+ s and was killed; restart 2 of at most 2/.test(l)), f.lines.join('\n'));
  assert.match(f.lines.at(-1)!, /\(os pid 102\) exited with code 0 on stop; the heart stops too$/);
});

test('the heart gives up past its restart limit', async () => {
  const f = fakeHost();
  const gaveUp = runHeart(f.host);
  for (const n of [1, 2, 3]) (await f.spawned(n)).exit(1, null);
  assert.equal(await gaveUp, 1);
  assert.match(f.lines.at(-1)!, /\(os pid 102\) exited with code 1; giving up: 2 restarts in the last 60 s already/);
});

test('a node that stops in order (exit code 0) stops its heart too', async () => {
  const f = fakeHost();
  const stopped = runHeart(f.host);
  (await f.spawned(1)).exit(0, null);
  assert.equal(await stopped, 0);
  assert.equal(f.nodes.length, 1);
});

test('a node that dies before it first answers is a boot failure: reported, not restarted', async () => {
  const f = fakeHost();
  f.host.answer = async () => undefined;
  const failed = runHeart(f.host);
  (await f.spawned(1)).exit(1, null);
  assert.equal(await failed, 1);
  assert.deepEqual(f.reports, [{ kind: 'failed', pid: 100, exit: { code: 1, signal: null } }]);
  assert.equal(f.nodes.length, 1);
});
