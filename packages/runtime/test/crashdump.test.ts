// A crash dump stays within its size limit in bytes on the disk: text outside ASCII (up to three bytes a
// character), an error whose message carries a whole state, and names by the thousand all count; and a dump that
// cannot be put in place leaves no temporary file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type ProcessContext } from '@otp-ts/runtime';
import { CRASH_DUMP_MAX_BYTES, installCrashDump, parseNodeArgs, type CrashDump } from '@otp-ts/runtime/tools';

const waiting = async (ctx: ProcessContext): Promise<void> => {
  await ctx.receive((m) => m === 'stop');
};

// A node of `n` registered waiting processes, dumped under `maxBytes` for `error`: the file's size and its dump.
async function dumpOf(n: number, maxBytes: number, error: Error, name: (i: number) => string): Promise<{ bytes: number; dump: CrashDump }> {
  const node = createNode();
  const dir = mkdtempSync(join(tmpdir(), 'otp-dump-limit-'));
  const file = join(dir, 'otp_crash.dump');
  const dumper = installCrashDump(node, { file, maxBytes });
  try {
    for (let i = 0; i < n; i++) {
      const pid = node.spawn(waiting);
      node.register(name(i), pid);
      node.send(pid, `メッセージ ${'待'.repeat(200)}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(dumper.write('other', error), file);
    return { bytes: statSync(file).size, dump: JSON.parse(readFileSync(file, 'utf8')) as CrashDump };
  } finally {
    dumper.uninstall();
    node.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a crash dump of processes named and messaged outside ASCII, for an error with a huge message, is within its limit in bytes', async () => {
  const { bytes, dump } = await dumpOf(200, 100_000, new Error(`state was ${'漢'.repeat(200_000)}`), (i) => `名前_${'長'.repeat(50)}_${i}`);
  assert.ok(bytes <= 100_000, `the dump is ${bytes} bytes`);
  assert.match(dump.reason, /^Error: state was 漢+… \(\d+ more characters\)$/);
  assert.ok(dump.processes.length > 0 && dump.truncated !== undefined && dump.truncated.listed === dump.processes.length, JSON.stringify(dump.truncated));
});

test('a crash dump of 20000 registered names under the smallest limit keeps the reason and the counts, within the limit', async () => {
  const { bytes, dump } = await dumpOf(20_000, 4096, new Error('out of names'), (i) => `worker_with_a_long_registered_name_${i}`);
  assert.ok(bytes <= 4096, `the dump is ${bytes} bytes`);
  assert.equal(dump.reason, 'Error: out of names');
  assert.equal(dump.processCount, 20_000);
  assert.deepEqual(dump.processes, []);
  assert.match(dump.truncated!.note, /left room for none of the 20000 processes.*the 20000 registered names, 0 global names, 0 tables and \d+ modules were left out too/);
});

test('a crash dump that cannot be put in place (a folder where the file goes) leaves no temporary file behind', () => {
  const node = createNode();
  const dir = mkdtempSync(join(tmpdir(), 'otp-dump-folder-'));
  const file = join(dir, 'otp_crash.dump');
  mkdirSync(file);
  const dumper = installCrashDump(node, { file, maxBytes: 100_000 });
  try {
    assert.equal(dumper.write('other', new Error('boom')), undefined);
    assert.deepEqual(readdirSync(dir), ['otp_crash.dump']);
  } finally {
    dumper.uninstall();
    node.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crash dump size limit over 256 MiB is refused with one sentence, in node.args, in $OTP_CRASH_DUMP_BYTES and in the options', () => {
  assert.throws(() => parseNodeArgs('--crash-dump-bytes 1099511627776', {}, 'node.args'), /node\.args:1: --crash-dump-bytes 1099511627776 is not a size in bytes from 4096 to 268435456 \(256 MiB, the most a crash dump may take\): write e\.g\. --crash-dump-bytes 33554432$/);
  assert.equal(parseNodeArgs(`--crash-dump-bytes ${CRASH_DUMP_MAX_BYTES}`, {}, 'node.args').crashDumpBytes, CRASH_DUMP_MAX_BYTES);
  const node = createNode();
  const before = process.env.OTP_CRASH_DUMP_BYTES;
  try {
    assert.throws(() => installCrashDump(node, { file: join(tmpdir(), 'never.dump'), maxBytes: CRASH_DUMP_MAX_BYTES + 1 }), /the crash dump size limit 268435457 is more than the 268435456 bytes \(256 MiB\) a crash dump may take: give at most 268435456/);
    process.env.OTP_CRASH_DUMP_BYTES = '1e12';
    assert.throws(() => installCrashDump(node, { file: join(tmpdir(), 'never.dump') }), /\$OTP_CRASH_DUMP_BYTES=1e12 is more than the 268435456 bytes/);
  } finally {
    if (before === undefined) delete process.env.OTP_CRASH_DUMP_BYTES;
    else process.env.OTP_CRASH_DUMP_BYTES = before;
    node.shutdown();
  }
});

test("a crash dump's reason shows the error's own fields and cause (a system error's code, syscall, address, port), as the trace does", async () => {
  const cause = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE', errno: -98, syscall: 'listen', address: '127.0.0.1', port: 8080 });
  const { dump } = await dumpOf(1, 1_000_000, new Error('the shop endpoint did not start', { cause }), (i) => `p${i}`);
  assert.equal(dump.reason, 'Error: the shop endpoint did not start { [cause]: Error: listen EADDRINUSE: address already in use 127.0.0.1:8080 { code: "EADDRINUSE", errno: -98, syscall: "listen", address: "127.0.0.1", port: 8080 } }');
  const { dump: plain } = await dumpOf(1, 1_000_000, new Error('x'.repeat(5000)), (i) => `p${i}`);
  assert.match(plain.reason, /^Error: x+… \(3007 more characters\)$/);
});
