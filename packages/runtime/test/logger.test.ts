import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, formatEvent, formatValue, isNormalExit, genServer, ok, reply, sys, loggerOf, type LogEvent, type GenServer } from '@otp-ts/runtime';
import { withNode } from './helpers.ts';

function collecting(logger: Logger, level?: LogEvent['level']): LogEvent[] {
  const events: LogEvent[] = [];
  logger.removeHandler('default');
  logger.addHandler({ id: 'collect', level, log: (e) => events.push(e) });
  return events;
}

test('the primary level filters events; notice is the default, as in OTP', () => {
  const logger = new Logger();
  const events = collecting(logger);
  logger.info('hidden');
  logger.notice('shown');
  logger.setLevel('debug');
  logger.debug('now shown');
  assert.deepEqual(events.map((e) => e.message), ['shown', 'now shown']);
  assert.throws(() => logger.setLevel('loud' as never), /unknown log level 'loud'/);
});

test('a per-module level overrides the primary level for that module only', () => {
  const logger = new Logger();
  const events = collecting(logger);
  logger.setModuleLevel('db', 'debug');
  logger.debug('db detail', { module: 'db' });
  logger.debug('web detail', { module: 'web' });
  logger.setModuleLevel('web', 'error');
  logger.warning('web warning', { module: 'web' });
  logger.unsetModuleLevel('db');
  logger.debug('db again', { module: 'db' });
  assert.deepEqual(events.map((e) => e.message), ['db detail']);
});

test('handlers have their own level and formatter; a handler that throws is removed and the others still run', () => {
  const logger = new Logger();
  const all = collecting(logger);
  const texts: string[] = [];
  logger.addHandler({ id: 'errors', level: 'error', formatter: (e) => `[${e.level}] ${String(e.message)}`, log: (_e, text) => texts.push(text) });
  logger.addHandler({ id: 'broken', log: () => { throw new Error('disk full'); } });
  const stderr = process.stderr.write;
  let complaint = '';
  process.stderr.write = ((chunk: string) => ((complaint += chunk), true)) as typeof process.stderr.write;
  try {
    logger.warning('w');
    logger.error('e');
  } finally {
    process.stderr.write = stderr;
  }
  assert.deepEqual(all.map((e) => e.message), ['w', 'e']);
  assert.deepEqual(texts, ['[error] e']);
  assert.match(complaint, /log handler 'broken' crashed and was removed: Error: disk full/);
  assert.equal(logger.removeHandler('broken'), false);
  assert.throws(() => logger.addHandler({ id: 'errors', log: () => {} }), /already exists/);
});

test('reports are formatted field by field with bounded values', () => {
  const text = formatEvent({ level: 'error', message: { kind: 'crash', module: 'cart', state: { items: Array.from({ length: 100 }, (_, i) => i) } }, meta: { time: 0 } });
  assert.match(text, /^1970-01-01T00:00:00.000Z error crash report\n {4}module: 'cart'\n {4}state: /);
  assert.match(text, /more items/);
  assert.ok(formatValue('x'.repeat(10_000)).length < 3000);
});

test('normal, shutdown and { shutdown: _ } are not errors', () => {
  assert.deepEqual(['normal', 'shutdown', { shutdown: 'bye' }, 'killed', new Error('x'), { shutdown: 1, other: 2 }].map(isNormalExit), [true, true, true, false, false, false]);
});

test('sys.trace prints a behaviour\'s events while on and nothing while off', async () => {
  await withNode(async (node) => {
    collecting(loggerOf(node));
    const echo: GenServer<null, string, never, string, void> = { name: 'echo', init: () => ok(null), handleCall: (r, _f, s) => reply(r, s) };
    const lines: string[] = [];
    const stdout = process.stdout.write;
    await node.run(async (ctx) => {
      const srv = await genServer.startLink(ctx, echo, undefined);
      process.stdout.write = ((chunk: string) => (lines.push(chunk), true)) as typeof process.stdout.write;
      try {
        await genServer.call(ctx, srv, 'quiet');
        await sys.trace(ctx, srv, true);
        await genServer.call(ctx, srv, 'loud');
        await sys.trace(ctx, srv, false);
        await genServer.call(ctx, srv, 'quiet again');
      } finally {
        process.stdout.write = stdout;
      }
    });
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\*DBG\* <0\.\d+\.0> \(echo\) got call 'loud' from <0\.\d+\.0>/);
    assert.match(lines[1]!, /sent 'loud' to/);
  });
});
