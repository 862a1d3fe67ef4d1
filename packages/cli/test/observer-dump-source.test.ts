// `otp observer --dump`: the process table of a crash dump is paged and sorted as a live node's is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CrashDump, DumpedProcess } from '@otp-ts/runtime/tools';
import { dumpSource } from '../src/observer/dump-source.ts';

const proc = (id: number, name?: string): DumpedProcess => ({
  pid: `<0.${id}.0>`,
  ...(name ? { name } : {}),
  initialCall: 'anonymous',
  currentFunction: 'receive',
  status: 'waiting',
  mailboxLength: 0,
  mailbox: [],
  links: [],
  monitors: [],
  memory: 100,
  reductions: 1,
  trapExit: false,
  tables: 0,
});

test("a crash dump's processes sorted by name put the unnamed ones after every name in both directions, as a live node does", async () => {
  const processes = Array.from({ length: 50 }, (_, i) => proc(i + 1, i % 20 === 0 ? `named_${i}` : undefined));
  const source = dumpSource({ node: 'dead@127.0.0.1', time: '2026-01-01T00:00:00Z', reason: 'boom', processes, tables: [], tree: [] } as unknown as CrashDump);
  const names = async (dir: string) => ((await source.processes({ offset: 0, limit: 3, sort: 'name', dir, filter: '' })) as { rows: Array<{ name?: string }> }).rows.map((r) => r.name);
  assert.deepEqual(await names('desc'), ['named_40', 'named_20', 'named_0']);
  assert.deepEqual(await names('asc'), ['named_0', 'named_20', 'named_40']);
});
