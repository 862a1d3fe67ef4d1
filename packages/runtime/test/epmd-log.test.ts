// The built-in port mapper a node starts runs detached, with no terminal and nobody reading its stderr: its refusals
// and errors go to a file of its own (OTP_EPMD_LOG, else one in the temporary directory), which the node names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode } from '../src/index.ts';
import { killPortMapper, register } from '../src/distribution/epmd-client.ts';
import { openPortMapperLog, portMapperLogFile } from '../src/distribution/epmd-log.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { freePort } from '../../../test/support/epmd.ts';


/** Runs `body` with OTP_EPMD_LOG set to `file` (restored afterwards). */
async function withLogFile(file: string, body: () => Promise<void>): Promise<void> {
  const saved = process.env.OTP_EPMD_LOG;
  process.env.OTP_EPMD_LOG = file;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env.OTP_EPMD_LOG;
    else process.env.OTP_EPMD_LOG = saved;
  }
}

test('a node that starts the built-in port mapper says where it logs; the port mapper logs its refusals there, with the time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-epmd-log-'));
  const file = join(dir, 'mapper.log');
  const epmdPort = await freePort();
  const logs: string[] = [];
  const node = createNode({ onCrash: () => {} });
  try {
    await withLogFile(file, async () => {
      await node.startDistribution({ name: 'logged@127.0.0.1', cookie: 'sekrit', epmdPort, log: (l) => logs.push(l) });
    });
    assert.ok(logs.includes(`distribution: started the built-in port mapper on port ${epmdPort} (none was running); its refusals and errors are logged to ${file}`), logs.join('\n'));
    // Another registration of the running node's name: refused, and the port mapper says so in its file.
    await assert.rejects(register({ name: 'logged', port: 1, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', epmdPort));
    const line = await waitFor('the refusal in the port mapper log', () => readFileSync(file, 'utf8').split('\n').find((l) => /refused to register 'logged'/.test(l)));
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z port mapper: refused to register 'logged': the name is taken by a running node/);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`port mapper listening on 127\\.0\\.0\\.1.* port ${epmdPort}\\n`));
  } finally {
    await node.shutdown();
    await waitFor('the port mapper to stop', () => killPortMapper('127.0.0.1', epmdPort).catch(() => true));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port mapper log that is a symbolic link (planted in a shared temporary directory) is not written through: the node does not start, with one sentence naming the file and the fix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-epmd-log-'));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'untouched\n');
  const file = join(dir, 'mapper.log');
  symlinkSync(victim, file);
  const epmdPort = await freePort();
  const node = createNode({ onCrash: () => {} });
  try {
    await withLogFile(file, async () => {
      await assert.rejects(node.startDistribution({ name: 'planted@127.0.0.1', cookie: 'sekrit', epmdPort, log: () => {} }), (e: Error) => {
        assert.equal(e.message, `the built-in port mapper cannot start: cannot log to ${file} (ELOOP): set OTP_EPMD_LOG to a file it may write`);
        return true;
      });
    });
    assert.equal(readFileSync(victim, 'utf8'), 'untouched\n');
  } finally {
    await node.shutdown();
    await killPortMapper('127.0.0.1', epmdPort).catch(() => false);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the port mapper log is kept to its size: past it the file moves to FILE.1 and a new one begins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-epmd-log-'));
  try {
    const file = join(dir, 'mapper.log');
    const say = openPortMapperLog(file, 1000);
    for (let i = 0; i < 200; i++) say(`port mapper: line ${i}`);
    assert.ok(statSync(file).size <= 1000 && statSync(`${file}.1`).size <= 1000, `${statSync(file).size} ${statSync(`${file}.1`).size}`);
    assert.match(readFileSync(file, 'utf8'), /line 199\n$/);
    assert.ok(!existsSync(`${file}.2`));
    assert.equal(portMapperLogFile(4369, {}), join(tmpdir(), 'otp-ts-port-mapper-4369.log'));
    assert.equal(portMapperLogFile(4369, { OTP_EPMD_LOG: ' ' }), join(tmpdir(), 'otp-ts-port-mapper-4369.log'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
