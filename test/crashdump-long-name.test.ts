// A node bounds no name's length, but `otp crashdump` refuses a text over 1 MiB as no dump a node wrote: a process
// registered under a 2 MiB name made the node write a dump its own tool would not read. The node now cuts every text
// it writes (names, labels, keys included) to 10,000 characters, marked as cut, and the tool reads the dump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNode } from '@otp-ts/runtime';
import { installCrashDump, type CrashDump } from '@otp-ts/runtime/tools';
import { run, ok } from './support/run.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const otp = join(repo, 'packages', 'cli', 'bin', 'otp.js');

test('a dump of a node with a process registered under a 2 MiB name is cut to 10,000 characters, marked, and otp crashdump reads it', { timeout: 120_000 }, async () => {
  const node = createNode();
  const dir = mkdtempSync(join(repo, '_build', 'dump-long-name-'));
  const file = join(dir, 'otp_crash.dump');
  const dumper = installCrashDump(node, { file, maxBytes: 8_000_000 });
  try {
    const name = `n${'x'.repeat(2 * 1024 * 1024)}`;
    const pid = node.spawn(async (ctx: { receive: (m: (x: unknown) => unknown) => Promise<unknown> }) => {
      await ctx.receive((m) => (m === 'stop' ? m : undefined));
    });
    node.register(name, pid);
    assert.equal(dumper.write('other', new Error('a long name')), file);
    const dump = JSON.parse(readFileSync(file, 'utf8')) as CrashDump;
    const cutName = `${name.slice(0, 10_000)}… (${name.length - 10_000} more characters)`;
    assert.equal(dump.registered[cutName], pid.toString());
    assert.equal(dump.processes.find((p) => p.pid === pid.toString())?.name, cutName);
    const summary = await ok(run(process.execPath, [otp, 'crashdump', file], repo), `otp crashdump ${file}`);
    assert.match(summary, /a long name/);
  } finally {
    dumper.uninstall();
    node.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
