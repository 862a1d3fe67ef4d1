// `otp trace --rate N/MS` took any digits: 99999999999999999999/1 became 1e20 events a millisecond, no rate at all,
// and the trace ran unbounded by it without a word. Each part must be a whole number a node counts exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { providers, runCli } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

test('otp trace --rate with a count or window past the safe integers, or zero, is exit 2 naming the flag and the range', async () => {
  for (const rate of ['99999999999999999999/1', '5/99999999999999999', '0/1000', '10/0', '1.5/10']) {
    const io = captureIo();
    const code = await runCli(['trace', 'nobody@127.0.0.1', 'shop/cart.add', '--rate', rate], providers, { version: '0.0.0' }, io);
    assert.equal(code, 2, io.err());
    assert.match(io.err(), new RegExp(`--rate must be N/MS \\(events per milliseconds, each a whole number from 1 to 9007199254740991\\), e\\.g\\. 100/1000, got '${rate.replace('.', '\\.')}'`));
  }
});

// A window longer than the trace never restarts: 1/1e15 was taken, a plain limit of 2 events the user read as a rate.
test('otp trace --rate with a window longer than the trace is exit 2 naming the window and the time it must fit in', async () => {
  for (const [args, window, time] of [[['--rate', '1/1000000000000000'], '1000000000000000', '15000'], [['--rate', '5/15001'], '15001', '15000'], [['--rate', '5/2001', '--time', '2000'], '2001', '2000']] as const) {
    const io = captureIo();
    const code = await runCli(['trace', 'nobody@127.0.0.1', 'shop/cart.add', ...args], providers, { version: '0.0.0' }, io);
    assert.equal(code, 2, io.err());
    assert.match(io.err(), new RegExp(`--rate's window of ${window} ms is longer than the trace runs \\(--time ${time} ms\\): give a window up to ${time} ms`));
  }
});
