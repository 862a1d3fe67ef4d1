// otp crashdump on files that are not a whole otp crash dump: each is one sentence naming the file and
// what is wrong, exit 2, never a stack trace nor the file's raw bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo, tempDir } from './helpers.ts';

// A minimal dump as a node writes it: every field otp crashdump reads.
const whole = {
  otpCrashDump: 1, kind: 'uncaught_error', reason: 'Error: boom', where: undefined, time: '2024-01-01T00:00:00.000Z', node: 'shop@127.0.0.1', osPid: 42,
  versions: { node: 'v20.0.0', otpTs: '0.1.0', applications: [] }, memory: { rss: 1, heapUsed: 1, heapLimit: 2 }, processCount: 1,
  processes: [{ pid: '<0.1.0>', initialCall: 'f', currentFunction: 'f', status: 'waiting', mailboxLength: 0, mailbox: [], links: [], monitors: [], memory: 100, reductions: 1, trapExit: false, tables: 0 }],
  registered: {}, global: {}, tables: [], tree: [], modules: [], log: [], report: {}, maxBytes: 4096,
};

async function crashdump(file: string): Promise<{ code: number; err: string }> {
  const io = captureIo();
  const code = await runCli(['crashdump', file], providers, { version: '0.0.0' }, io);
  return { code, err: io.err() };
}

test('otp crashdump refuses an empty, truncated, binary, null, newer-format or damaged file and a folder with one sentence and exit 2', async () => {
  const dir = tempDir('otp-crashdump-');
  const text = JSON.stringify(whole);
  const files: Record<string, [string | Buffer, RegExp]> = {
    empty: ['', /is empty/],
    truncated: [text.slice(0, Math.floor(text.length / 2)), /is cut short/],
    binary: [Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0xff, 0xfe, 0x0a, 0x01]), /is not a crash dump \(not JSON: it starts with byte 0x7f, where a dump starts with '\{'\): give the otp_crash\.dump a node wrote/m],
    list: ['[1, 2, 3]', /is JSON but neither an otp crash dump nor a Node\.js diagnostic report \(each is one JSON object, and it starts with '\['\)/],
    null: ['null', /is JSON but neither an otp crash dump nor a Node\.js diagnostic report/],
    newer: [JSON.stringify({ ...whole, otpCrashDump: 2 }), /an otp crash dump of format 2, and this otp reads format 1/],
    damaged: [JSON.stringify({ ...whole, processes: undefined }), /a damaged otp crash dump: its field 'processes' is missing/],
    damagedProcess: [JSON.stringify({ ...whole, processes: [{ pid: '<0.1.0>' }] }), /a damaged otp crash dump: its process 1 lacks/],
    // Each field the summary reads, of the wrong kind: one sentence naming it, never a TypeError.
    damagedWhere: [JSON.stringify({ ...whole, where: 5 }), /its field 'where' is a number, not a string/],
    damagedApplication: [JSON.stringify({ ...whole, versions: { ...whole.versions, applications: [null] } }), /its field 'versions\.applications\[0\]' is a null, not an object/],
    damagedMemory: [JSON.stringify({ ...whole, memory: { ...whole.memory, rss: 'x' } }), /its field 'memory\.rss' is a string, not a number/],
    damagedInitialCall: [JSON.stringify({ ...whole, processes: [{ ...whole.processes[0], initialCall: null }] }), /its field 'processes\[0\]\.initialCall' is a null, not a string/],
    damagedName: [JSON.stringify({ ...whole, processes: [{ ...whole.processes[0], name: 5 }] }), /its field 'processes\[0\]\.name' is a number, not a string/],
    damagedMonitors: [JSON.stringify({ ...whole, processes: [{ ...whole.processes[0], monitors: null }] }), /its field 'processes\[0\]\.monitors' is a null, not an array/],
    damagedTable: [JSON.stringify({ ...whole, tables: [null] }), /its field 'tables\[0\]' is a null, not an object/],
    damagedLog: [JSON.stringify({ ...whole, log: ['fine', null] }), /its field 'log\[1\]' is a null, not a string/],
    damagedState: [JSON.stringify({ ...whole, processes: [{ ...whole.processes[0], state: { count: 1 } }] }), /its field 'processes\[0\]\.state' is an object, not a string/],
    damagedTruncated: [JSON.stringify({ ...whole, truncated: 'yes' }), /its field 'truncated' is a string, not an object/],
    damagedTruncatedListed: [JSON.stringify({ ...whole, truncated: { listed: '1', total: 2, note: 'cut' } }), /its field 'truncated\.listed' is a string, not a number/],
    damagedStates: [JSON.stringify({ ...whole, states: 5 }), /its field 'states' is a number, not an object/],
    damagedTree: [JSON.stringify({ ...whole, tree: [{ kind: 'application', label: 'a', pid: '<0.2.0>', children: [null] }] }), /its field 'tree\[0\]\.children\[0\]' is a null, not an object/],
    deepTree: [`{"otpCrashDump":1,${text.slice(1).replace('"tree":[]', `"tree":[${'{"kind":"worker","children":['.repeat(20_000)}${']}'.repeat(20_000)}]`)}`, /its field .tree. nests deeper than 1000 levels/],
  };
  for (const [name, [content, message]] of Object.entries(files)) {
    const file = join(dir, name);
    writeFileSync(file, content);
    const r = await crashdump(file);
    assert.equal(r.code, 2, `${name}: ${r.err}`);
    assert.match(r.err, message, name);
    assert.equal(r.err.trimEnd().split('\n').length, 1, `${name}: one line: ${r.err}`);
    assert.ok(!r.err.includes('internal error') && !r.err.includes('\ufffd'), name);
  }
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  const r = await crashdump(folder);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /a-folder is a folder, not a crash dump/);
  writeFileSync(join(dir, 'whole'), text);
  const io = captureIo();
  assert.equal(await runCli(['crashdump', join(dir, 'whole')], providers, { version: '0.0.0' }, io), 0, io.err());
  assert.match(io.out(), /^crash dump of shop@127\.0\.0\.1/);
});

test('otp crashdump --pid P --json prints that process as JSON', async () => {
  const dir = tempDir('otp-crashdump-json-');
  const file = join(dir, 'otp_crash.dump');
  writeFileSync(file, JSON.stringify({ ...whole, processes: [{ ...whole.processes[0], name: 'orders', mailboxLength: 3, mailbox: ['a', 'b', 'c'] }] }));
  const io = captureIo();
  assert.equal(await runCli(['crashdump', file, '--pid', 'orders', '--json'], providers, { version: '0.0.0' }, io), 0, io.err());
  const p = JSON.parse(io.out()) as { pid: string; name: string; mailboxLength: number; mailbox: string[] };
  assert.deepEqual([p.pid, p.name, p.mailboxLength, p.mailbox], ['<0.1.0>', 'orders', 3, ['a', 'b', 'c']]);
});

test('a dump of an older node, with a huge reason, stack, log line, message and state, prints them cut as a node of this version writes them', async () => {
  const dir = tempDir('otp-crashdump-old-');
  const file = join(dir, 'otp_crash.dump');
  const huge = (c: string) => c.repeat(300_000);
  const old = {
    ...whole,
    reason: `Error: ${huge('r')}`,
    where: `Error: ${huge('w')}\n    at f (shop.ts:1:1)`,
    log: [huge('l')],
    processes: [{ ...whole.processes[0], name: 'orders', mailboxLength: 1, mailbox: [huge('m')], state: huge('s') }],
  };
  writeFileSync(file, JSON.stringify(old));
  const run = async (...args: string[]) => {
    const io = captureIo();
    assert.equal(await runCli(['crashdump', file, ...args], providers, { version: '0.0.0' }, io), 0, io.err());
    return io.out();
  };
  const summary = await run();
  assert.ok(summary.length < 20_000, `the summary is ${summary.length} characters`);
  assert.match(summary, /^reason \(uncaught_error\): Error: r{1993}… \(298007 more characters\)$/m);
  assert.match(summary, /^ {2}l{1000}…$/m);
  const detail = await run('--pid', 'orders');
  assert.ok(detail.length < 10_000, `the process is ${detail.length} characters`);
  assert.match(detail, /^ {4}m{2000}…$/m);
  assert.match(detail, /^ {2}state: {12}s{2000}…$/m);
  const json = JSON.parse(await run('--json')) as { reason: string };
  assert.equal(json.reason.length, 2000 + '… (298007 more characters)'.length);
  // A dump a node of this version wrote (already cut) prints as it is.
  const cut = { ...whole, reason: `Error: ${'r'.repeat(1993)}… (298007 more characters)`, log: [`${'l'.repeat(1000)}…`] };
  writeFileSync(file, JSON.stringify(cut));
  const again = await run();
  assert.ok(again.includes(`reason (uncaught_error): ${cut.reason}\n`), again.slice(0, 300));
  assert.ok(again.includes(`\n  ${cut.log[0]}`), 'the log line as the node cut it');
});

test("otp crashdump --pid P on Node.js' report of a node that hit its heap limit (which holds no processes) says so, exit 2, rather than printing the report as if P were in it", async () => {
  const dir = tempDir('otp-crashdump-report-pid-');
  const file = join(dir, 'otp_crash.dump');
  writeFileSync(file, JSON.stringify({ header: { reportVersion: 3, event: 'Allocation failed - JavaScript heap out of memory', trigger: 'OOMError', processId: 42, nodejsVersion: 'v20.0.0' }, javascriptStack: { message: 'Unavailable.' }, javascriptHeap: {} }));
  for (const json of [[], ['--json']]) {
    const io = captureIo();
    assert.equal(await runCli(['crashdump', file, '--pid', 'orders', ...json], providers, { version: '0.0.0' }, io), 2, io.out());
    assert.equal(io.out(), '');
    assert.match(io.err(), /^otp: .*otp_crash\.dump is Node\.js' diagnostic report of a node that hit its heap limit: it holds no processes, so --pid orders cannot be shown; run otp crashdump .*otp_crash\.dump without --pid for what it holds\n$/);
  }
});

test("a damaged Node.js report (a command line or stack that is no list of strings) is summarised as text, never an internal error", async () => {
  const dir = tempDir('otp-crashdump-report-damaged-');
  const file = join(dir, 'otp_crash.dump');
  const header = { reportVersion: 3, event: 'Allocation failed - JavaScript heap out of memory', trigger: 'OOMError', processId: 42, nodejsVersion: 'v20.0.0' };
  for (const [report, shown] of [
    [{ header: { ...header, commandLine: 'node --max-old-space-size=64 boot.js' }, javascriptStack: { stack: 'at main (boot.js:1:1)' } }, /^command line: node --max-old-space-size=64 boot\.js$/m],
    [{ header: { ...header, commandLine: ['node', 5] }, javascriptStack: { stack: [null, 'at main (boot.js:1:1)'] } }, /^command line: node 5\nJavaScript stack:\n {2}null\n {2}at main \(boot\.js:1:1\)$/m],
  ] as const) {
    writeFileSync(file, JSON.stringify(report));
    const io = captureIo();
    assert.equal(await runCli(['crashdump', file], providers, { version: '0.0.0' }, io), 0, io.err());
    assert.match(io.out(), shown);
  }
});

test("a Node.js report whose JavaScript stack is one string of lines, not a list, prints that stack line by line", async () => {
  const dir = tempDir('otp-crashdump-report-stack-string-');
  const file = join(dir, 'otp_crash.dump');
  const header = { reportVersion: 3, event: 'Allocation failed - JavaScript heap out of memory', trigger: 'OOMError', processId: 42, nodejsVersion: 'v20.0.0' };
  for (const [stack, shown] of [
    ['at main (boot.js:1:1)', /\nJavaScript stack:\n {2}at main \(boot\.js:1:1\)$/],
    ['    at grow (shop.js:9:3)\r\n    at main (boot.js:1:1)\n', /\nJavaScript stack:\n {2}at grow \(shop\.js:9:3\)\n {2}at main \(boot\.js:1:1\)$/],
    [{ frame: 'at main (boot.js:1:1)' }, /\nJavaScript stack:\n {2}\{"frame":"at main \(boot\.js:1:1\)"\}$/],
  ] as const) {
    writeFileSync(file, JSON.stringify({ header, javascriptStack: { message: 'No stack.', stack }, javascriptHeap: {} }));
    const io = captureIo();
    assert.equal(await runCli(['crashdump', file], providers, { version: '0.0.0' }, io), 0, io.err());
    assert.match(io.out().trimEnd(), shown);
  }
});

test('otp crashdump prints the terminal controls a dump or report carries as escapes, never raw', async () => {
  const dir = tempDir('otp-crashdump-controls-');
  const file = join(dir, 'otp_crash.dump');
  const header = { reportVersion: 3, event: 'heap\u001b[2J out', trigger: 'OOMError', processId: 42, nodejsVersion: 'v20.0.0' };
  for (const [content, shown] of [
    [{ header, javascriptStack: { stack: 'at a\u001b]0;pwn\u0007\nat b' } }, /reason \(OOMError\): heap\\u001b\[2J out\n[\s\S]*\n {2}at a\\u001b\]0;pwn\\u0007\n {2}at b$/],
    [{ ...whole, reason: 'Error: \u001b[31mred\u009b' }, /Error: \\u001b\[31mred\\u009b/],
  ] as const) {
    writeFileSync(file, JSON.stringify(content));
    const io = captureIo();
    assert.equal(await runCli(['crashdump', file], providers, { version: '0.0.0' }, io), 0, io.err());
    // eslint-disable-next-line no-control-regex -- the raw controls are what must not be printed
    assert.doesNotMatch(io.out(), /[\u001b\u0007\u009b]/);
    assert.match(io.out().trimEnd(), shown);
  }
});
